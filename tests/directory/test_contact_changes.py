"""Contact-detail changes (§5.2.1–5.2.2), withdrawal by the provider (§5.2.4), and the two-staff edit."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from cpp_registry.models import Deadline, Notice
from cpp_registry.roles import Role
from directory import services
from directory.models import ContactChangeRequest, Organisation, Registration
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def owner():
    return UserFactory(email="owner@provider.example.hk")


@pytest.fixture
def provider(owner):
    organisation = OrganisationFactory(
        name_en="Echo Limited", email="old@echo.example.hk", phone="+85221234567", users=[owner]
    )
    RegistrationFactory(organisation=organisation, status="confirmed")
    return organisation


def details(organisation, **changes):
    return {**{k: str(v or "") for k, v in organisation.contact_details().items()}, **changes}


def test_section_5_2_2_a_request_starts_the_5_working_day_clock_and_changes_nothing_yet(provider, owner, client):
    # Friday 2027-01-08 → day 5 is Friday 2027-01-15.
    with time_machine.travel("2027-01-08 10:00 +0800", tick=False):
        change = services.contact_change_request(
            organisation=provider,
            user=owner,
            details=details(provider, email="new@echo.example.hk"),
            received_on=D(2027, 1, 8),
        )
    clock = Deadline.objects.get(
        content_type=ContentType.objects.get_for_model(ContactChangeRequest), object_id=change.pk
    )
    assert (clock.kind, clock.start_day, clock.due_day) == (Deadline.Kind.CONTACT_CHANGE, D(2027, 1, 8), D(2027, 1, 15))
    provider.refresh_from_db()
    assert provider.email == "old@echo.example.hk"
    assert "old@echo.example.hk" in client.get(provider.get_absolute_url()).content.decode()


def test_section_5_2_2_approval_shows_the_new_details_and_history_keeps_both(provider, owner, client):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    change = services.contact_change_request(
        organisation=provider, user=owner, details=details(provider, email="new@echo.example.hk")
    )
    version = provider.version
    services.contact_change_approve(change=change, actor=pmt)
    provider.refresh_from_db()
    change.refresh_from_db()
    assert provider.email == "new@echo.example.hk"
    assert provider.version == version + 1
    assert change.status == "approved"
    assert change.previous["email"] == "old@echo.example.hk"
    assert change.email == "new@echo.example.hk"
    assert [h.email for h in provider.history.order_by("history_date")][-2:] == [
        "old@echo.example.hk",
        "new@echo.example.hk",
    ]
    assert Deadline.objects.get(kind=Deadline.Kind.CONTACT_CHANGE).met_at is not None
    assert Notice.objects.filter(template_key="contact_change_decided", recipient=owner).exists()
    body = client.get(provider.get_absolute_url()).content.decode()
    assert "new@echo.example.hk" in body and "old@echo.example.hk" not in body


def test_section_5_2_2_rejection_needs_a_reason_and_changes_nothing(provider, owner):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    change = services.contact_change_request(
        organisation=provider, user=owner, details=details(provider, email="new@echo.example.hk")
    )
    with pytest.raises(services.RegisterError, match="reason"):
        services.contact_change_reject(change=change, actor=pmt, note="")
    services.contact_change_reject(change=change, actor=pmt, note="Not signed by the company")
    provider.refresh_from_db()
    assert provider.email == "old@echo.example.hk"
    with pytest.raises(services.RegisterError, match="already"):
        services.contact_change_approve(change=change, actor=pmt)
    provider.refresh_from_db()
    assert provider.email == "old@echo.example.hk"


def test_section_5_2_1_one_pending_request_at_a_time(provider, owner):
    services.contact_change_request(
        organisation=provider, user=owner, details=details(provider, website="https://e.hk")
    )
    with pytest.raises(services.RegisterError, match="already has a contact-detail change waiting"):
        services.contact_change_request(organisation=provider, user=owner, details=details(provider))
    assert ContactChangeRequest.objects.count() == 1


def test_section_5_2_1_the_provider_asks_in_the_portal(provider, owner, client):
    client.force_login(owner)
    url = f"/en/directory/mine/{provider.pk}/contact-change/"
    form = client.get(url)
    assert form.status_code == 200
    assert "old@echo.example.hk" in form.content.decode()
    data = {**details(provider, email="new@echo.example.hk"), "phone": "2123 4567"}
    response = client.post(url, data)
    assert response.status_code == 302
    change = ContactChangeRequest.objects.get()
    assert (change.email, change.requested_by, change.status) == ("new@echo.example.hk", owner, "pending")
    assert "within 5 working days" in client.get("/en/directory/mine/").content.decode()


def test_section_5_2_1_the_form_holds_the_present_details(provider, owner, client):
    provider.website = "https://echo.example.hk"
    provider.save()
    client.force_login(owner)
    page = client.get(f"/en/directory/mine/{provider.pk}/contact-change/").content.decode()
    assert 'name="email" value="old@echo.example.hk"' in page
    assert 'name="website" value="https://echo.example.hk"' in page
    assert 'name="contact_person" value="Chan Tai Man"' in page
    assert "The form holds the present details" in page
    assert 'id="pending-change"' not in page


def test_section_5_2_1_a_waiting_request_is_shown_at_once_and_no_form_is_offered(provider, owner, client):
    """Issue 10 §3: on opening the page (before filling anything in) the provider reads that a request is
    waiting, what it asks and when it was received; there is no form to fill in for nothing."""
    with time_machine.travel("2027-01-08 10:00 +0800", tick=False):
        services.contact_change_request(
            organisation=provider,
            user=owner,
            details=details(provider, email="new@echo.example.hk", phone="+85239998888"),
        )
    client.force_login(owner)
    url = f"/en/directory/mine/{provider.pk}/contact-change/"
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    waiting = page.split('id="pending-change"')[1].split("</section>")[0]
    assert "A request is already waiting for the Secretariat" in waiting
    assert "Received on 2027-01-08." in waiting
    rows = [" ".join(row.split()) for row in waiting.split("<tr>")[2:]]
    assert len(rows) == 2  # what it asks: the two details it changes, and nothing else
    assert "Phone" in rows[0] and "2123 4567" in rows[0] and "3999 8888" in rows[0]
    assert "Email" in rows[1] and "old@echo.example.hk" in rows[1] and "new@echo.example.hk" in rows[1]
    assert "<form" not in page.split("<main")[1].split("</main>")[0]
    assert "Send the request" not in page

    # A request sent anyway (a tab opened before) changes nothing and shows the same page.
    again = client.post(url, details(provider, email="third@echo.example.hk"))
    assert again.status_code == 200 and 'id="pending-change"' in again.content.decode()
    assert ContactChangeRequest.objects.get().email == "new@echo.example.hk"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hant", ["已有一項申請等候秘書處處理", "申請更改為", "n@e.hk"]),
        ("zh-hans", ["已有一项申请等候秘书处处理", "申请更改为", "n@e.hk"]),
    ],
)
def test_a_waiting_request_is_shown_in_chinese(provider, owner, client, language, words):
    services.contact_change_request(organisation=provider, user=owner, details=details(provider, email="n@e.hk"))
    client.force_login(owner)
    page = client.get(f"/{language}/directory/mine/{provider.pk}/contact-change/").content.decode()
    for text in words:
        assert text in page


def test_once_decided_the_form_is_offered_again(provider, owner, client):
    change = services.contact_change_request(
        organisation=provider, user=owner, details=details(provider, email="n@e.hk")
    )
    services.contact_change_reject(change=change, actor=staff_user(Role.PROGRAMME_MANAGEMENT_TEAM), note="No.")
    client.force_login(owner)
    page = client.get(f"/en/directory/mine/{provider.pk}/contact-change/").content.decode()
    assert 'id="pending-change"' not in page and "Send the request" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "7123 4567", "valid phone number"),
        ("email", "not-an-email", "valid email"),
        ("website", "not a url", "valid URL"),
    ],
)
def test_section_5_2_1_bad_details_are_refused_clearly_and_nothing_is_saved(
    provider, owner, client, field, value, message
):
    client.force_login(owner)
    response = client.post(f"/en/directory/mine/{provider.pk}/contact-change/", details(provider, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ContactChangeRequest.objects.exists()


def test_section_5_2_1_an_unchanged_request_is_refused(provider, owner, client):
    client.force_login(owner)
    response = client.post(f"/en/directory/mine/{provider.pk}/contact-change/", details(provider))
    assert "Nothing is changed" in response.content.decode()
    assert not ContactChangeRequest.objects.exists()


@pytest.mark.parametrize("lang, words", [("en", "Give a phone number or an email address"), ("zh-hant", "電話")])
def test_section_5_2_1_a_request_that_leaves_no_phone_and_no_email_is_refused(provider, owner, client, lang, words):
    """Found by the generated input of issue 11 §2: an empty form was taken for no form at all (shown again
    without a word), and, once read, asked to blank every detail. The directory must keep a way to reach the
    provider."""
    client.force_login(owner)
    for data in ({}, details(provider, phone="", email="", fax="")):
        response = client.post(f"/{lang}/directory/mine/{provider.pk}/contact-change/", data)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'class="error-summary"' in page and words in page
    assert not ContactChangeRequest.objects.exists()


def test_another_organisations_pages_answer_404_and_change_nothing(provider, client):
    stranger = UserFactory()
    OrganisationFactory(users=[stranger])
    client.force_login(stranger)
    registration = provider.registrations.get()
    assert client.get(f"/en/directory/mine/{provider.pk}/contact-change/").status_code == 404
    assert (
        client.post(f"/en/directory/mine/{provider.pk}/contact-change/", details(provider, email="x@y.hk")).status_code
        == 404
    )
    assert (
        client.post(
            f"/en/directory/mine/registrations/{registration.pk}/withdraw/", {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    assert not ContactChangeRequest.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "factory", "staff"])
def test_provider_pages_refuse_everyone_else(provider, client, who):
    registration = provider.registrations.get()
    if who == "factory":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    response = client.post(
        f"/en/directory/mine/registrations/{registration.pk}/withdraw/", {"reason": "x", "confirm": "on"}
    )
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_section_5_2_4_the_provider_withdraws_in_writing_in_the_portal(provider, owner, client):
    client.force_login(owner)
    registration = provider.registrations.get()
    url = f"/en/directory/mine/registrations/{registration.pk}/withdraw/"
    refused = client.post(url, {"reason": "Leaving"})  # the confirmation box not ticked
    assert refused.status_code == 200
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    assert client.post(url, {"reason": "Leaving the business", "confirm": "on"}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.WITHDRAWN
    assert registration.end_reason == "Leaving the business"
    assert client.get(provider.get_absolute_url()).status_code == 404
    # Withdrawing again: a clear message, nothing changes.
    again = client.post(url, {"reason": "again", "confirm": "on"})
    assert again.status_code == 200
    assert "not possible from this state" in again.content.decode()


def test_section_5_2_two_staff_saving_the_same_organisation_the_second_is_refused(provider):
    first = Organisation.objects.get(pk=provider.pk)
    second = Organisation.objects.get(pk=provider.pk)
    opened_on = first.version
    first.contact_person = "First Editor"
    services.organisation_update(organisation=first, actor=None, expected_version=opened_on, fields=None)
    second.contact_person = "Second Editor"
    with pytest.raises(services.StaleVersion, match="Someone else saved this organisation"):
        services.organisation_update(organisation=second, actor=None, expected_version=opened_on, fields=None)
    provider.refresh_from_db()
    assert provider.contact_person == "First Editor"
    assert provider.version == opened_on + 1


@pytest.mark.parametrize(
    "lang, words",
    [("zh-hant", "請輸入有效的電話號碼"), ("zh-hans", "请输入有效的电话号码"), ("en", "Enter a valid phone number")],
)
def test_a_wrong_phone_number_is_refused_in_the_pages_language(provider, owner, client, lang, words):
    """django-phonenumber-field has no Traditional Chinese of its own: the project's catalogue carries it."""
    client.force_login(owner)
    response = client.post(f"/{lang}/directory/mine/{provider.pk}/contact-change/", details(provider, phone="12"))
    assert words in response.content.decode()
    assert not ContactChangeRequest.objects.exists()
