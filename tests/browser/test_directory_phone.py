"""Issue 10 §1.7: the directory's own pages — the list, a provider's page, the register's changes and its
figures — on a phone, on a wide screen and on paper, in the real Chromium, in English, 繁體中文 and 简体中文.

At 390 × 844 CSS pixels nothing scrolls sideways (`document.documentElement.scrollWidth <=
window.innerWidth`), the table becomes stacked rows and the filters fold away behind "Filters" (a
`<details>`: no script); axe-core finds no serious or critical issue on the new pages; printed, the list
shows the table whole, without the navigation or the filters.
"""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from cpp_registry.roles import Role
from directory import services
from tests.core.factories import staff_user
from tests.directory.factories import FundedProjectFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
LANGUAGES = ["en", "zh-hant", "zh-hans"]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LONG_NAME = "Harbour Green Environmental Engineering and Energy Management Consultants Limited"


@pytest.fixture
def register():
    """Providers with long names, addresses and contacts, in both categories and both states, and a history
    of changes: grants, a confirmation, a withdrawal and a removal — made through the services."""
    today = timezone.localdate()
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    long = OrganisationFactory(
        name_en=LONG_NAME,
        name_zh="海港綠色環境工程及能源管理顧問有限公司",
        email="environmental.engineering.enquiries@harbourgreen-consultants.example.hk",
        website="https://www.harbourgreen-environmental-engineering-consultants.example.hk/services/energy-audits",
        address_en="Unit 1203, 12/F, Millennium City 5, 418 Kwun Tong Road, Kwun Tong, Kowloon, Hong Kong",
        address_zh="香港九龍觀塘觀塘道418號創紀之城五期12樓1203室",
        contact_person="陳大文",
        contact_title="高級環境工程顧問",
        fax="+85223456789",
        areas="abcde",
    )
    first = services.registration_grant(
        organisation=long, category="1", granted_on=today - datetime.timedelta(days=60), imported=True
    )
    services.registration_grant(organisation=long, category="2", granted_on=today - datetime.timedelta(days=30))
    services.registration_confirm(registration=first, actor=pmt)
    for i in range(25):
        organisation = OrganisationFactory(name_en=f"Green Tech {i:02d} Engineering Limited", areas="ac")
        registration = services.registration_grant(organisation=organisation, category="12"[i % 2], notify=False)
        if i == 3:
            services.registration_withdraw(registration=registration, actor=pmt, reason="Closing down")
        if i == 4:
            services.registration_remove(registration=registration, actor=pmt, reason="The PMC decided")
    FundedProjectFactory(provider=long, areas="d", report_status="approved")
    return long


def pages(lang, provider):
    return [
        f"/{lang}/directory/",
        f"/{lang}/directory/?q=green&category=1&district=kwun_tong&sort=valid_until",
        f"/{lang}/directory/?q=nothing+like+it",
        f"/{lang}/directory/{provider.pk}/",
        f"/{lang}/directory/changes/",
        f"/{lang}/directory/figures/",
    ]


def widths(browser, live_server, paths):
    """(scrollWidth, innerWidth) of each page at 390 × 844, the ones that scroll sideways only.

    A plain 390-pixel viewport, not Chromium's mobile emulation: emulating a phone, Chromium zooms out to
    fit a page wider than the screen and `window.innerWidth` grows with it, so that the check could not fail."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    found = {}
    try:
        for path in paths:
            page.goto(path)
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert inner == PHONE["width"]
            if scroll > inner:
                found[path] = (scroll, inner)
    finally:
        context.close()
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_directory_page_scrolls_sideways_on_a_phone(browser, live_server, register, lang):
    assert widths(browser, live_server, pages(lang, register)) == {}


def test_on_a_phone_the_table_is_stacked_rows_and_the_filters_fold_behind_a_toggle(browser, live_server, register):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto("/en/directory/")
        # Stacked rows: each row a block, each cell labelled by its column's heading.
        assert page.locator("table.directory-table tbody tr").first.evaluate("e => getComputedStyle(e).display") == (
            "block"
        )
        areas = page.locator("table.directory-table tbody tr").first.locator("td").nth(1)
        assert areas.evaluate("e => getComputedStyle(e, '::before').content") == '"Areas of work"'
        # The filters are folded away; "Filters" opens them, without any script of ours.
        district = page.get_by_label("District")
        assert not district.is_visible()
        page.get_by_text("Filters", exact=True).click()
        assert district.is_visible()
        district.select_option("kwun_tong")
        page.get_by_label("Sort by").select_option("valid_until")
        with page.expect_navigation():
            page.get_by_role("button", name="Search").click()
        assert "district=kwun_tong" in page.url and "sort=valid_until" in page.url
        assert page.locator("#result-count").inner_text().endswith("in Kwun Tong")
        # Filters in use: the toggle comes back open, and a link clears them all.
        assert page.get_by_label("District").is_visible()
        with page.expect_navigation():
            page.get_by_role("link", name="Clear the search and all the filters").click()
        assert page.url.endswith("/en/directory/")
    finally:
        context.close()


def test_on_a_wide_screen_the_filters_are_simply_shown_and_the_table_is_a_table(browser, live_server, register):
    context = browser.new_context(base_url=live_server.url, viewport=WIDE)
    page = context.new_page()
    try:
        page.goto("/zh-hant/directory/")
        assert page.get_by_label("地區").is_visible()
        assert page.locator("table.directory-table tbody tr").first.evaluate("e => getComputedStyle(e).display") == (
            "table-row"
        )
        legend = page.locator(".directory-legend")
        assert legend.is_visible() and "暫准登記（§3.3.1）" in legend.inner_text()
    finally:
        context.close()


def test_printed_the_list_is_the_whole_table_without_navigation_or_filters(browser, live_server, register):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto("/en/directory/?q=green")
        page.emulate_media(media="print")
        for hidden in (".portal-header", "form.directory-search", ".directory-downloads", ".directory-pages"):
            assert not page.locator(hidden).first.is_visible(), hidden
        table = page.locator("table.directory-table")
        assert table.evaluate("e => getComputedStyle(e).display") == "table"
        assert table.locator("thead").evaluate("e => getComputedStyle(e).display") == "table-header-group"
        assert page.locator("#register-as-at").is_visible() and page.locator("#result-count").is_visible()
    finally:
        context.close()


def violations(browser, live_server, path):
    """axe's serious and critical findings on the page at `path`, at phone width."""
    # The portal's CSP forbids inline scripts; the test context bypasses it to inject axe.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    finally:
        context.close()
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_new_pages_pass_axe(browser, live_server, register, lang):
    found = {path: violations(browser, live_server, path) for path in pages(lang, register)}
    assert found == {path: [] for path in pages(lang, register)}
