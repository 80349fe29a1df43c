"""Multi-factor sign-in (issue 8 §1, OWASP ASVS L2): required for every member of staff and every PMC
member, optional for providers and factory users (cpp_registry/mfa.py, django-allauth's MFA).

The factories give staff and PMC members an authenticator app (tests/core/factories.py); these tests make
users without one (`totp=False`) to prove the rule, and log in through the real pages, password then code.
"""

import datetime as dt

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail

from cpp_registry.mfa import totp_code
from cpp_registry.roles import Role
from directory.models import Organisation

from .factories import PASSWORD, TOTP_SECRET, UserFactory, add_totp, staff_user

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 16, 10, 0, 0, tzinfo=dt.UTC)
ACTIVATE = "/en/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def frozen_clock():
    """TOTP codes change every 30 seconds: the clock stands still, so that a code read is a code valid."""
    with time_machine.travel(NOW, tick=False):
        yield


def log_in(client, email, password=PASSWORD):
    return client.post("/en/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR="10.0.0.1")


def give_code(client, code):
    return client.post("/en/accounts/2fa/authenticate/", {"code": code}, REMOTE_ADDR="10.0.0.1")


def reauthenticate(client, password=PASSWORD):
    """allauth asks for the password again before turning the second factor on or off."""
    response = client.post("/en/accounts/reauthenticate/", {"password": password}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302, response.content.decode()
    return response


def logged_in(client):
    return "_auth_user_id" in client.session


def provider_page():
    organisation = Organisation.objects.create(name_en="Echo Limited", br_number="12345678")
    return organisation, f"/en/directory/mine/{organisation.pk}/contact-change/"


# Without an authenticator app: sent to set one up.


@pytest.mark.parametrize(
    "path",
    [
        "/en/staff/deadlines/",  # a staff page of the portal
        "/en/committee/",  # the committee's
        "/en/admin/",  # the back office
        "/zh-hant/admin/core/closureday/",
        "/en/directory/mine/",  # a provider's page
        "/en/accounts/password/change/",  # the account's own pages, but for setting up the app
    ],
)
def test_staff_without_an_authenticator_app_is_sent_to_set_one_up(client, path):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk", totp=False))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE.replace("/en/", f"/{path.split('/')[1]}/"))


def test_a_provider_page_of_an_organisation_the_staff_member_acts_for_is_no_exception(client):
    user = staff_user(Role.PTST, email="ptst@example.hk", totp=False)
    organisation, path = provider_page()
    organisation.users.add(user)
    client.force_login(user)
    assert client.get(path)["Location"].startswith(ACTIVATE)


def test_a_pmc_member_without_an_authenticator_app_is_sent_to_set_one_up(client):
    member = staff_user(Role.PMC_MEMBER, email="member@example.hk", totp=False)
    assert not member.is_staff
    client.force_login(member)
    for path in ("/en/committee/", "/en/committee/my-votes/", "/en/directory/mine/"):
        assert client.get(path)["Location"].startswith(ACTIVATE), path


def test_a_superuser_without_an_authenticator_app_is_sent_to_set_one_up(client):
    client.force_login(UserFactory(email="root@example.hk", is_staff=True, is_superuser=True, totp=False))
    assert client.get("/en/admin/")["Location"].startswith(ACTIVATE)


def test_with_an_authenticator_app_the_same_pages_open(client):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    for path in ("/en/staff/deadlines/", "/en/committee/", "/en/admin/"):
        assert client.get(path).status_code == 200, path


def test_the_set_up_pages_log_out_and_public_pages_stay_open(client):
    """Public pages show a logged-in person nothing more than anybody; the log-out and the set-up are open."""
    client.force_login(staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk", totp=False))
    for path in ("/en/", "/en/directory/", "/en/accounts/2fa/"):
        assert client.get(path).status_code == 200, path
    assert client.post("/en/accounts/logout/").status_code == 302
    assert not logged_in(client)


def test_a_provider_or_factory_user_without_an_authenticator_app_is_not_sent_anywhere(client):
    user = UserFactory(email="owner@example.hk")
    organisation, path = provider_page()
    organisation.users.add(user)
    client.force_login(user)
    assert not Authenticator.objects.filter(user=user).exists()
    for each in (path, "/en/directory/mine/", "/en/accounts/2fa/"):
        assert client.get(each).status_code == 200, each


def test_setting_up_the_app_after_log_in_lets_the_staff_member_in(client):
    user = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk", totp=False)
    assert log_in(client, "pmt@example.hk")["Location"] == "/en/admin/"  # where staff land (cpp_registry.accounts)
    assert client.get("/en/admin/")["Location"].startswith(ACTIVATE)
    assert client.get(ACTIVATE)["Location"].startswith("/en/accounts/reauthenticate/")  # allauth: password again
    reauthenticate(client)
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()
    wrong = client.post(ACTIVATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and 'href="#id_code"' in wrong.content.decode()
    assert client.get("/en/admin/").status_code == 302
    done = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert done.status_code == 302 and done["Location"] == "/en/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/en/admin/").status_code == 200
    # The recovery codes are shown once set up.
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES))
    assert codes.get_unused_codes()[0] in client.get("/en/accounts/2fa/recovery-codes/").content.decode()


def test_staff_cannot_turn_the_app_off(client):
    user = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")
    log_in(client, "pmt@example.hk")
    give_code(client, totp_code(TOTP_SECRET))
    assert logged_in(client)
    reauthenticate(client)
    response = client.post("/en/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "cannot be turned off" in response.content.decode()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# Logging in with an authenticator app.


@pytest.mark.parametrize(
    ("role", "email", "page"),
    [
        (Role.PROGRAMME_MANAGEMENT_TEAM, "pmt@example.hk", "/en/admin/"),
        (Role.PMC_MEMBER, "pmc@example.hk", "/en/committee/"),
    ],
)
def test_the_password_alone_is_not_enough_the_code_lets_in(client, role, email, page):
    staff_user(role, email=email)
    response = log_in(client, email)
    assert response.status_code == 302 and response["Location"] == "/en/accounts/2fa/authenticate/"
    assert not logged_in(client)
    assert client.get(page).status_code == 302  # still asked to log in
    assert "_auth_user_id" not in client.session

    wrong = give_code(client, "000000" if totp_code(TOTP_SECRET) != "000000" else "111111")
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert not logged_in(client)

    right = give_code(client, totp_code(TOTP_SECRET))
    assert right.status_code == 302 and right["Location"] == page  # where they land (cpp_registry.accounts)
    assert logged_in(client)
    assert client.get(page).status_code == 200


def test_a_code_is_good_once(client):
    staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")
    code = totp_code(TOTP_SECRET)
    log_in(client, "pmt@example.hk")
    give_code(client, code)
    assert logged_in(client)
    client.post("/en/accounts/logout/")
    log_in(client, "pmt@example.hk")
    assert give_code(client, code).status_code == 200  # the same code again, within its 30 seconds
    assert not logged_in(client)


def test_a_recovery_code_logs_in_once(client):
    user = staff_user(Role.PTST, email="ptst@example.hk")
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES))
    code = codes.get_unused_codes()[0]
    log_in(client, "ptst@example.hk")
    assert give_code(client, code)["Location"] == "/en/admin/"
    assert logged_in(client)
    client.post("/en/accounts/logout/")
    log_in(client, "ptst@example.hk")
    assert give_code(client, code).status_code == 200
    assert not logged_in(client)
    assert code not in RecoveryCodes(Authenticator.objects.get(pk=codes.instance.pk)).get_unused_codes()


