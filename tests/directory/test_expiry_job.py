"""The daily job `registrations_expire` (§3.3.3): set-based, safe to run twice; reminders 90 and 30 days
before the end of validity, once each. Dates written by hand."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from cpp_registry.models import Notice
from directory import services, tasks
from directory.models import Category, Registration
from tests.core.factories import UserFactory
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def registration():
    organisation = OrganisationFactory(users=[UserFactory(email="owner@provider.example.hk")])
    return services.registration_grant(
        organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15), notify=False
    )


def test_section_3_3_3_run_on_2028_03_14_leaves_it(registration):
    result = services.registrations_expire(today=D(2028, 3, 14))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PROVISIONAL
    assert result.expired == 0


def test_section_3_3_3_run_on_2028_03_15_cancels_it_and_again_changes_nothing(registration):
    result = services.registrations_expire(today=D(2028, 3, 15))
    registration.refresh_from_db()
    assert result.expired == 1
    assert registration.status == Registration.Status.CANCELLED_EXPIRED
    assert registration.ended_on == D(2028, 3, 15)
    assert "§3.3.3" in registration.end_reason
    log = StateLog.objects.get(object_id=registration.pk, transition="expire")
    assert (log.source_state, log.state, log.by) == ("provisional", "cancelled_expired", None)
    assert registration.history.first().status == "cancelled_expired"
    expired_notices = Notice.objects.filter(template_key="registration_expired")
    assert list(expired_notices.values_list("recipient_email", flat=True)) == ["owner@provider.example.hk"]
    assert "2028-03-14" in expired_notices.get().body_text

    counts = (StateLog.objects.count(), Notice.objects.count(), registration.history.count())
    again = services.registrations_expire(today=D(2028, 3, 15))
    assert (again.expired, again.reminded, again.notices) == (0, 0, 0)
    assert (StateLog.objects.count(), Notice.objects.count(), registration.history.count()) == counts
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED_EXPIRED


def test_section_3_3_3_confirmed_and_ended_registrations_are_not_touched():
    confirmed = RegistrationFactory(status=Registration.Status.CONFIRMED, granted_on=D(2024, 1, 2))
    withdrawn = RegistrationFactory(status=Registration.Status.WITHDRAWN, granted_on=D(2024, 1, 2))
    services.registrations_expire(today=D(2028, 3, 15))
    confirmed.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (confirmed.status, withdrawn.status) == ("confirmed", "withdrawn")


def test_section_3_3_3_reminders_90_and_30_days_before_once_each(registration):
    # Valid until 2028-03-14: 90 days before is 2027-12-15, 30 days before is 2028-02-13.
    assert services.registrations_expire(today=D(2027, 12, 14)).reminded == 0
    assert services.registrations_expire(today=D(2027, 12, 15)).reminded == 1
    assert services.registrations_expire(today=D(2027, 12, 16)).reminded == 0
    assert services.registrations_expire(today=D(2028, 2, 12)).reminded == 0
    assert services.registrations_expire(today=D(2028, 2, 13)).reminded == 1
    assert services.registrations_expire(today=D(2028, 2, 13)).reminded == 0
    reminders = Notice.objects.filter(template_key="registration_expiry_reminder")
    assert reminders.count() == 2
    registration.refresh_from_db()
    assert registration.expiry_reminders_sent == 2


def test_section_3_3_3_a_late_first_run_sends_only_the_30_day_reminder(registration):
    assert services.registrations_expire(today=D(2028, 3, 1)).reminded == 1
    assert services.registrations_expire(today=D(2028, 3, 2)).reminded == 0
    assert Notice.objects.filter(template_key="registration_expiry_reminder").count() == 1


def test_section_3_3_3_an_organisation_without_users_is_told_at_its_email():
    RegistrationFactory(organisation=OrganisationFactory(email="office@acme.example.hk"), granted_on=D(2026, 3, 15))
    services.registrations_expire(today=D(2028, 3, 15))
    assert Notice.objects.get(template_key="registration_expired").recipient_email == "office@acme.example.hk"


@pytest.mark.parametrize("rows", [100, 1000])
def test_section_3_3_3_expiry_is_set_based_at_most_15_queries_per_1000_rows(rows):
    organisations = [OrganisationFactory.build() for _ in range(rows)]
    for organisation in organisations:
        organisation.refresh_search_text()
    from directory.models import Organisation

    Organisation.objects.bulk_create(organisations)
    organisations = list(Organisation.objects.all())
    Registration.objects.bulk_create(
        [
            Registration(
                organisation=o,
                category="1",
                status="provisional",
                granted_on=D(2026, 3, 15),
                valid_until=D(2028, 3, 14),
            )
            for o in organisations
        ]
    )
    with CaptureQueriesContext(connection) as captured:
        result = services.registrations_expire(today=D(2028, 3, 15))
    # Each batch is its own transaction: BEGIN/COMMIT in production, savepoints inside the test's
    # transaction. Those are not queries of the job.
    queries = [q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert result.expired == rows
    assert Registration.objects.filter(status="cancelled_expired").count() == rows
    assert StateLog.objects.filter(transition="expire").count() == rows
    assert Notice.objects.filter(template_key="registration_expired").count() == rows
    print(f"expiry of {rows} rows: {len(queries)} queries")
    assert len(queries) <= 15, [q["sql"][:80] for q in queries]


def test_the_task_and_the_command_run_the_same_job(registration, time_machine):
    time_machine.move_to(datetime.datetime(2028, 3, 15, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
    assert tasks.registrations_expire() == {"expired": 1, "reminded": 0, "notices": 1}
    call_command("registrations_expire", "--today", "2028-03-16")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED_EXPIRED


def test_the_command_refuses_a_bad_date():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("registrations_expire", "--today", "15/03/2028")
