"""Accounts through django-allauth (issue 8 §1): sign-up with a verified email address in three languages,
log-in by email address in any case, log-out, password reset; django-axes locks an (account, address) pair
after 5 failures; the back office's log-in is the portal's."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from cpp_registry.roles import Role

from .factories import PASSWORD, UserFactory, staff_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Another-long-passw0rd"


def login(client, email, password, ip="10.0.0.1", lang="en"):
    return client.post(f"/{lang}/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


def link_in(message, path):
    """The first link of an email whose path starts with `path`."""
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", message.body)
    assert found, f"no link to {path} in:\n{message.body}"
    return found.group(1)


# Log-in and log-out.


def test_login_with_email_in_any_case(client):
    UserFactory(email="applicant@example.hk")
    response = login(client, " Applicant@Example.HK", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert client.get("/en/").context["user"].email == "applicant@example.hk"


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Please enter a correct email address and password."),
        ("zh-hant", "請輸入正確的電郵地址及密碼"),
        ("zh-hans", "请输入正确的电子邮箱地址及密码"),
    ],
)
def test_wrong_password_shows_a_translated_error_and_logs_nobody_in(client, lang, message):
    UserFactory(email="applicant@example.hk")
    response = login(client, "applicant@example.hk", "wrong", lang=lang)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not logged_in(client)


def test_log_in_comes_back_to_the_page_asked_for(client):
    UserFactory(email="applicant@example.hk")
    response = client.get("/en/directory/mine/")
    assert response.status_code == 302 and response["Location"] == "/en/accounts/login/?next=/en/directory/mine/"
    response = client.post(
        "/en/accounts/login/?next=/en/directory/mine/",
        {"login": "applicant@example.hk", "password": PASSWORD, "next": "/en/directory/mine/"},
    )
    assert response["Location"] == "/en/directory/mine/"


def test_log_out_by_the_header_button(client):
    client.force_login(UserFactory(email="applicant@example.hk"))
    html = client.get("/en/").content.decode()
    assert 'action="/en/accounts/logout/"' in html
    response = client.post("/en/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert not logged_in(client)


# django-axes through allauth's log-in.


def test_five_failures_lock_the_account_from_that_address(client):
    UserFactory(email="applicant@example.hk")
    for _ in range(4):
        assert login(client, "applicant@example.hk", "wrong").status_code == 200
    # The fifth failure, typed in another case, counts against the same account.
    assert login(client, "APPLICANT@example.hk", "wrong").status_code == 429
    locked = login(client, "applicant@example.hk", PASSWORD)
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert not logged_in(client)
    # Another address is not locked out of the same account, nor this address out of another account.
    UserFactory(email="colleague@example.hk")
    assert login(client, "colleague@example.hk", PASSWORD).status_code == 302
    client.logout()
    assert login(client, "applicant@example.hk", PASSWORD, ip="10.0.0.2").status_code == 302


def test_four_failures_then_the_right_password_logs_in_and_resets_the_count(client):
    UserFactory(email="applicant@example.hk")
    for _ in range(4):
        login(client, "applicant@example.hk", "wrong")
    assert login(client, "applicant@example.hk", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "applicant@example.hk", "wrong")
    assert login(client, "applicant@example.hk", PASSWORD).status_code == 302


# Sign-up with email verification, in each language.

SIGN_UP = [
    # language, the sign-up page's heading, the page after it, the confirmation page, the log-in page
    ("en", "Create an account", "Check your email", "Confirm your email address", "Log in"),
    ("zh-hant", "建立帳戶", "請查看電郵", "確認電郵地址", "登入"),
    ("zh-hans", "创建账户", "请查看电子邮件", "确认电子邮箱地址", "登录"),
]


@pytest.mark.parametrize(("lang", "heading", "sent", "confirm", "log_in"), SIGN_UP)
def test_sign_up_confirm_the_address_and_log_in(client, lang, heading, sent, confirm, log_in):
    page = client.get(f"/{lang}/accounts/signup/")
    assert f"<h1>{heading}</h1>" in page.content.decode()

    response = client.post(
        f"/{lang}/accounts/signup/",
        {
            "email": "New.Applicant@Example.HK",
            "full_name": "Chan Siu Ming",
            "language": lang,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert f"<h1>{sent}</h1>" in response.content.decode()
    user = get_user_model().objects.get(email="new.applicant@example.hk")
    assert (user.full_name, user.language) == ("Chan Siu Ming", lang)
    assert not logged_in(client)

    # Not before the address is confirmed: a log-in is sent to "check your email" (the link goes again
    # once allauth's 3-minute cooldown has passed).
    refused = login(client, "new.applicant@example.hk", NEW_PASSWORD, lang=lang)
    assert refused.status_code == 302 and "/accounts/confirm-email/" in refused["Location"]
    assert not logged_in(client)
    assert [m.to for m in mail.outbox] == [["new.applicant@example.hk"]]

    link = link_in(mail.outbox[0], f"/{lang}/accounts/confirm-email/")
    page = client.get(link)
    assert f"<h1>{confirm}</h1>" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    page = client.get(response["Location"])
    assert f"<h1>{log_in}</h1>" in page.content.decode()
    assert login(client, "new.applicant@example.hk", NEW_PASSWORD, lang=lang)["Location"] == f"/{lang}/"
    assert logged_in(client)


def test_sign_up_asks_a_name_and_a_language_and_lists_what_is_missing(client):
    response = client.post("/en/accounts/signup/", {"email": "x@example.hk", "password1": "", "password2": ""})
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("id_full_name", "id_password1"):
        assert f'href="#{field}"' in html
    assert not get_user_model().objects.filter(email="x@example.hk").exists()


def test_sign_up_with_an_address_in_use_creates_nothing_and_tells_the_owner(client):
    UserFactory(email="applicant@example.hk")
    client.post(
        "/en/accounts/signup/",
        {
            "email": "applicant@example.hk",
            "full_name": "Someone Else",
            "language": "en",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert get_user_model().objects.filter(email="applicant@example.hk").count() == 1
    assert not logged_in(client)
    # The page does not say whether the address has an account; the owner is told by email.
    assert [m.to for m in mail.outbox] == [["applicant@example.hk"]]


# Password reset.


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("en", "Reset your password"), ("zh-hant", "重設密碼"), ("zh-hans", "重设密码")],
)
def test_password_reset_page_in_each_language(client, prefix, expected):
    response = client.get(f"/{prefix}/accounts/password/reset/")
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="applicant@example.hk")
    response = client.post("/en/accounts/password/reset/", {"email": "Applicant@example.hk"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0], "/en/accounts/password/reset/key/")
    form = client.get(link, follow=True)
    assert form.status_code == 200
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    assert "expired or was already used" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post("/en/accounts/password/reset/", {"email": "nobody@example.hk"}, follow=True)
    assert "If an account uses that address" in response.content.decode()
    assert mail.outbox == []


# The back office's log-in is the portal's.


def test_the_back_office_sends_to_the_portals_log_in_and_back(client):
    response = client.get("/en/admin/", follow=True)
    assert [url for url, _status in response.redirect_chain] == [
        "/en/admin/login/?next=/en/admin/",
        "/en/accounts/login/?next=%2Fen%2Fadmin%2F",
    ]
    assert response.context["form"].__class__.__name__ == "LoginForm"


def test_the_back_office_log_in_page_refuses_somebody_without_staff_rights(client):
    client.force_login(UserFactory(email="applicant@example.hk"))
    assert client.get("/en/admin/login/?next=/en/admin/").status_code == 403
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    response = client.get("/en/admin/login/?next=//evil.example/")
    assert response.status_code == 302 and response["Location"] == "/en/admin/"
