"""The public directory in the real Chromium: a Guangdong factory types Simplified Chinese and finds a
provider whose name the register holds in Traditional Chinese (issue 3 §6; docs/rules.md, languages), and
reads it in Simplified characters (issue 10 §1.6)."""

import pytest

from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_simplified_chinese_search_finds_a_traditional_chinese_name(page):
    provider = OrganisationFactory(name_en="Green Tech Engineering Limited", name_zh="香港環保科技有限公司")
    RegistrationFactory(organisation=provider)
    RegistrationFactory(organisation=OrganisationFactory(name_en="Other Limited", name_zh="其他有限公司"))

    page.goto("/zh-hans/directory/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans-CN"
    assert page.get_by_role("heading", level=1).inner_text() == "环境技术服务供应商名录"
    page.get_by_label("按名称搜索").fill("环保科技")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**/zh-hans/directory/?q=*")

    rows = page.locator("table.directory-table tbody tr")
    assert rows.count() == 1
    # Issue 10 §1.6: on a Simplified page the name held in Traditional characters reads in Simplified.
    assert "香港环保科技有限公司" in rows.first.inner_text()
    assert "Green Tech Engineering Limited" in rows.first.inner_text()
    assert "P" in rows.first.locator(".p-marker").inner_text()
    assert "暂准登记，有效至 2028-03-14" in rows.first.inner_text()
    assert "§3.4.1" in page.locator("main").inner_text()

    rows.first.get_by_role("link", name="香港环保科技有限公司").click()
    assert page.get_by_role("heading", level=1).inner_text() == "香港环保科技有限公司"
    # The registered name, as held, in its own script.
    assert page.locator(".registered-name").inner_text() == "登记名称：香港環保科技有限公司"
