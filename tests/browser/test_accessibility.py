"""WCAG 2.1 AA, checked by axe-core in the real Chromium on the pages a provider, a factory, a PMC
member or a member of the public sees — the log-in, sign-up and second-factor pages included — in the three
languages. Serious and critical findings fail."""

from pathlib import Path

import pytest
from django.core.management import call_command

from directory.models import Organisation
from tests.browser.conftest import current_code, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "demo-pass-2026"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

PUBLIC = [
    "/{lang}/",
    "/{lang}/directory/",
    "/{lang}/directory/?q=green",
    "/{lang}/accounts/login/",
    "/{lang}/accounts/signup/",
    "/{lang}/accounts/password/reset/",
]
AS_USER = {
    "applicant@demo.etsp.hk": ["/{lang}/directory/mine/", "/{lang}/accounts/2fa/"],
    "pmc@demo.etsp.hk": ["/{lang}/committee/", "/{lang}/committee/my-votes/", "/{lang}/accounts/2fa/"],
}


def violations(browser, live_server, path, login=None, then=None):
    """axe's serious and critical findings on the page at `path` (after `then(page)`, if given)."""
    # The portal's CSP forbids inline scripts; the test context bypasses it to inject axe.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    try:
        if login:
            log_in(page, login, PASSWORD)
            page.wait_for_load_state()
        page.goto(path)
        if then:
            then(page)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    finally:
        context.close()
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_public_pages_pass_axe(browser, live_server, demo, lang):
    found = {path: violations(browser, live_server, path.format(lang=lang)) for path in PUBLIC}
    assert found == {path: [] for path in PUBLIC}


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_signed_in_pages_pass_axe(browser, live_server, demo, lang):
    found = {}
    for email, paths in AS_USER.items():
        for path in paths:
            found[email, path] = violations(browser, live_server, path.format(lang=lang), login=email)
    assert found == {(email, path): [] for email, paths in AS_USER.items() for path in paths}


def submit_with_errors(**fields):
    """Fill the fields (CSS selector: value), send the form, and wait for the error summary."""

    def then(page):
        for selector, value in fields.items():
            page.fill(selector, value)
        page.click("main form button[type=submit]")
        page.wait_for_selector("#error-summary")

    return then


def wrong_code(email):
    """Log in with the password, then give a wrong code at the second step: its error summary."""

    def then(page):
        page.fill("#id_login", email)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.fill("#id_code", "000000" if current_code(email) != "000000" else "111111")
        page.click("main form button[type=submit]")
        page.wait_for_selector("#error-summary")

    return then


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_error_pages_and_forms_with_errors_pass_axe(browser, live_server, demo, lang):
    """Issue 7 §7: the 404 page, and the log-in and contact-change forms showing the error summary; issue 10
    §3: the contact-change page of an organisation whose request is waiting (the demo has one), which shows
    the request instead of the form."""
    mine = Organisation.objects.filter(users__email="applicant@demo.etsp.hk")
    organisation = mine.exclude(contact_changes__status="pending").first()
    waiting = mine.filter(contact_changes__status="pending").first()
    found = {
        "404": violations(browser, live_server, f"/{lang}/no-such-page/"),
        "log-in": violations(browser, live_server, f"/{lang}/accounts/login/", then=submit_with_errors()),
        "sign-up": violations(
            browser, live_server, f"/{lang}/accounts/signup/", then=submit_with_errors(**{"#id_email": "nobody"})
        ),
        "log-in code": violations(
            browser, live_server, f"/{lang}/accounts/login/", then=wrong_code("pmc@demo.etsp.hk")
        ),
        "contact change": violations(
            browser,
            live_server,
            f"/{lang}/directory/mine/{organisation.pk}/contact-change/",
            login="applicant@demo.etsp.hk",
            then=submit_with_errors(**{"#id_email": "not-an-email"}),
        ),
        "contact change waiting": violations(
            browser, live_server, f"/{lang}/directory/mine/{waiting.pk}/contact-change/", login="applicant@demo.etsp.hk"
        ),
    }
    pages = ["404", "log-in", "sign-up", "log-in code", "contact change", "contact change waiting"]
    assert found == {name: [] for name in pages}
