"""Issue 11 §3 "nothing lost", at the same moment, on real PostgreSQL: twenty people acting on one
application, one case, one registration or one organisation at once.

Twenty threads, each with its own database connection, are released together by a barrier. Exactly one
change is made; each of the nineteen others is refused with the app's own ServiceError and a translated
message (half of them ask in 繁體中文) — never an IntegrityError or another exception; the audit log holds
the winner's transition alone, and only the winner's written notices are queued.
"""

import re
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from applications import services as applications
from applications.models import Message as ApplicationMessage
from complaints import services as complaints
from complaints.models import Case
from complaints.models import Message as CaseMessage
from cpp_registry.errors import ServiceError
from cpp_registry.models import Notice
from cpp_registry.roles import Role
from directory import services as directory
from directory.models import Organisation, Registration
from tests.applications.factories import complete_application
from tests.complaints.factories import factory_with_user, provider
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 20
CJK = re.compile(r"[\u3400-\u9fff]")


def language(i):
    return "zh-hant" if i % 2 else "en"


def at_once(calls):
    """Run each call in its own thread and connection, in English or 繁體中文 by turns, released together
    by a barrier; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            with translation.override(language(i)):
                barrier.wait(timeout=30)
                results[i] = call()
        except Exception as exc:  # the result to look at
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a call hung"
    return results


def one_winner(results, error):
    """Exactly one call changed something; every other was refused with `error` and a message in the
    language it was asked in. Returns the winner's result."""
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    for i, result in enumerate(results):
        if isinstance(result, Exception):
            assert isinstance(result, error), f"{type(result).__name__}: {result}"
            assert result.message, result
            assert bool(CJK.search(result.message)) == (language(i) == "zh-hant"), result.message
    return winners[0]


def transitions(instance):
    return list(StateLog.objects.for_(instance).order_by("timestamp", "pk").values_list("transition", flat=True))


def test_twenty_officers_deciding_one_application_at_once_take_one_decision():
    """Approve ×8, ask for information ×4, withdraw ×4 (the applicant), report to the PMC ×4."""
    applicant = UserFactory(email="owner@greentech.example.hk")
    application = applications.application_submit(application=complete_application(user=applicant), user=applicant)
    officers = [staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email=f"officer{i}@example.hk") for i in range(N)]
    calls = {
        "approve": lambda i: applications.application_approve(
            application=application, actor=officers[i], text="Welcome."
        ),
        "ask_for_information": lambda i: applications.application_ask_for_information(
            application=application, actor=officers[i], text="Send the certificate of project 2."
        ),
        "withdraw": lambda i: applications.application_withdraw(
            application=application, user=applicant, reason="Letter of withdrawal."
        ),
        "refer": lambda i: applications.application_refer(
            application=application, actor=officers[i], recommendation_en="Accept it."
        ),
    }
    plan = ["approve"] * 8 + ["ask_for_information"] * 4 + ["withdraw"] * 4 + ["refer"] * 4
    results = at_once([lambda i=i, name=name: calls[name](i) for i, name in enumerate(plan)])

    winner = one_winner(results, applications.ApplicationError)
    by_state = {"approved": "approve", "awaiting_information": "ask_for_information", "withdrawn": "withdraw"}
    taken = by_state[winner.status]  # reporting to the PMC is refused: the criteria are met
    application.refresh_from_db()
    assert application.status == winner.status
    assert transitions(application) == ["submit", taken]
    templates = {
        "approve": "application_approved",
        "ask_for_information": "application_information_requested",
        "withdraw": "application_withdrawn",
        "refer": "application_referred",
    }
    queued = Notice.objects.filter(template_key__in=templates.values())
    assert list(queued.values_list("template_key", "recipient_email")) == [
        (templates[taken], "owner@greentech.example.hk")
    ]
    assert Registration.objects.filter(organisation=application.organisation).count() == (taken == "approve")
    messages = ApplicationMessage.objects.filter(application=application).values_list("kind", flat=True)
    assert list(messages) == {"approve": ["decision"], "ask_for_information": ["request"]}.get(taken, [])


@pytest.fixture
def case():
    organisation, factory = provider(name_en="Green Tech Limited"), factory_with_user()
    staff = staff_user(Role.PTST, email="ptst@example.hk")
    recorded = complaints.case_record(
        actor=staff,
        factory=factory,
        organisation=organisation,
        description="The boiler was never commissioned.",
        received_on=timezone.localdate(),
        source=Case.Source.POST,
    )
    notified = complaints.case_notify_provider(case=recorded, actor=staff)
    return complaints.case_start_investigation(case=notified, actor=staff)