def test_the_back_office_log_in_asks_for_the_code_too(client):
    staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")
    response = client.get("/en/admin/", follow=True)
    assert response.request["PATH_INFO"] == "/en/accounts/login/"
    response = client.post(
        "/en/accounts/login/?next=/en/admin/", {"login": "pmt@example.hk", "password": PASSWORD, "next": "/en/admin/"}
    )
    assert response["Location"] == "/en/accounts/2fa/authenticate/"
    assert give_code(client, totp_code(TOTP_SECRET))["Location"] == "/en/admin/"
    assert client.get("/en/admin/").status_code == 200


def test_a_provider_may_turn_two_factor_sign_in_on_and_is_then_asked_for_the_code(client):
    user = UserFactory(email="owner@example.hk")
    add_totp(user)
    assert log_in(client, "owner@example.hk")["Location"] == "/en/accounts/2fa/authenticate/"
    assert give_code(client, totp_code(TOTP_SECRET))["Location"] == "/en/"
    # …and may turn it off again (staff may not).
    reauthenticate(client)
    response = client.post("/en/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert mail.outbox[-1].to == ["owner@example.hk"]  # allauth tells the owner


def test_the_account_page_says_whether_two_factor_sign_in_is_needed(client):
    client.force_login(staff_user(Role.PMC_MEMBER, email="pmc@example.hk"))
    html = client.get("/en/accounts/2fa/").content.decode()
    assert "Your account needs it" in html and "Turn two-factor sign-in off" not in html
    client.force_login(UserFactory(email="owner@example.hk"))
    html = client.get("/en/accounts/2fa/").content.decode()
    assert "Optional for your account" in html and "Set up an authenticator app" in html
