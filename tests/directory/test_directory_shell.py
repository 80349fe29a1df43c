"""The directory's page around its results, rendered once per language and search form and kept, for visitors
not logged in (directory/shell.py, issue 11 §4): the page served from it is the page rendered whole, byte for
byte, but for what must differ on each request — the CSP nonce — and what each request fills in: the query
string of the language links, the page the "Log in" link comes back to, the moment the register is read."""

import datetime
import re
from urllib.parse import quote

import pytest

from directory import services, shell
from directory.models import Category
from tests.core.factories import UserFactory
from tests.directory.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
HONG_KONG = datetime.timezone(datetime.timedelta(hours=8))

URLS = [
    "/en/directory/",
    "/en/directory/?q=green&district=kwun_tong&sort=category&page=2",
    '/zh-hans/directory/?q=%E7%8E%AF%E4%BF%9D&x=%3Cjunk%3E&y="a"%26b',
    "/zh-hant/directory/?category=9&state=nonsense",  # bad filters: the form's errors are part of the shell
    "/en/directory/?q=" + quote("<script>\"&'") + "&page=999",
]


@pytest.fixture(autouse=True)
def _register():
    for i in range(25):
        organisation = OrganisationFactory(name_en=f"Green Tech {i:02d} Limited", name_zh=f"綠色科技{i:02d}有限公司")
        services.registration_grant(organisation=organisation, category=Category.CONSULTANCY)


def nonces(response):
    html = response.content.decode()
    header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    return header, set(re.findall(r'nonce="([^"]+)"', html))


def without_nonce(response):
    return re.sub(r'nonce="[^"]+"', 'nonce=""', response.content.decode())


@pytest.mark.parametrize("url", URLS)
def test_the_kept_page_is_the_page_rendered_whole(client, monkeypatch, time_machine, url):
    time_machine.move_to(datetime.datetime(2026, 11, 27, 16, 5, tzinfo=HONG_KONG), tick=False)
    first, again = client.get(url), client.get(url)  # the shell rendered, then the shell kept
    assert len(shell._shells) == 1
    monkeypatch.setattr(shell, "applies", lambda request: False)
    whole = client.get(url)
    assert first.status_code == again.status_code == whole.status_code == 200
    assert without_nonce(first) == without_nonce(again) == without_nonce(whole)
    assert "\x00" not in first.content.decode()
    assert "2026-11-27 16:05" in first.content.decode()  # "Register as at …" in the page's language


def test_each_request_has_its_own_nonce_in_the_header_and_the_scripts(client):
    first, again = client.get("/en/directory/"), client.get("/en/directory/")
    (header_1, in_page_1), (header_2, in_page_2) = nonces(first), nonces(again)
    assert in_page_1 == {header_1} and in_page_2 == {header_2}
    assert header_1 != header_2


def test_junk_parameters_share_one_shell_and_the_links_keep_each_requests_query(client):
    a = client.get("/en/directory/?q=green&x=1").content.decode()
    b = client.get("/en/directory/?q=green&y=%3Cb%3E").content.decode()
    assert len(shell._shells) == 1
    assert 'href="/zh-hant/directory/?q=green&amp;x=1"' in a
    assert 'href="/zh-hant/directory/?q=green&amp;y=%3Cb%3E"' in b
    assert "?next=" + quote("/en/directory/?q=green&y=%3Cb%3E", safe="/") in b
    client.get("/en/directory/?q=blue")
    assert len(shell._shells) == 2


def test_the_moment_the_register_is_read_is_each_requests(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=HONG_KONG), tick=False)
    assert "Register as at 2026-11-27 09:00" in client.get("/en/directory/").content.decode()
    time_machine.move_to(datetime.datetime(2026, 11, 27, 9, 42, tzinfo=HONG_KONG), tick=False)
    assert "Register as at 2026-11-27 09:42" in client.get("/en/directory/").content.decode()


def test_a_logged_in_visitor_gets_their_own_page_not_the_kept_one(client):
    client.get("/en/directory/")  # an anonymous visitor's shell is kept
    user = UserFactory(email="someone@example.hk")
    client.force_login(user)
    html = client.get("/en/directory/").content.decode()
    assert "someone@example.hk" in html and "Log out" in html
    assert ">Log in<" not in html


def test_a_message_waiting_is_shown_once(client):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest, HttpResponse

    client.get("/en/directory/")  # the shell is kept
    request, response = HttpRequest(), HttpResponse()
    storage = CookieStorage(request)
    storage.add(constants.INFO, "You have signed out.")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    assert "You have signed out." in client.get("/en/directory/").content.decode()
    assert "You have signed out." not in client.get("/en/directory/").content.decode()
