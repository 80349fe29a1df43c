"""Three languages as URL prefixes; the right <html lang>; a switcher that stays on the same page."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("prefix", "html_lang", "expected"),
    [
        ("en", 'lang="en"', "Register of Environmental Technology Service Providers"),
        ("zh-hant", 'lang="zh-Hant-HK"', "環境技術服務供應商登記冊"),
        ("zh-hans", 'lang="zh-Hans-CN"', "环境技术服务供应商登记册"),
    ],
)
def test_home_page_in_each_language(client, prefix, html_lang, expected):
    response = client.get(f"/{prefix}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html_lang in html
    assert expected in html


def test_the_switcher_links_to_the_same_page_in_each_language(client):
    html = client.get("/zh-hant/accounts/login/?next=/zh-hant/").content.decode()
    assert 'href="/en/accounts/login/?next=/zh-hant/"' in html
    assert 'href="/zh-hans/accounts/login/?next=/zh-hant/"' in html
    assert 'aria-current="true">繁體中文<' in html


def test_the_switcher_keeps_the_pages_arguments_and_query(client):
    from tests.directory.factories import OrganisationFactory

    organisation = OrganisationFactory()
    html = client.get(f"/en/directory/{organisation.pk}/?x=%E7%92%B0&y=a+b").content.decode()  # 404: not listed
    assert f'href="/zh-hant/directory/{organisation.pk}/?x=%E7%92%B0&amp;y=a+b"' in html
    html = client.get("/zh-hans/directory/?q=%E7%8E%AF%E4%BF%9D&sort=category").content.decode()
    assert 'href="/en/directory/?q=%E7%8E%AF%E4%BF%9D&amp;sort=category" lang="en"' in html
    assert 'href="/zh-hant/directory/?q=%E7%8E%AF%E4%BF%9D&amp;sort=category" lang="zh-hant"' in html


def test_root_redirects_to_a_language(client):
    response = client.get("/", headers={"accept-language": "zh-CN"})
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/"


def test_every_page_carries_the_disclaimer_and_the_secretariats_contact(client):
    """§3.4.1 disclaimer and §8.1 contact in the footer, in the page's language."""
    en = client.get("/en/").content.decode()
    assert "no contractual, agency or similar relationship" in en
    assert "enquiry@cleanerproduction.hk" in en
    zh = client.get("/zh-hant/").content.decode()
    assert "沒有任何合同或中介或類似的關係" in zh


def test_skip_link_and_landmarks(client):
    html = client.get("/en/").content.decode()
    assert 'href="#main"' in html and 'id="main"' in html
    assert 'role="banner"' in html and 'role="contentinfo"' in html


def test_content_security_policy_has_a_nonce_and_no_cdn(client):
    response = client.get("/en/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "default-src 'self'" in csp
    html = response.content.decode()
    assert "cdn" not in html.lower()
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in html
