"""Deny by default: walk the whole URLconf; every URL not on the public list refuses an anonymous visitor.

Adapted from cisagov/manage.get.gov's tests/test_url_auth.py. A new public URL must be added to PUBLIC
here on purpose — forgetting `@login_not_required` on a private view cannot slip through.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Names (namespace:name) of views anyone may open.
PUBLIC = {
    "home",
    "healthz",
    "favicon",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:login",
    "admin:password_reset",
    "admin:password_reset_done",
    "admin:password_reset_confirm",
    "admin:password_reset_complete",
    "directory:list",
    "directory:detail",
    "directory:export_csv",
    "directory:export_json",
    "directory:code_of_conduct",
}

ARG_VALUES = {"uidb64": "MQ", "token": "abc-123", "app_label": "core", "model_name": "notice", "url": "x"}


def _fill(route):
    """A concrete path for a route: <int:pk> → 1, <slug:x> → x, regex groups → a matching sample."""

    def sub_converter(match):
        converter, name = match.group(1), match.group(2)
        if name in ARG_VALUES:
            return ARG_VALUES[name]
        return "1" if converter in (None, "int") else "x"

    route = re.sub(r"<(?:(\w+):)?(\w+)>", sub_converter, route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: ARG_VALUES.get(m.group(1), "1"), route)
    return route.replace("^", "").replace("$", "").replace("\\", "")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            nested = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + _fill(str(p.pattern)), nested)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}".strip(":") if p.name else None
            yield name, "/" + (prefix + _fill(str(p.pattern))).lstrip("/")


def all_urls():
    seen = {}
    for name, path in _walk(get_resolver().url_patterns):
        seen.setdefault(path, name)
    return sorted(seen.items())


URLS = all_urls()


def test_the_walk_finds_the_portal():
    names = {name for _path, name in URLS}
    assert {"home", "login", "admin:index", "deadlines_overview"} <= names
    assert len(URLS) > 50


@pytest.mark.parametrize(("path", "name"), [u for u in URLS if u[1] not in PUBLIC])
def test_every_private_url_refuses_an_anonymous_visitor(client, path, name):
    response = client.get(path)
    if response.status_code == 302:
        assert "login" in response["Location"], f"{path} ({name}) redirects elsewhere: {response['Location']}"
    else:
        assert response.status_code in (401, 403, 404, 405), f"{path} ({name}) answered {response.status_code}"


@pytest.mark.parametrize(("path", "name"), [u for u in URLS if u[1] in PUBLIC])
def test_public_urls_open_without_login(client, path, name):
    response = client.get(path)
    assert response.status_code < 500
    if response.status_code == 302:
        assert "/login/" not in response["Location"], f"{path} ({name}) asks for a login"
