"""Accounts in the real Chromium (issue 8 §1): a new applicant signs up, follows the link of the email
(read from the outbox: the live server runs in the test's process) and logs in; staff log in with the code
of their authenticator app, and one without an app sets it up before anything else."""

import re

import pytest
from django.core import mail

from cpp_registry.mfa import totp_code
from cpp_registry.roles import Role
from tests.browser.conftest import current_code, log_in
from tests.core.factories import PASSWORD, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Another-long-passw0rd"


def test_a_new_applicant_signs_up_confirms_the_address_and_logs_in(page, live_server):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto("/zh-hant/")
    page.locator("header").get_by_role("link", name="建立帳戶").click()
    page.wait_for_url("**/zh-hant/accounts/signup/")
    page.fill("#id_email", "new.applicant@example.hk")
    page.fill("#id_full_name", "陳小明")
    page.select_option("#id_language", "zh-hant")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.get_by_role("button", name="建立帳戶").click()
    page.wait_for_url("**/zh-hant/accounts/confirm-email/")
    assert page.get_by_role("heading", level=1).inner_text() == "請查看電郵"

    [message] = mail.outbox
    assert message.to == ["new.applicant@example.hk"]
    link = re.search(r"https?://\S+/zh-hant/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "確認電郵地址"
    page.get_by_role("button", name="確認").click()
    page.wait_for_url("**/zh-hant/accounts/login/")

    page.fill("#id_login", "new.applicant@example.hk")
    page.fill("#id_password", NEW_PASSWORD)
    page.locator("main").get_by_role("button", name="登入").click()
    page.wait_for_url("**/zh-hant/")
    assert page.locator("header").get_by_text("new.applicant@example.hk").is_visible()
    assert problems == []


def test_staff_log_in_with_the_code_of_their_authenticator_app(page, live_server):
    staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")
    page.goto("/en/admin/")
    page.wait_for_url("**/en/accounts/login/?next=*")
    page.fill("#id_login", "pmt@example.hk")
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/en/accounts/2fa/authenticate/")
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor sign-in"

    page.fill("#id_code", "000000" if current_code("pmt@example.hk") != "000000" else "111111")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.locator("#error-summary").wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"

    page.fill("#id_code", current_code("pmt@example.hk"))
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/en/admin/")
    assert page.locator("#site-name").is_visible()


def test_staff_without_an_app_set_one_up_before_anything_else(page, live_server):
    staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk", totp=False)
    log_in(page, "director@example.hk", PASSWORD)
    page.goto("/en/staff/deadlines/")
    # Sent to set up the app; allauth asks for the password once more before a second factor changes.
    page.wait_for_url("**/en/accounts/reauthenticate/?next=*")
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/en/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", totp_code(secret))
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    page.wait_for_url("**/en/accounts/2fa/recovery-codes/")
    assert len(page.locator("#recovery_codes").input_value().split()) == 10
    page.goto("/en/staff/deadlines/")
    assert page.url.endswith("/en/staff/deadlines/")
