"""Two officers taking the same step of one case at the same moment, through the back office, on real
PostgreSQL (issue 9 §4). Each step's service runs its transition on a locked fresh row, so exactly one is
taken; the other officer is told why on the same page, and nothing of theirs is written."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_fsm_log.models import StateLog

from committee.models import Motion
from complaints.models import Case, Message
from cpp_registry.models import Notice
from cpp_registry.roles import Role
from tests.core.factories import staff_user

from .factories import factory_with_user, provider
from .test_admin import S, advance, recorded

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*posts):
    """Run each (client, url, data) POST in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)

    def run(i, client, url, data):
        try:
            barrier.wait(timeout=10)
            results[i] = client.post(url, data)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def officer(email, role):
    client = Client()
    client.force_login(staff_user(role, email=email))
    return client


def officers():
    return officer("one@example.hk", Role.PROGRAMME_MANAGEMENT_TEAM), officer("two@example.hk", Role.PTST)


def step(case, name):
    return reverse(f"admin:complaints_case_{name}", args=[case.pk])


def refused(responses):
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 302], codes
    return next(r for r in responses if r.status_code == 200).content.decode()


@pytest.fixture
def parties():
    return provider(name_en="Green Tech Limited"), factory_with_user()


def test_section_6_1_2_two_officers_recording_opposite_findings_at_once_record_exactly_one(parties):
    case = advance(recorded(parties), S.UNDER_INVESTIGATION)
    url = step(case, "findings")
    one, two = officers()
    responses = at_once(
        (one, url, {"substantiated": "yes", "findings": "Not commissioned.", "preliminary_report": "Fix it."}),
        (two, url, {"substantiated": "no", "findings": "It works."}),
    )
    assert "not possible from this state. Nothing was changed." in refused(responses)
    case.refresh_from_db()
    found = StateLog.objects.for_(case).filter(transition__in=["find_substantiated", "find_not_substantiated"])
    assert found.count() == 1
    if case.substantiated:
        assert (case.status, case.findings) == (S.SUBSTANTIATED, "Not commissioned.")
        assert not case.messages.filter(kind=Message.Kind.RESULT).exists()
        assert Notice.objects.filter(template_key="case_not_substantiated").count() == 0
    else:
        assert (case.status, case.findings) == (S.NOT_SUBSTANTIATED, "It works.")
        assert not case.messages.filter(kind=Message.Kind.PRELIMINARY_REPORT).exists()
        assert Notice.objects.filter(template_key="case_preliminary_report").count() == 0


def test_section_6_1_4_two_officers_consolidating_one_report_at_once_consolidate_it_once(parties):
    case = advance(recorded(parties), S.CORRECTIVE_ACTION)
    url = step(case, "consolidate")
    one, two = officers()
    responses = at_once(
        (one, url, {"report": "First report.", "recommended_penalty": "warning"}),
        (two, url, {"report": "Second report.", "recommended_penalty": "removal", "reason": "Forged papers."}),
    )
    refused(responses)
    case.refresh_from_db()
    assert StateLog.objects.for_(case).filter(transition="consolidate").count() == 1
    assert (case.report, case.recommended_penalty) in (("First report.", "warning"), ("Second report.", "removal"))


def test_section_6_1_4_two_officers_sending_one_case_to_the_pmc_at_once_make_one_motion(parties):
    case = advance(recorded(parties), S.REPORT_CONSOLIDATED)
    url = step(case, "send_to_pmc")
    one, two = officers()
    responses = at_once((one, url, {}), (two, url, {}))
    assert "with the pmc now" in refused(responses)
    case.refresh_from_db()
    assert case.status == S.WITH_PMC
    assert Motion.objects.count() == 1
    assert StateLog.objects.for_(case).filter(transition="send_to_pmc").count() == 1


def test_section_6_3_1_sending_to_the_pmc_and_proposing_removal_at_once_make_one_motion(parties):
    case = advance(recorded(parties), S.REPORT_CONSOLIDATED)
    one, two = officers()
    responses = at_once(
        (one, step(case, "send_to_pmc"), {}),
        (two, step(case, "propose_removal"), {"grounds": ["b"], "reason": "Refused to fix the boiler."}),
    )
    refused(responses)
    assert Case.objects.get(pk=case.pk).status == S.WITH_PMC
    assert Motion.objects.count() == 1
