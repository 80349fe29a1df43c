"""Issue 7 §7: the portal's own 400, 403, 404, 500 and CSRF-failure pages — in the base layout and the
page's language, saying what happened in plain words, with a way back, and never Django's debug text.

This module is also the URLconf of the tests marked `urls(__name__)`: the portal's URLs plus three views
that fail on purpose, with the portal's handlers."""

import re

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path
from django.utils.functional import SimpleLazyObject

from cpp_registry import urls as portal_urls
from cpp_registry.views import server_error
from tests.core.factories import PASSWORD, UserFactory


@login_not_required
def _fails(request):
    raise RuntimeError("a bug, on purpose")


@login_not_required
def _forbidden(request):
    raise PermissionDenied


@login_not_required
def _unreadable(request):
    raise SuspiciousOperation("a mangled request, on purpose")


urlpatterns = [
    *portal_urls.urlpatterns,
    *i18n_patterns(
        path("test-errors/500/", _fails),
        path("test-errors/403/", _forbidden),
        path("test-errors/400/", _unreadable),
        prefix_default_language=True,
    ),
]
handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500

own_urls = pytest.mark.urls(__name__)

LANGS = ["en", "zh-hant", "zh-hans"]
HTML_LANG = {"en": "en", "zh-hant": "zh-Hant-HK", "zh-hans": "zh-Hans-CN"}
HEADINGS = {
    400: {
        "en": "Sorry, the request could not be read",
        "zh-hant": "抱歉，無法處理此要求",
        "zh-hans": "抱歉，无法处理此要求",
    },
    403: {"en": "You cannot open this page", "zh-hant": "你無權查看此頁面", "zh-hans": "你无权查看此页面"},
    404: {"en": "Page not found", "zh-hant": "找不到頁面", "zh-hans": "找不到页面"},
    500: {
        "en": "Sorry, there is a problem with the portal",
        "zh-hant": "抱歉，本網站出現問題",
        "zh-hans": "抱歉，本网站出现问题",
    },
    "csrf": {"en": "The page had expired", "zh-hant": "頁面已過期", "zh-hans": "页面已过期"},
}
HOME = {"en": "Go to the home page", "zh-hant": "前往主頁", "zh-hans": "前往首页"}
LOG_IN = {"en": "Log in to open this page", "zh-hant": "登入後查看此頁面", "zh-hans": "登录后查看此页面"}
TRY_AGAIN = {
    "en": "Go back, reload the page and try again.",
    "zh-hant": "請返回上一頁，重新載入頁面後再試一次。",
    "zh-hans": "请返回上一页，重新载入页面后再试一次。",
}
DEBUG_TEXT = ["Traceback", "URLconf", "Request Method", "DEBUG", "Django", "Not Found", "CSRF verification failed"]


def assert_error_page(response, status, kind, lang):
    """The status; the heading as <h1> and in the <title>, in the page's language; the way home; the
    base layout (its language, the Secretariat's contact); and nothing of Django's debug pages."""
    html = response.content.decode()
    assert response.status_code == status
    heading = HEADINGS[kind][lang]
    assert f"<h1>{heading}</h1>" in html
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).startswith(heading)
    assert f'<html lang="{HTML_LANG[lang]}">' in html
    assert f'<a href="/{lang}/">{HOME[lang]}</a>' in html
    assert "enquiry@cleanerproduction.hk" in html  # the footer of the base layout
    assert [text for text in DEBUG_TEXT if text in html] == []
    return html


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_404_in_the_language_of_the_address(client, lang):
    html = assert_error_page(client.get(f"/{lang}/no-such-page/"), 404, 404, lang)
    assert f'href="/{lang}/directory/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_404_raised_by_a_view_is_ours_too(client, lang):
    assert_error_page(client.get(f"/{lang}/directory/999999/"), 404, 404, lang)


@pytest.mark.django_db
def test_404_without_a_language_prefix_is_in_english(client):
    assert_error_page(client.get("/no-such-page/"), 404, 404, "en")


@pytest.mark.django_db
@own_urls
@pytest.mark.parametrize("lang", LANGS)
def test_403_to_somebody_not_logged_in_offers_to_log_in(client, lang):
    html = assert_error_page(client.get(f"/{lang}/test-errors/403/?x=1"), 403, 403, lang)
    assert f'<a href="/{lang}/accounts/login/?next=/{lang}/test-errors/403/%3Fx%3D1">{LOG_IN[lang]}</a>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_403_to_a_logged_in_person_names_the_account_and_offers_no_log_in(client, lang):
    """A provider's user is not a member of the committee (a real page that refuses)."""
    client.force_login(UserFactory(email="provider@example.hk"))
    html = assert_error_page(client.get(f"/{lang}/committee/"), 403, 403, lang)
    assert "provider@example.hk" in html
    assert LOG_IN[lang] not in html


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_csrf_failure_says_the_page_had_expired(lang):
    UserFactory(email="applicant@example.hk")
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/{lang}/accounts/login/", {"username": "applicant@example.hk", "password": PASSWORD})
    html = assert_error_page(response, 403, "csrf", lang)
    assert TRY_AGAIN[lang] in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@own_urls
@pytest.mark.parametrize("lang", LANGS)
def test_400_for_a_request_the_portal_cannot_read(client, lang):
    assert_error_page(client.get(f"/{lang}/test-errors/400/"), 400, 400, lang)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_400_for_a_host_the_portal_does_not_serve(client, lang):
    assert_error_page(client.get(f"/{lang}/", headers={"host": "evil.example"}), 400, 400, lang)


@pytest.mark.django_db
@own_urls
@pytest.mark.parametrize("lang", LANGS)
def test_500_in_the_base_layout_without_a_single_query(client, lang, django_assert_num_queries):
    """Even for a logged-in person the page reads neither the session nor the user: it names nobody."""
    client.force_login(UserFactory(email="applicant@example.hk"))
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = client.get(f"/{lang}/test-errors/500/")
    html = assert_error_page(response, 500, 500, lang)
    assert "applicant@example.hk" not in html
    assert "a bug, on purpose" not in html
    assert "'nonce-" in response["Content-Security-Policy"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_500_handler_never_touches_the_database(lang):
    """No database access is allowed in this test (no django_db mark): touching the user would fail it."""
    request = RequestFactory().get(f"/{lang}/directory/")
    request.user = SimpleLazyObject(lambda: get_user_model().objects.get(pk=1))
    html = server_error(request).content.decode()
    assert f"<h1>{HEADINGS[500][lang]}</h1>" in html
    assert f'<html lang="{HTML_LANG[lang]}">' in html


def test_the_500_handler_still_answers_when_the_layout_itself_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the layout is broken")

    monkeypatch.setattr("cpp_registry.views.loader.render_to_string", broken)
    response = server_error(RequestFactory().get("/zh-hant/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the portal" in html and "抱歉，本網站出現問題" in html
