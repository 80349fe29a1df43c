"""Public log-in with an email address; django-axes locks account + address after 5 failures."""

import pytest
from django.core import mail

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, email, password, ip="10.0.0.1"):
    return client.post("/en/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_with_email_in_any_case(client):
    UserFactory(email="applicant@example.hk")
    response = login(client, " Applicant@Example.HK", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert client.get("/en/").context["user"].email == "applicant@example.hk"


def test_wrong_password_shows_a_translated_error_and_logs_nobody_in(client):
    UserFactory(email="applicant@example.hk")
    response = client.post(
        "/zh-hant/accounts/login/", {"username": "applicant@example.hk", "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 200
    assert "請輸入正確的電郵地址及密碼" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_from_that_address(client):
    UserFactory(email="applicant@example.hk")
    for _ in range(5):
        login(client, "applicant@example.hk", "wrong")
    locked = login(client, "applicant@example.hk", PASSWORD)
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of the same account.
    assert login(client, "applicant@example.hk", PASSWORD, ip="10.0.0.2").status_code == 302


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("en", "Reset your password"), ("zh-hant", "重設密碼"), ("zh-hans", "重设密码")],
)
def test_password_reset_page_in_each_language(client, prefix, expected):
    response = client.get(f"/{prefix}/accounts/password-reset/")
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_password_reset_sends_a_link(client):
    UserFactory(email="applicant@example.hk")
    response = client.post("/en/accounts/password-reset/", {"email": "applicant@example.hk"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/en/accounts/reset/" in mail.outbox[0].body
