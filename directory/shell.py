"""The directory's page around its results, rendered once per process for each language and search form,
for visitors who are not logged in (issue 11 §4).

What surrounds the results — the layout, the header and footer, the search form with what was asked, the
downloads — depends on no record of the register: only on the language, the six fields of the search form
and, for a visitor who is not logged in, nothing else but five values of the request, left as holes and
filled on every request:

- the results (directory/cache.py caches them per register version);
- the moment the register is read ("Register as at …");
- the page's Content-Security-Policy nonce, in its <script> tags;
- the query string the language links carry, and the page the "Log in" link comes back to.

Rendering it was half the time of a directory page, cached results or not. It is kept in this process
(never in the shared cache: another release of the portal may render it otherwise), at most `SHELLS` of
them, the least recently used dropped first; the key holds the form's fields only, never the raw query
string, so that junk parameters make no entry of their own. A logged-in visitor's page, or one with a
message to show, is rendered whole, as any other page.
"""

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from threading import Lock
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils.encoding import iri_to_uri
from django.utils.html import escape
from django.utils.safestring import mark_safe

SHELLS = 512
# The holes: a NUL byte never reaches a page otherwise (cpp_registry.middleware refuses it in any input).
RESULTS, AS_AT, NONCE, QUERY, NEXT = (f"\x00{name}\x00" for name in ("results", "as_at", "nonce", "query", "next"))
# As the holes come out of the template: NEXT through `urlencode`, the others as they are.
NEXT_RENDERED = quote(NEXT, safe="/")

_shells: OrderedDict[str, str] = OrderedDict()
_lock = Lock()


def clear(**_signal_kwargs: object) -> None:
    """Forget every shell (a setting changed: tests' override_settings; tests/conftest.py between tests)."""
    with _lock:
        _shells.clear()


setting_changed.connect(clear, dispatch_uid="directory_shell_clear")


def applies(request: HttpRequest) -> bool:
    """Only for a visitor who is not logged in and has no message waiting (messages are shown once)."""
    return not request.user.is_authenticated and not len(messages.get_messages(request))


def page(
    request: HttpRequest,
    *,
    template: str,
    key: tuple[Any, ...],
    context: Callable[[], Mapping[str, Any]],
    results: str,
    as_at: str,
) -> str:
    """The page: its shell for `key` (rendered with `context()` the first time), the holes filled."""
    digest = hashlib.sha256(repr((template, key)).encode()).hexdigest()
    with _lock:
        shell = _shells.get(digest)
        if shell is not None:
            _shells.move_to_end(digest)
    if shell is None:
        holes = {"results": mark_safe(RESULTS), "as_at_text": AS_AT, "shell_nonce": NONCE}  # noqa: S308
        holes |= {"language_query": QUERY, "login_next": NEXT}
        shell = render_to_string(template, {**context(), **holes}, request=request)
        with _lock:
            _shells[digest] = shell
            while len(_shells) > SHELLS:
                _shells.popitem(last=False)
    query = request.META.get("QUERY_STRING", "")
    return (
        shell.replace(AS_AT, escape(as_at))
        .replace(NONCE, escape(str(get_nonce(request))))
        .replace(f"?{QUERY}", escape(f"?{iri_to_uri(query)}" if query else ""))
        .replace(NEXT_RENDERED, escape(quote(request.get_full_path(), safe="/")))
        .replace(RESULTS, results)
    )
