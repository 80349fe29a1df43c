"""Issue 8 §1: a provider's user invites a colleague by email from "my organisation"; the colleague accepts
after logging in (or signing up) with that address and then acts for the organisation. An invitation works
once, for 14 days, only a user of the organisation can send or withdraw it, and every refusal says why."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from cpp_registry.models import Notice
from directory import services
from directory.models import Invitation
from tests.core.factories import PASSWORD, UserFactory
from tests.directory.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
SENT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """An hour after the invitations are sent, unless a test travels further."""
    with time_machine.travel(SENT + dt.timedelta(hours=1), tick=False):
        yield


@pytest.fixture
def owner():
    return UserFactory(email="owner@echo.example.hk", full_name="Chan Tai Man")


@pytest.fixture
def organisation(owner):
    return OrganisationFactory(name_en="Echo Limited", name_zh="回聲有限公司", users=[owner])


def invite(organisation, owner, email="colleague@echo.example.hk", language="en", now=SENT):
    return services.invitation_create(organisation=organisation, inviter=owner, email=email, language=language, now=now)


def accept_path(invitation):
    return f"/en/directory/invitations/{invitation.token}/"


def log_in(client, email):
    return client.post("/en/accounts/login/", {"login": email, "password": PASSWORD})


# Sending.


def test_a_user_invites_a_colleague_from_my_organisation(
    client, owner, organisation, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    mine = client.get("/en/directory/mine/").content.decode()
    assert f'href="/en/directory/mine/{organisation.pk}/invitations/"' in mine
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/en/directory/mine/{organisation.pk}/invitations/",
            {"email": " Colleague@Echo.Example.HK ", "language": "zh-hant"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.language, invitation.invited_by) == (
        "colleague@echo.example.hk",
        "zh-hant",
        owner,
    )
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    # The written notice, in the language chosen first and then English, with the link.
    notice = Notice.objects.get(template_key="invitation")
    assert notice.recipient_email == "colleague@echo.example.hk"
    assert notice.body_text.index("回聲有限公司") < notice.body_text.index("Echo Limited")
    assert f"/zh-hant/directory/invitations/{invitation.token}/" in notice.body_text
    assert f"/en/directory/invitations/{invitation.token}/" in notice.body_text
    assert [m.to for m in mail.outbox] == [["colleague@echo.example.hk"]]
    # The page lists it, with a way to withdraw it.
    page = client.get(f"/en/directory/mine/{organisation.pk}/invitations/").content.decode()
    assert "colleague@echo.example.hk" in page and f"/en/directory/mine/invitations/{invitation.pk}/withdraw/" in page


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_the_invitation_page_in_each_language(client, owner, organisation, lang):
    client.force_login(owner)
    html = client.get(f"/{lang}/directory/mine/{organisation.pk}/invitations/").content.decode()
    heading = {"en": "Invite a colleague", "zh-hant": "邀請同事", "zh-hans": "邀请同事"}[lang]
    assert f"<h1>{heading}</h1>" in html


def test_another_organisations_user_cannot_invite(client, organisation):
    stranger = UserFactory(email="someone@other.example.hk")
    OrganisationFactory(name_en="Other Limited", users=[stranger])
    with pytest.raises(services.RegisterError, match="Only a user of this organisation can invite"):
        invite(organisation, stranger)
    client.force_login(stranger)
    response = client.post(
        f"/en/directory/mine/{organisation.pk}/invitations/", {"email": "x@example.hk", "language": "en"}
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists() and not Notice.objects.exists()


def test_an_address_already_acting_or_already_invited_is_refused_on_the_form(client, owner, organisation):
    client.force_login(owner)
    url = f"/en/directory/mine/{organisation.pk}/invitations/"
    response = client.post(url, {"email": "owner@echo.example.hk", "language": "en"})
    assert "already acts for this organisation" in response.content.decode()
    assert response.content.decode().count('id="error-summary"') == 1
    invite(organisation, owner)
    response = client.post(url, {"email": "colleague@echo.example.hk", "language": "en"})
    assert "still open. Withdraw it first" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_a_bad_address_is_listed_in_the_error_summary(client, owner, organisation):
    client.force_login(owner)
    response = client.post(f"/en/directory/mine/{organisation.pk}/invitations/", {"email": "nobody", "language": "en"})
    html = response.content.decode()
    assert 'href="#id_email"' in html and 'aria-invalid="true"' in html
    assert not Invitation.objects.exists()


# Accepting.


def test_the_colleague_signs_up_then_accepts(client, owner, organisation):
    invitation = invite(organisation, owner)
    page = client.get(accept_path(invitation))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Echo Limited" in html and "/en/accounts/signup/?next=" in html
    # Not logged in: accepting asks to log in first, coming back here.
    response = client.post(accept_path(invitation))
    assert response["Location"] == f"/en/accounts/login/?next={accept_path(invitation).replace('/', '%2F')}"

    colleague = UserFactory(email="colleague@echo.example.hk")  # signed up and confirmed the address
    log_in(client, "colleague@echo.example.hk")
    response = client.post(accept_path(invitation))
    assert response.status_code == 302 and response["Location"] == "/en/directory/mine/"
    assert list(organisation.users.order_by("email")) == [colleague, owner]
    invitation.refresh_from_db()
    assert invitation.accepted_by == colleague and invitation.accepted_at is not None
    assert "Echo Limited" in client.get("/en/directory/mine/").content.decode()


def test_accepting_with_another_address_is_refused(client, owner, organisation):
    invitation = invite(organisation, owner)
    other = UserFactory(email="someone.else@echo.example.hk")
    client.force_login(other)
    page = client.get(accept_path(invitation)).content.decode()
    assert "not with the address invited" in page
    response = client.post(accept_path(invitation))
    assert response.status_code == 200
    assert "sent to another email address" in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()
    assert not organisation.users.filter(pk=other.pk).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_invitation_works_once(client, owner, organisation):
    invitation = invite(organisation, owner)
    colleague = UserFactory(email="colleague@echo.example.hk")
    services.invitation_accept(token=invitation.token, user=colleague)
    with pytest.raises(services.RegisterError, match="already been used"):
        services.invitation_accept(token=invitation.token, user=colleague)
    client.force_login(colleague)
    response = client.get(accept_path(invitation))
    assert response.status_code == 410 and "already been used" in response.content.decode()


def test_an_invitation_expires_after_14_days(client, owner, organisation):
    invitation = invite(organisation, owner)
    colleague = UserFactory(email="colleague@echo.example.hk")
    with time_machine.travel(SENT + dt.timedelta(days=14, seconds=-1), tick=False):
        assert services.invitation_refusal(invitation=invitation) is None
    with time_machine.travel(SENT + dt.timedelta(days=14), tick=False):
        with pytest.raises(services.RegisterError, match="expired"):
            services.invitation_accept(token=invitation.token, user=colleague)
        client.force_login(colleague)
        response = client.get(accept_path(invitation))
        assert response.status_code == 410 and "has expired" in response.content.decode()
        assert 'type="submit"' not in response.content.decode().split("<main")[1]
    assert not organisation.users.filter(pk=colleague.pk).exists()


@pytest.mark.parametrize("token", ["not-a-token", "x" * 80])
def test_a_wrong_link_is_refused_clearly(client, token):
    response = client.get(f"/en/directory/invitations/{token}/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    with pytest.raises(services.RegisterError, match="not valid"):
        services.invitation_accept(token=token, user=UserFactory())


# Withdrawing.


def test_a_user_of_the_organisation_withdraws_an_invitation_and_its_link_stops(client, owner, organisation):
    invitation = invite(organisation, owner)
    partner = UserFactory(email="partner@echo.example.hk")
    organisation.users.add(partner)
    client.force_login(partner)
    assert client.get(f"/en/directory/mine/invitations/{invitation.pk}/withdraw/").status_code == 200
    response = client.post(f"/en/directory/mine/invitations/{invitation.pk}/withdraw/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.withdrawn_by == partner
    colleague = UserFactory(email="colleague@echo.example.hk")
    with pytest.raises(services.RegisterError, match="withdrawn"):
        services.invitation_accept(token=invitation.token, user=colleague)
    # Withdrawn twice: refused on the form.
    response = client.post(f"/en/directory/mine/invitations/{invitation.pk}/withdraw/")
    assert "can no longer be withdrawn" in response.content.decode()
    # The address can be invited again.
    assert invite(organisation, owner).pk != invitation.pk


def test_another_organisations_user_cannot_withdraw(client, owner, organisation):
    invitation = invite(organisation, owner)
    stranger = UserFactory(email="someone@other.example.hk")
    client.force_login(stranger)
    assert client.post(f"/en/directory/mine/invitations/{invitation.pk}/withdraw/").status_code == 404
    with pytest.raises(services.RegisterError, match="Only a user of this organisation"):
        services.invitation_withdraw(invitation=invitation, actor=stranger)
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None


def test_the_link_in_the_notice_opens_the_invitation(client, owner, organisation):
    invitation = invite(organisation, owner, language="zh-hans")
    notice = Notice.objects.get(template_key="invitation")
    path = re.search(r"https?://[^/\s]+(/zh-hans/directory/invitations/\S+/)", notice.body_text).group(1)
    assert path == f"/zh-hans/directory/invitations/{invitation.token}/"
    assert "邀请" in client.get(path).content.decode()