def test_twenty_officers_recording_findings_on_one_case_at_once_record_one(case):
    """Substantiated ×9, not substantiated ×9, notify the provider again ×1, start the investigation again ×1."""
    officers = [staff_user(Role.PTST, email=f"ptst{i}@example.hk") for i in range(N)]
    calls = {
        "find_substantiated": lambda i: complaints.case_record_findings(
            case=case, actor=officers[i], substantiated=True, findings=f"Not {i}.", preliminary_report="Do it."
        ),
        "find_not_substantiated": lambda i: complaints.case_record_findings(
            case=case, actor=officers[i], substantiated=False, findings=f"Works {i}."
        ),
        "notify_provider": lambda i: complaints.case_notify_provider(case=case, actor=officers[i]),
        "investigate": lambda i: complaints.case_start_investigation(case=case, actor=officers[i]),
    }
    plan = ["find_substantiated", "find_not_substantiated"] * 9 + ["notify_provider", "investigate"]
    before = Notice.objects.count()
    results = at_once([lambda i=i, name=name: calls[name](i) for i, name in enumerate(plan)])

    winner = one_winner(results, complaints.CaseError)
    case.refresh_from_db()
    taken = "find_substantiated" if case.status == Case.Status.SUBSTANTIATED else "find_not_substantiated"
    assert case.status == winner.status
    assert transitions(case) == ["notify_provider", "investigate", taken]
    winner_index = next(i for i, r in enumerate(results) if r is winner)
    assert plan[winner_index] == taken and case.findings.endswith(f" {winner_index}.")
    written = set(Notice.objects.order_by("pk")[before:].values_list("template_key", flat=True))
    kinds = list(case.messages.exclude(kind=CaseMessage.Kind.COMPLAINT).values_list("kind", flat=True))
    if taken == "find_substantiated":
        assert written == {"case_preliminary_report", "case_substantiated"}
        assert sorted(kinds) == sorted([CaseMessage.Kind.FINDINGS, CaseMessage.Kind.PRELIMINARY_REPORT])
    else:
        assert written == {"case_not_substantiated"}
        assert kinds == [CaseMessage.Kind.RESULT]
    assert Notice.objects.count() - before == 2  # the provider's user and the factory's, once each


def test_twenty_officers_ending_one_registration_at_once_end_it_once():
    """Withdraw on written request ×7, remove on the PMC's decision ×7, cancel as substandard ×6."""
    organisation = OrganisationFactory(users=[UserFactory(email="owner@provider.example.hk")])
    registration = directory.registration_grant(organisation=organisation, category="1", notify=False)
    officers = [staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email=f"officer{i}@example.hk") for i in range(N)]
    calls = {
        "withdraw": directory.registration_withdraw,
        "remove": directory.registration_remove,
        "cancel_substandard": directory.registration_cancel_substandard,
    }
    plan = ["withdraw", "remove"] * 7 + ["cancel_substandard"] * 6
    results = at_once(
        [
            lambda i=i, name=name: calls[name](registration=registration, actor=officers[i], reason=f"{name} {i}")
            for i, name in enumerate(plan)
        ]
    )

    winner = one_winner(results, directory.RegisterError)
    registration.refresh_from_db()
    by_state = {"withdrawn": "withdraw", "removed": "remove", "cancelled_substandard": "cancel_substandard"}
    taken = by_state[registration.status]
    assert winner.status == registration.status
    assert transitions(registration) == ["grant", taken]
    assert registration.end_reason.startswith(taken)
    templates = {"withdraw": "registration_withdrawn", "remove": "registration_removed",
                 "cancel_substandard": "registration_cancelled_substandard"}  # fmt: skip
    queued = Notice.objects.filter(template_key__in=templates.values())
    assert list(queued.values_list("template_key", "recipient_email")) == [
        (templates[taken], "owner@provider.example.hk")
    ]


def edit(organisation_pk, name, version):
    """An officer's form, opened at `version`, saved with a new English name."""
    form = Organisation.objects.get(pk=organisation_pk)
    form.name_en = name
    return lambda: directory.organisation_update(organisation=form, actor=None, expected_version=version, fields=None)


def test_section_5_2_twenty_edits_of_one_version_save_one_and_twenty_stale_edits_are_all_refused():
    """Twenty officers save the record they opened at the same version, at once: one is saved. Twenty more
    who had opened it before that save are all refused, and nothing of theirs is written (§5.2)."""
    organisation = OrganisationFactory(name_en="Green Tech Limited")
    opened_at, history = organisation.version, organisation.history.count()
    stale = [edit(organisation.pk, f"Stale edit {i}", opened_at) for i in range(N)]  # opened now, saved later

    results = at_once([edit(organisation.pk, f"Edit {i} Limited", opened_at) for i in range(N)])

    winner = one_winner(results, directory.StaleVersion)
    organisation.refresh_from_db()
    assert (organisation.name_en, organisation.version) == (winner.name_en, opened_at + 1)
    assert organisation.history.count() == history + 1

    results = at_once(stale)

    assert all(isinstance(r, directory.StaleVersion) for r in results), results
    for i, result in enumerate(results):
        assert bool(CJK.search(result.message)) == (language(i) == "zh-hant"), result.message
    organisation.refresh_from_db()
    assert (organisation.name_en, organisation.version) == (winner.name_en, opened_at + 1)
    assert organisation.history.count() == history + 1
    assert issubclass(directory.StaleVersion, ServiceError)
