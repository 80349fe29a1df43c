"""At the same moment, on real PostgreSQL: one submission of a draft sent twice, one decision of two officers.

Each request runs in its own thread and database connection, released together by a barrier. The services
lock a fresh row (SELECT … FOR UPDATE) before they check the state, so the second waits for the first and
then sees its result: exactly one submission (one log entry, one clock, one notice) and exactly one decision
(registrations granted once, one motion), the other officer being told why nothing changed.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_fsm_log.models import StateLog

from applications import services
from applications.models import Application, Message
from committee.models import Motion
from cpp_registry.models import Deadline, Notice
from directory.models import Registration
from tests.core.factories import UserFactory

from .factories import complete_application, officer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls):
    """Run each callable in its own thread and connection, released together by a barrier; return what
    each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # the result to look at
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def officer_client(email):
    client = Client()
    client.force_login(officer(email=email))
    return client


def post(client, application, step, data):
    url = reverse("admin:applications_application_transition", args=[application.pk, step])
    return lambda: client.post(url, data)


def test_a_draft_submitted_twice_at_once_is_submitted_once():
    """A double click, or two tabs: one submission, one log entry, one clock, one notice; the other is told."""
    applicant = UserFactory(email="owner@greentech.example.hk")
    draft = complete_application(user=applicant)
    results = at_once(
        lambda: services.application_submit(application=draft, user=applicant),
        lambda: services.application_submit(application=draft, user=applicant),
    )
    submitted = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, services.ApplicationError)]
    assert (len(submitted), len(refused)) == (1, 1), results
    assert "was already submitted" in str(refused[0])
    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED
    assert StateLog.objects.for_(draft).filter(transition="submit").count() == 1
    assert Deadline.objects.for_subject(draft).count() == 1
    assert Notice.objects.filter(template_key="application_submitted").count() == 1


def test_two_tabs_submitting_the_same_draft_at_once_submit_it_once():
    """The applicant's own door: two tabs press "Submit" on the check page at the same moment. One is told
    the application is submitted, the other that it already was; one submission, one clock, one notice."""
    applicant = UserFactory(email="owner@greentech.example.hk")
    draft = complete_application(user=applicant)
    tabs = [Client(), Client()]
    for tab in tabs:
        tab.force_login(applicant)
    url = reverse("applications:check", kwargs={"reference": draft.reference})
    responses = at_once(*(lambda tab=tab: tab.post(url, {}, follow=True) for tab in tabs))
    bodies = [r.content.decode() for r in responses]
    assert [r.status_code for r in responses] == [200, 200]
    assert sum("is submitted" in b for b in bodies) == 1, bodies
    assert sum("was already submitted" in b for b in bodies) == 1, bodies
    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED
    assert StateLog.objects.for_(draft).filter(transition="submit").count() == 1
    assert Deadline.objects.for_subject(draft).count() == 1
    assert Notice.objects.filter(template_key="application_submitted").count() == 1


def submitted(**kwargs):
    applicant = UserFactory()
    application = complete_application(user=applicant, **kwargs)
    return services.application_submit(application=application, user=applicant)


def one_done_one_told(responses, *told):
    """One step done (redirected to the application), the other refused on its page with one of `told`."""
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 302], codes
    refused = next(r for r in responses if r.status_code == 200).content.decode()
    assert any(message in refused for message in told), refused


def test_section_4_1_4_two_officers_approving_at_once_grant_once():
    application = submitted(categories="1")
    responses = at_once(
        post(officer_client("one@example.hk"), application, "approve", {"text": "Welcome."}),
        post(officer_client("two@example.hk"), application, "approve", {"text": "Welcome!"}),
    )
    one_done_one_told(responses, "approved now; that change is not possible from this state. Nothing was changed.")
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert StateLog.objects.for_(application).filter(transition="approve").count() == 1
    assert Registration.objects.filter(organisation=application.organisation).count() == 1
    assert Notice.objects.filter(template_key="application_approved").count() == 1
    assert Message.objects.filter(application=application, kind=Message.Kind.DECISION).count() == 1


@pytest.mark.parametrize(
    ("other", "data"),
    [
        ("ask_for_information", {"text": "Please send the certificate of project 2."}),
        ("withdraw", {"reason": "Letter of withdrawal received today."}),
    ],
)
def test_approving_while_another_officer_takes_another_step_takes_exactly_one(other, data):
    application = submitted(categories="1")
    responses = at_once(
        post(officer_client("one@example.hk"), application, "approve", {"text": ""}),
        post(officer_client("two@example.hk"), application, other, data),
    )
    one_done_one_told(
        responses, "that change is not possible from this state. Nothing was changed.", "can no longer be withdrawn"
    )
    application.refresh_from_db()
    log = list(StateLog.objects.for_(application).values_list("transition", flat=True))
    assert sorted(log) == sorted(["submit", "approve" if application.status == "approved" else other])
    granted = Registration.objects.filter(organisation=application.organisation).count()
    assert granted == (1 if application.status == Application.Status.APPROVED else 0)


def test_section_4_1_5_approving_and_reporting_to_the_pmc_at_once_decide_once():
    """Criteria not met: whichever officer is first, the application is reported to the PMC once and no
    registration is granted — the approval is refused for the criteria, or for the state it found."""
    application = submitted(staff_months=(24, 24, 23))
    responses = at_once(
        post(officer_client("one@example.hk"), application, "approve", {"text": ""}),
        post(officer_client("two@example.hk"), application, "refer", {"recommendation_en": "Accept it."}),
    )
    one_done_one_told(
        responses, "Category 1: the criteria are not met.", "referred to the pmc now; that change is not possible"
    )
    application.refresh_from_db()
    assert application.status == Application.Status.REFERRED
    assert not Registration.objects.exists()
    assert Motion.objects.count() == 1


def test_section_4_1_5_two_officers_reporting_at_once_open_one_motion():
    application = submitted(staff_months=(24, 24, 23))
    responses = at_once(
        post(officer_client("one@example.hk"), application, "refer", {"recommendation_en": "Accept it."}),
        post(officer_client("two@example.hk"), application, "refer", {"recommendation_en": "Refuse it."}),
    )
    one_done_one_told(responses, "referred to the pmc now; that change is not possible from this state.")
    application.refresh_from_db()
    assert application.status == Application.Status.REFERRED
    assert Motion.objects.count() == 1
    assert StateLog.objects.for_(application).filter(transition="refer").count() == 1
    assert Notice.objects.filter(template_key="application_referred").count() == 1
