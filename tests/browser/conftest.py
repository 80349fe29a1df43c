"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here (no internet): the browser is Debian's /usr/bin/chromium.
Sync Playwright runs an event loop, so Django's async-safety check is relaxed for these tests only.
"""

import os
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


def log_in(page, email, password, *, language="en"):
    """Log in through allauth's page; for somebody with an authenticator app (staff, PMC members), give the
    code it would show now, computed from their secret (tests/core/factories.py, the demo's)."""
    page.goto(f"/{language}/accounts/login/")
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
