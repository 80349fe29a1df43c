"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here (no internet): the browser is Debian's /usr/bin/chromium.
Sync Playwright runs an event loop, so Django's async-safety check is relaxed for these tests only.
"""

import os
import re
import time

import pytest

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads of this test in its own folder: the same names from an earlier run are not renamed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def watch_for_errors(page):
    """The page's script errors and console errors (CSP violations, failed scripts) as they happen; the
    browser's own favicon probe is not ours."""
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )
    return problems


def log_in(page, email, password, *, language="en"):
    """Log in through allauth's page; for somebody with an authenticator app (staff, PMC members), give the
    code it would show now, computed from their secret (tests/core/factories.py, the demo's)."""
    page.goto(f"/{language}/accounts/login/")
    log_in_here(page, email, password)


def open_as(page, address, email, password):
    """Open a page that needs a log-in — from a bookmark, or an emailed link —, log in when sent to (with the
    authenticator app's code if asked), and be back on that page, whatever page the portal would land on."""
    page.goto(address)
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    log_in_here(page, email, password)
    assert page.url.endswith(address), page.url


def log_in_here(page, email, password):
    """Fill in the log-in page the browser shows (sent there by a page that needs a log-in), and the code of
    the authenticator app if asked; the browser then goes on where it was going."""
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if "/accounts/2fa/authenticate/" in page.url:
        page.fill("#id_code", current_code(email))
        with page.expect_navigation():
            page.click("main button[type=submit]")


def current_code(email):
    """The TOTP code of the user's authenticator app, valid for a few seconds more at least."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt
    from django.core.cache import cache

    from cpp_registry.mfa import totp_code

    authenticator = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
    # allauth refuses a code used in the last 30 seconds (a replay); a test may log the same person in twice.
    cache.clear()
    if time.time() % 30 > 27:  # about to change: wait for the next one rather than race it
        time.sleep(30 - time.time() % 30)
    return totp_code(decrypt(authenticator.data["secret"]))


@pytest.fixture
def notices_link_here(settings, live_server):
    """Written notices carry links to this live server (PORTAL_BASE_URL), so that a test can follow them."""
    settings.PORTAL_BASE_URL = live_server.url
    return live_server.url


def emailed_link(to, containing):
    """The portal's link in the newest email sent to `to` whose subject contains `containing` (the live server
    runs in the test's process: its mail is in this outbox)."""
    from django.conf import settings
    from django.core import mail

    [message] = [m for m in mail.outbox if m.to == [to] and containing in m.subject][-1:]
    return re.search(re.escape(settings.PORTAL_BASE_URL) + r"/\S+", message.body).group(0)


def log_out(page):
    """The header's "Log out" button: the portal's, or the back office's (a POST form in every language)."""
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button[type=submit]").click()


def pdf(directory, name):
    """A small document the portal accepts (its first bytes are a PDF's), for `page.set_input_files`."""
    path = directory / name
    path.write_bytes(b"%PDF-1.4\n% " + name.encode() + b"\n%%EOF\n")
    return path


def admin_step(page, label):
    """Click a step of the back office's change page: a link among the object tools, above the record."""
    with page.expect_navigation():
        page.locator(".object-tools").get_by_role("link", name=label).click()


def admin_step_at(page, path_end):
    """The same, the step found by where it leads (its words depend on the language)."""
    with page.expect_navigation():
        page.locator(f".object-tools a[href$='{path_end}']").click()


def admin_submit(page):
    """Send a step's form in the back office (its only submit button, whatever its words)."""
    with page.expect_navigation():
        page.locator("#content form input[type=submit]").click()
