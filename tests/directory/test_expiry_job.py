"""The daily job `registrations_expire` (§3.3.3): set-based, safe to run twice; reminders 90 and 30 days
before the end of validity, once each. Dates written by hand."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from cpp_registry.models import Notice
from cpp_registry.notices import notice_deliver
from directory import services, tasks
from directory.models import Category, Registration
from directory.services.listing import organisations_relist
from tests.core.factories import UserFactory
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
# The expiry job at three batches of each kind: 7 queries an expiry batch (select, update, the organisations'
# listing, directory version, history, state log, notices), 3 a reminder batch (select, update, notices), the
# empty select that ends each loop, and the daily check of every organisation's listing: 3 × 7 + 1 + 3 × 3 + 1 + 1.
EXPECTED_QUERIES = 33
ENDED = D(2028, 3, 14)  # the last day of validity of a grant on 2026-03-15


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
    latest = registration.history.first()  # as bulk_history_create(update=True) would write it
    assert (latest.status, latest.history_type, latest.history_user) == ("cancelled_expired", "~", None)
    assert (latest.history_change_reason, latest.ended_on, latest.number) == (
        "registrations_expire",
        D(2028, 3, 15),
        registration.number,
    )
    expired_notices = Notice.objects.filter(template_key="registration_expired")
    assert list(expired_notices.values_list("recipient_email", flat=True)) == ["owner@provider.example.hk"]
    notice = expired_notices.get()
    assert notice.body_text == ""  # deferred: written from its values, rendered when sent
    notice_deliver(notice_id=notice.pk)
    notice.refresh_from_db()
    assert "2028-03-14" in notice.body_text

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


def _due(rows, *, valid_until=ENDED):
    """`rows` due provisional registrations, two to an organisation (both categories), none with a user."""
    from directory.models import Organisation

    organisations = [OrganisationFactory.build() for _ in range((rows + 1) // 2)]
    for organisation in organisations:
        organisation.refresh_search_text()
    registrations = [
        Registration(
            organisation=organisation,
            category=category,
            status="provisional",
            granted_on=D(2026, 3, 15),
            valid_until=valid_until,
        )
        for organisation in Organisation.objects.bulk_create(organisations)  # PostgreSQL returns the ids
        for category in ("1", "2")
    ]
    Registration.objects.bulk_create(registrations[:rows])
    organisations_relist()  # bulk_create sends no post_save: the directory's listing, as the receiver sets it


def test_section_3_3_3_the_expiry_notice_is_deferred_and_renders_when_sent_in_the_readers_language_first(mailoutbox):
    organisation = OrganisationFactory(
        name_en="Harbour Energy Limited",
        name_zh="海港能源有限公司",
        users=[
            UserFactory(email="zh@harbour.example.hk", language="zh-hant"),
            UserFactory(email="en@harbour.example.hk", language="en"),
            UserFactory(email="hans@harbour.example.hk", language="zh-hans"),
        ],
    )
    registration = services.registration_grant(
        organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15), notify=False
    )
    number = registration.number
    services.registrations_expire(today=D(2028, 3, 15))
    notices = {n.recipient_email: n for n in Notice.objects.filter(template_key="registration_expired")}
    # Nothing rendered at expiry: plain values fixed then, which survive a JSON round trip.
    for notice in notices.values():
        assert (notice.subject, notice.body_text, notice.body_html) == ("", "", "")
        assert notice.context == {
            "registration_number": number,
            "organisation_name_en": "Harbour Energy Limited",
            "organisation_name_zh": "海港能源有限公司",
            "category_code": "1",
            "valid_until": "2028-03-14",
        }
    for notice in notices.values():
        assert notice_deliver(notice_id=notice.pk)
    sent = {message.to[0]: message for message in mailoutbox}

    zh = sent["zh@harbour.example.hk"]
    assert zh.subject == (
        f"暫准登記已註銷：類別一 — 顧問公司 [{number}]"
        f" | Provisional registration cancelled: Category 1 — Consultancy [{number}]"
    )
    body = zh.body
    assert body.index(f"登記編號：{number}") < body.index(f"Registration number: {number}")
    assert body.index("海港能源有限公司") < body.index("Dear Harbour Energy Limited,")
    assert body.count("2028-03-14") == 2
    assert number in zh.alternatives[0][0]

    en = sent["en@harbour.example.hk"]
    assert en.subject.startswith(f"Provisional registration cancelled: Category 1 — Consultancy [{number}] | ")
    assert en.body.index(f"Registration number: {number}") < en.body.index(f"登記編號：{number}")

    hans = sent["hans@harbour.example.hk"]
    assert hans.body.index(f"登记编号：{number}") < hans.body.index(f"Registration number: {number}")

    # What was sent is kept on the notice.
    kept = Notice.objects.get(pk=notices["zh@harbour.example.hk"].pk)
    assert (kept.subject, kept.body_text) == (zh.subject, zh.body)


def test_section_3_3_3_the_deferred_reminder_gives_the_number_the_end_date_and_category_2(mailoutbox):
    organisation = OrganisationFactory(name_en="Victoria Water Limited", name_zh="", email="office@victoria.example.hk")
    registration = services.registration_grant(
        organisation=organisation,
        category=Category.CONSULTANCY_ENGINEERING,
        granted_on=D(2026, 3, 15),
        notify=False,
    )
    services.registrations_expire(today=D(2027, 12, 15))
    [notice] = Notice.objects.filter(template_key="registration_expiry_reminder")
    assert (notice.recipient_email, notice.language, notice.body_text) == ("office@victoria.example.hk", "zh-hant", "")
    notice_deliver(notice_id=notice.pk)
    [message] = mailoutbox
    number = registration.number
    assert message.subject == (
        f"你的暫准登記將於 2028-03-14 屆滿：類別二 — 顧問工程公司 [{number}]"
        f" | Your provisional registration ends on 2028-03-14: Category 2 — Consultancy-engineering [{number}]"
    )
    # No Chinese name: the English one in both parts.
    assert message.body.count("Victoria Water Limited") == 2
    assert f"登記編號：{number}" in message.body and f"Registration number: {number}" in message.body


@pytest.mark.parametrize("scale", [1, 10])
def test_section_3_3_3_the_jobs_queries_do_not_grow_with_the_rows(scale):
    """Three batches at 60 rows and at 600: the same number of queries, at most 15 a batch."""
    rows = 60 * scale
    _due(rows)
    _due(rows, valid_until=D(2028, 4, 30))  # as many reminded in the same run
    with CaptureQueriesContext(connection) as captured:
        result = services.registrations_expire(today=D(2028, 3, 15), batch_size=20 * scale)
    queries = [q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert (result.expired, result.reminded, result.notices) == (rows, rows, 2 * rows)
    assert Notice.objects.filter(body_text="").count() == 2 * rows  # nothing rendered
    batches = 4 + 4  # three full batches and the empty one that ends each loop
    assert len(queries) <= 15 * batches, [q["sql"][:80] for q in queries]
    # The count at 60 rows, written out: were it to grow with the rows, the run at 600 would fail here.
    assert len(queries) == EXPECTED_QUERIES, [q["sql"][:80] for q in queries]


def test_section_3_3_3_the_job_tells_whom_provider_notices_would_tell():
    """The job writes its notices in SQL: the same recipients and keys as `recipients.provider_notices` —
    active users only (each in their language), the organisation's address only when it has no user."""
    active = UserFactory(email="active@acme.example.hk", language="zh-hans")
    inactive = UserFactory(email="left@acme.example.hk", is_active=False)
    with_users = RegistrationFactory(
        organisation=OrganisationFactory(email="office@acme.example.hk", users=[active, inactive]),
        granted_on=D(2026, 3, 15),
    )
    nobody = RegistrationFactory(organisation=OrganisationFactory(email=""), granted_on=D(2026, 3, 15))
    result = services.registrations_expire(today=D(2028, 3, 15))
    assert (result.expired, result.notices) == (2, 1)
    [notice] = Notice.objects.all()
    assert (notice.recipient, notice.recipient_email, notice.language) == (active, "active@acme.example.hk", "zh-hans")
    assert notice.idempotency_key == f"registration:{with_users.pk}:expired:user{active.pk}"
    assert (notice.content_type.model_class(), notice.object_id) == (Registration, with_users.pk)
    assert not Notice.objects.filter(object_id=nobody.pk).exists()
