"""Issue 10 §3: after logging in each person lands where their work is — staff on the back office, PMC
members on the open motions, a provider's user on its organisation, a factory's user on its cases, an
applicant on their applications, anyone else on the home page — and is told who they are logged in as;
a `next` given to the log-in page wins (cpp_registry/accounts.py)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages

from cpp_registry.mfa import totp_code
from cpp_registry.roles import Role
from directory.models import Factory
from tests.applications.factories import complete_application
from tests.directory.factories import OrganisationFactory, RegistrationFactory

from .factories import PASSWORD, TOTP_SECRET, UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    """TOTP codes change every 30 seconds: the clock stands still, so that a code read is a code valid."""
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def log_in(client, email, *, lang="en", next_page=None):
    """Log in through allauth's pages — password, then the code for those with an authenticator app — and
    return the last response: the redirect to where the person lands."""
    data = {"login": email, "password": PASSWORD}
    path = f"/{lang}/accounts/login/"
    if next_page:
        data["next"] = next_page
        path += f"?next={next_page}"
    response = client.post(path, data, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302, response.content.decode()[:2000]
    if response["Location"].endswith("/accounts/2fa/authenticate/"):
        response = client.post(response["Location"], {"code": totp_code(TOTP_SECRET)}, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 302
    assert "_auth_user_id" in client.session
    return response


def provider_user(email="owner@provider.example.hk"):
    user = UserFactory(email=email)
    RegistrationFactory(organisation=OrganisationFactory(users=[user]))
    return user


def factory_user(email="factory@example.hk"):
    user = UserFactory(email=email)
    Factory.objects.create(name_en="Bright Textiles", name_zh="明亮紡織廠").users.add(user)
    return user


def applicant(email="applicant@example.hk"):
    user = UserFactory(email=email)
    complete_application(user=user)  # a draft, with the organisation it creates (not on the register)
    return user


ROLES = {
    "staff": (lambda: staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"), "/{lang}/admin/"),
    "Programme Director": (lambda: staff_user(Role.PROGRAMME_DIRECTOR, email="pd@example.hk"), "/{lang}/admin/"),
    "PMC member": (lambda: staff_user(Role.PMC_MEMBER, email="pmc@example.hk"), "/{lang}/committee/"),
    "provider's user": (provider_user, "/{lang}/directory/mine/"),
    "factory's user": (factory_user, "/{lang}/complaints/"),
    "applicant": (applicant, "/{lang}/applications/"),
    "anyone else": (lambda: UserFactory(email="someone@example.hk"), "/{lang}/"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_each_person_lands_where_their_work_is(client, role, lang):
    make, landing = ROLES[role]
    user = make()
    response = log_in(client, user.email, lang=lang)
    assert response["Location"] == landing.format(lang=lang)
    assert client.get(response["Location"]).status_code == 200


def test_a_user_of_both_a_provider_and_a_factory_lands_on_the_organisation(client):
    user = provider_user()
    Factory.objects.create(name_en="Bright Textiles").users.add(user)
    assert log_in(client, user.email)["Location"] == "/en/directory/mine/"


def test_a_user_of_an_organisation_not_on_the_register_yet_lands_on_the_applications(client):
    """An applicant's organisation is made by the application: it is not a provider until registered."""
    user = applicant()
    assert user.organisations.exists()
    assert log_in(client, user.email)["Location"] == "/en/applications/"


def test_a_colleague_of_an_applicant_sees_the_organisations_applications(client):
    colleague = UserFactory(email="colleague@example.hk")
    organisation = complete_application(user=applicant()).organisation
    organisation.users.add(colleague)
    assert log_in(client, colleague.email)["Location"] == "/en/applications/"


@pytest.mark.parametrize("role", ["staff", "PMC member", "provider's user", "factory's user", "anyone else"])
def test_a_next_page_wins(client, role):
    user = ROLES[role][0]()
    assert log_in(client, user.email, next_page="/en/directory/")["Location"] == "/en/directory/"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "You are logged in as {email}."),
        ("zh-hant", "你現正以 {email} 登入。"),
        ("zh-hans", "你现正以 {email} 登录。"),
    ],
)
def test_the_person_is_told_who_they_are_logged_in_as(client, lang, words):
    user = provider_user()
    response = log_in(client, user.email, lang=lang)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [words.format(email=user.email)]


def test_the_message_shows_on_the_page_landed_on(client):
    user = factory_user()
    response = client.get(log_in(client, user.email)["Location"])
    assert "You are logged in as factory@example.hk." in response.content.decode()


def test_the_headers_log_in_link_keeps_the_page_but_not_the_home_page(client):
    """From the home page, the account pages or a page not found the log-in carries no `next`, so that the
    person lands where their work is; from any other page, back to it."""
    for path in ("/en/", "/en/accounts/signup/", "/en/accounts/password/reset/", "/en/no-such-page/"):
        assert (
            '<a class="btn btn-sm btn-outline-light" href="/en/accounts/login/">' in client.get(path).content.decode()
        )
    directory = client.get("/en/directory/?q=green").content.decode()
    assert 'href="/en/accounts/login/?next=/en/directory/%3Fq%3Dgreen"' in directory
