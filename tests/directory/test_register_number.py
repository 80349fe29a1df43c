"""Issue 10 §1.1: every registration has a registration number, ETSP-<category>-<6 digits> from its primary
key (docs/directory.md), given at the grant, kept for life and never reused — and shown wherever the
registration is: the directory, the open data, every notice about it, the back office's search."""

import csv
import datetime
import importlib
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, transaction

from cpp_registry.models import Notice
from cpp_registry.notices import notice_deliver, notice_render
from cpp_registry.roles import Role
from directory import services
from directory.models import Category, Registration
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
NUMBER = re.compile(r"^ETSP-[12]-\d{6,}$")
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "register-sample.csv"


@pytest.fixture
def provider():
    return OrganisationFactory(name_en="Green Tech Limited", users=[UserFactory(email="owner@green.example.hk")])


GRANTED = D(2026, 3, 15)


def grant(organisation, category=Category.CONSULTANCY, on=GRANTED, **kwargs):
    return services.registration_grant(
        organisation=organisation, category=category, granted_on=on, imported=True, **kwargs
    )


def test_the_number_is_etsp_the_category_and_the_primary_key_in_six_digits():
    assert services.registration_number(category="1", pk=42) == "ETSP-1-000042"
    assert services.registration_number(category="2", pk=123456) == "ETSP-2-123456"
    assert services.registration_number(category="1", pk=1234567) == "ETSP-1-1234567"  # never cut short


def test_a_grant_gives_the_number_and_its_one_history_row_holds_it(provider):
    registration = grant(provider, category=Category.CONSULTANCY_ENGINEERING)
    assert registration.number == f"ETSP-2-{registration.pk:06d}"
    registration.refresh_from_db()
    assert registration.number == f"ETSP-2-{registration.pk:06d}"
    [created] = registration.history.all()
    assert (created.history_type, created.number) == ("+", registration.number)


def test_the_number_stays_for_life_and_a_new_grant_gets_a_new_one(provider):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    first = grant(provider)
    number = first.number
    services.registration_confirm(registration=first, actor=pmt, on=D(2026, 9, 1))
    services.registration_withdraw(registration=first, actor=pmt, reason="Closing the office")
    first.refresh_from_db()
    assert first.number == number
    second = grant(provider)
    assert second.number != number
    assert second.number == f"ETSP-1-{second.pk:06d}"


def test_the_database_refuses_a_number_twice(provider):
    registration = grant(provider)
    other = grant(OrganisationFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=other.pk).update(number=registration.number)


def test_the_import_numbers_every_registration_it_loads(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 26, 10, tzinfo=datetime.UTC))
    call_command("import_register", str(SAMPLE))
    registrations = list(Registration.objects.all())
    assert len(registrations) == 3
    assert all(r.number == f"ETSP-{r.category}-{r.pk:06d}" for r in registrations)


def test_the_expiry_job_keeps_the_number_and_its_notice_says_it(provider):
    registration = grant(provider)
    services.registrations_expire(today=D(2028, 3, 15))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED_EXPIRED
    assert registration.number == f"ETSP-1-{registration.pk:06d}"
    [notice] = Notice.objects.filter(template_key="registration_expired")
    notice_deliver(notice_id=notice.pk)  # deferred: rendered when sent
    notice.refresh_from_db()
    assert registration.number in notice.subject
    assert f"Registration number: {registration.number}" in notice.body_text


def test_the_data_migration_numbers_existing_rows_and_their_history(provider):
    """Rows from before the number (none was given) get the number a grant gives now, history included."""
    registration = grant(provider)
    other = RegistrationFactory(category=Category.CONSULTANCY_ENGINEERING)
    Registration.objects.update(number=None)
    Registration.history.update(number=None)
    migration = importlib.import_module("directory.migrations.0010_registration_number_for_every_registration")
    migration.number_every_registration(apps, None)
    assert dict(Registration.objects.values_list("pk", "number")) == {
        registration.pk: f"ETSP-1-{registration.pk:06d}",
        other.pk: f"ETSP-2-{other.pk:06d}",
    }
    assert set(registration.history.values_list("number", flat=True)) == {f"ETSP-1-{registration.pk:06d}"}


@pytest.mark.parametrize(
    ("event", "template_key"),
    [
        ("grant", "registration_granted"),
        ("confirm", "registration_confirmed"),
        ("withdraw", "registration_withdrawn"),
        ("remove", "registration_removed"),
        ("cancel_substandard", "registration_cancelled_substandard"),
    ],
)
def test_every_notice_about_a_registration_gives_its_number(provider, event, template_key):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    registration = services.registration_grant(organisation=provider, category=Category.CONSULTANCY)
    if event == "confirm":
        services.registration_confirm(registration=registration, actor=pmt)
    elif event == "withdraw":
        services.registration_withdraw(registration=registration, actor=pmt, reason="Asked in writing")
    elif event == "remove":
        services.registration_remove(registration=registration, actor=pmt, reason="The PMC decided")
    elif event == "cancel_substandard":
        services.registration_cancel_substandard(registration=registration, actor=pmt, reason="Report short")
    [notice] = Notice.objects.filter(template_key=template_key)
    number = registration.number
    assert number in notice.subject
    assert f"Registration number: {number}" in notice.body_text
    assert f"登記編號：{number}" in notice.body_text  # and in the other language
    assert number in notice.body_html


def test_the_expiry_reminder_gives_the_number(provider):
    registration = grant(provider)
    services.registrations_expire(today=D(2028, 1, 1))
    [notice] = Notice.objects.filter(template_key="registration_expiry_reminder")
    notice_deliver(notice_id=notice.pk)  # deferred: rendered when sent
    notice.refresh_from_db()
    assert registration.number in notice.subject and registration.number in notice.body_text


def test_the_approval_notice_lists_each_granted_registration_with_its_number(provider):
    first = grant(provider)
    second = grant(provider, category=Category.CONSULTANCY_ENGINEERING)
    application = SimpleNamespace(reference="APP-2026-00001", decision_text="")
    context = {"organisation": provider, "application": application, "registrations": [first, second]}
    _subject, text, html = notice_render(template_key="application_approved", language="en", context=context)
    for registration in (first, second):
        assert f"- {registration.number} — " in text
        assert f"<li>{registration.number} — " in html


def test_the_directory_and_the_open_data_show_the_number(client, provider):
    registration = grant(provider)
    number = registration.number
    for url in ("/en/directory/", provider.get_absolute_url(), "/zh-hant/directory/"):
        assert number in client.get(url).content.decode(), url
    [row] = csv.DictReader(io.StringIO(client.get("/en/directory/export.csv").content.decode("utf-8-sig")))
    assert (row["category_1_number"], row["category_2_number"]) == (number, "")
    [result] = json.loads(client.get("/en/directory/export.json").content)["results"]
    assert result["category_1_number"] == number


def test_the_back_office_finds_a_registration_by_its_number(client, provider):
    registration = grant(provider)
    grant(OrganisationFactory(name_en="Another Limited"))
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    response = client.get("/en/admin/directory/registration/", {"q": registration.number})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [registration]
    assert NUMBER.match(registration.number)
