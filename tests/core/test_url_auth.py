"""Deny by default: walk the whole URLconf; every URL not on the public list asks an anonymous visitor to
log in (docs/rules.md, “Roles and access”).

Adapted from cisagov/manage.get.gov's tests/test_url_auth.py. A new public URL must be added to PUBLIC
here on purpose — forgetting `@login_not_required` on a private view cannot slip through. A URL argument
the walk has no sample for stops the walk with the route's name: add the argument to ARGUMENTS on purpose,
rather than let a guessed value hit some other view (or none).
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

pytestmark = pytest.mark.django_db

# Names (namespace:name) of views anyone may open.
PUBLIC = {
    "home",
    "healthz",
    "favicon",
    # django-allauth's pages before and during log-in (issue 8 §1).
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_login_code",
    "mfa_authenticate",
    "admin:login",
    "directory:invitation_accept",  # the invitation's link: it asks to log in before accepting
    "directory:list",
    "directory:detail",
    "directory:export_csv",
    "directory:export_json",
    "directory:changes",
    "directory:changes_feed",
    "directory:figures",
    "directory:code_of_conduct",
}

# Public pages that are steps of logging in, or the back office's door to it: opened with no log-in under
# way they send the visitor to the log-in page (allauth's second-factor and code steps; admin:login).
LOG_IN_STEPS = {"mfa_authenticate", "account_confirm_login_code", "admin:login"}

# Private URLs that may answer an anonymous visitor with something other than a redirect to log in, and
# why. Empty today: every private view, the documents view included, asks a visitor to log in first (the
# documents view answers 404 only to a logged-in user who may not read the file — tests/core/test_documents.py).
ANONYMOUS_NOT_FOUND = {}  # name -> why a 404 is the right answer (for example: to hide that a thing exists)
ANONYMOUS_FORBIDDEN = {}  # name -> why a 403 is the right answer

# Every URL argument of the portal (and of the admin and auth views it includes), with a sample value. The
# admin's ids are malformed on purpose ("x"): tests/core/test_never_a_500.py walks these URLs as they are,
# then again with an id that exists.
ARGUMENTS = {
    "pk": "1",  # our views: an id (an int converter)
    "id": "1",  # the admin's user password page
    "object_id": "x",  # the admin's change, history, delete and action pages
    "content_type_id": "x",  # the admin's "view on site"
    "transition_name": "x",  # the registration admin's transition pages
    "app_label": "core",  # the admin's app index
    "url": "x",  # the admin's catch-all
    "uidb36": "1",  # allauth's password reset
    "key": "abc-123",  # allauth's password reset and email confirmation
    "token": "abc-123",  # an invitation's link
    "name": "x",  # /documents/<path:name>
    "reference": "APP-2026-00001",  # an Annex A application (applications/urls.py)
    "case_ref": "CASE-2026-00001",  # a complaint or substandard-service case (complaints.urls)
}
# Routes with unnamed groups, which the table above cannot name: the route's regex → its sample values.
POSITIONAL = {
    r"^([^/]+)/history/([^/]+)/$": ("x", "x"),  # django-simple-history: an object's id, a history row's id
}


class UnfilledArgument(LookupError):
    pass


def _fill_route(pattern, name):
    def sample(match):
        argument = match.group("argument")
        if argument not in ARGUMENTS:
            raise UnfilledArgument(f"route {str(pattern)!r} ({name}): no sample for <{argument}>; add it to ARGUMENTS")
        value = ARGUMENTS[argument]
        converter = pattern.converters[argument]
        assert re.fullmatch(converter.regex, value), f"route {str(pattern)!r}: {value!r} is not a <{argument}>"
        return value

    return re.sub(r"<(?:\w+:)?(?P<argument>\w+)>", sample, str(pattern))


def _fill_regex(pattern, name):
    regex = str(pattern)
    if regex in POSITIONAL:
        values = iter(POSITIONAL[regex])
        filled = re.sub(r"\((?!\?)[^)]*\)", lambda _m: next(values), regex)
    else:

        def sample(match):
            argument = match.group("argument")
            if argument not in ARGUMENTS:
                raise UnfilledArgument(f"regex {regex!r} ({name}): no sample for (?P<{argument}>); add it to ARGUMENTS")
            return ARGUMENTS[argument]

        filled = re.sub(r"\(\?P<(?P<argument>\w+)>[^)]*\)", sample, regex)
    if "(" in filled:
        raise UnfilledArgument(f"regex {regex!r} ({name}): a group the walk cannot fill; add it to POSITIONAL")
    filled = filled.removeprefix("^").removesuffix("$").replace("\\", "")
    assert pattern.regex.fullmatch(filled), f"{filled!r} does not match {regex!r}"
    return filled


def _fill(pattern, name=None):
    """A concrete path for one pattern: every argument from ARGUMENTS (or POSITIONAL), or UnfilledArgument."""
    if isinstance(pattern, RoutePattern):
        return _fill_route(pattern, name)
    if isinstance(pattern, RegexPattern):
        return _fill_regex(pattern, name)
    return str(pattern)  # the language prefix


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            nested = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + _fill(p.pattern, nested or None), nested)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}".strip(":") if p.name else None
            yield name, "/" + (prefix + _fill(p.pattern, name)).lstrip("/"), p


def walked():
    """(path, name, URLPattern) for every URL of the portal, each path once."""
    seen = {}
    for name, path, pattern in _walk(get_resolver().url_patterns):
        seen.setdefault(path, (name, pattern))
    return sorted((path, name, pattern) for path, (name, pattern) in seen.items())


WALKED = walked()
URLS = [(path, name) for path, name, _pattern in WALKED]  # also walked by tests/core/test_never_a_500.py


def test_the_walk_finds_the_portal():
    names = {name for _path, name in URLS}
    assert {"home", "account_login", "admin:index", "deadlines_overview", "document", "directory:mine"} <= names
    assert len(URLS) > 50


def test_every_walked_path_reaches_the_route_it_was_made_from():
    """A sample value that lands on another view (or none) would test the wrong thing."""
    wrong = []
    for path, name, pattern in WALKED:
        match = resolve(path)
        if match.func is not pattern.callback:
            wrong.append(f"{path} ({name}) reaches {match.view_name}")
    assert not wrong, "\n".join(wrong)


def test_an_argument_the_walk_does_not_know_stops_it_with_the_route():
    from django.urls import path

    unknown = path("things/<int:thing_id>/", lambda request, thing_id: None, name="thing")
    with pytest.raises(UnfilledArgument, match=r"things/<int:thing_id>/.*\(thing\).*<thing_id>"):
        list(_walk([unknown]))
    unnamed = URLPattern(RegexPattern(r"^things/(\d+)/$"), lambda request, n: None, name="thing")
    with pytest.raises(UnfilledArgument, match="POSITIONAL"):
        list(_walk([unnamed]))


@pytest.mark.parametrize(("path", "name"), [(p, n) for p, n in URLS if n not in PUBLIC])
def test_every_private_url_asks_an_anonymous_visitor_to_log_in(client, path, name):
    response = client.get(path)
    if name in ANONYMOUS_NOT_FOUND:
        assert response.status_code == 404, f"{path} ({name}) answered {response.status_code}"
        return
    if name in ANONYMOUS_FORBIDDEN:
        assert response.status_code == 403, f"{path} ({name}) answered {response.status_code}"
        return
    assert response.status_code == 302, f"{path} ({name}) answered {response.status_code}, not a redirect to log in"
    location = urlsplit(response["Location"])
    assert location.path in {reverse("account_login"), reverse("admin:login")}, (
        f"{path} ({name}) redirects to {location.path}"
    )
    assert parse_qs(location.query).get("next") == [path], f"{path} ({name}) loses the page to come back to"


@pytest.mark.parametrize(("path", "name"), [(p, n) for p, n in URLS if n in PUBLIC])
def test_public_urls_open_without_login(client, path, name):
    """§5.2.4: the directory stays open to the public, with the other public pages; no log-in asked."""
    response = client.get(path)
    assert response.status_code < 500
    if response.status_code == 302 and name not in LOG_IN_STEPS:
        assert "/login/" not in response["Location"], f"{path} ({name}) asks for a login"


def test_every_listed_name_is_in_the_urlconf():
    """A stale name on a list would hide nothing today and let a new view of that name through tomorrow."""
    names = {name for _path, name in URLS}
    listed = set(PUBLIC) | set(ANONYMOUS_NOT_FOUND) | set(ANONYMOUS_FORBIDDEN) | LOG_IN_STEPS
    assert listed <= names, f"listed but not in the URLconf: {sorted(listed - names)}"
    assert not (set(ANONYMOUS_NOT_FOUND) | set(ANONYMOUS_FORBIDDEN)) & PUBLIC
