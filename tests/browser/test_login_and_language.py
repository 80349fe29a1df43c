"""A person logs in and switches language, in the real Chromium."""

import pytest

from tests.browser.conftest import log_in
from tests.core.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_and_switch_language(page):
    UserFactory(email="applicant@example.hk")
    log_in(page, "applicant@example.hk", PASSWORD)
    page.wait_for_url("**/en/")
    assert page.locator("header").get_by_text("applicant@example.hk").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("link", name="繁體中文").click()
    page.wait_for_url("**/zh-hant/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"
    assert page.get_by_role("heading", level=1).inner_text() == "環境技術服務供應商登記冊"
    # Still logged in, on the same page in the other language.
    assert page.locator("header").get_by_text("applicant@example.hk").is_visible()

    page.get_by_role("link", name="简体中文").click()
    page.wait_for_url("**/zh-hans/")
    assert page.get_by_role("heading", level=1).inner_text() == "环境技术服务供应商登记册"


def test_the_back_office_runs_under_the_content_security_policy(page):
    """Django's admin, with its scripts, loads with no CSP violation in the browser console."""
    from cpp_registry.roles import Role
    from tests.core.factories import staff_user

    staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    log_in(page, "pmt@example.hk", PASSWORD, language="zh-hant")
    page.wait_for_url("**/zh-hant/admin/")  # staff land on the back office
    page.goto("/zh-hant/admin/core/closureday/add/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("新增")
    page.goto("/zh-hant/admin/core/deadline/")
    assert page.locator("#changelist-filter").is_visible()
    assert problems == []


@pytest.mark.parametrize(
    ("lang", "heading", "title"),
    [("en", "There is a problem", "Error: "), ("zh-hant", "出現問題", "錯誤："), ("zh-hans", "出现问题", "错误：")],
)
def test_a_log_in_with_nothing_entered_shows_the_error_summary_focused(page, lang, heading, title):
    """Issue 7 §7: the summary takes the focus on load (static/js/forms.js, under the CSP), and its link
    takes the focus to the field."""
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(f"/{lang}/accounts/login/")
    page.click("main button[type=submit]")
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.title().startswith(title)
    assert summary.get_by_role("heading").inner_text() == heading
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary.locator("a[href='#id_password']").click()
    assert page.evaluate("document.activeElement.id") == "id_password"
    assert page.locator("#id_password").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_password_error").is_visible()
    assert problems == []
