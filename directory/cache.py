"""The public directory's results, cached under the register's version.

Reads outnumber writes by far: a factory searches many times a day, the register changes a few times a
week. The rendered results (count, table, pages) are kept in the cache under a key that holds the
`DirectoryVersion` number, which every change to what the directory shows raises in the same transaction
as the change — saves through `post_save`/`post_delete` of the three models, the expiry job's bulk UPDATE
explicitly. A change is therefore seen by the next request, whichever process serves it; the time limit
only frees memory. When the version row is missing (a flushed test database) nothing is cached.

Anyone can ask, anonymously: the key holds only what decides the page — the language, the cleaned filters
and order (`DirectorySearchForm.filters`: the default order is left out, so that it makes no entry of its
own) and the page actually shown — never the raw query string, so that junk parameters, invalid filter
values and impossible page numbers cannot multiply the entries.
"""

import hashlib
from collections.abc import Callable, Hashable

from django.core.cache import cache
from django.db import connection
from django.db.models import F

from .models import DirectoryVersion

CACHE_SECONDS = 600
_PK = 1
_VERSION_SQL = f"SELECT number FROM {DirectoryVersion._meta.db_table} WHERE id = %s"  # noqa: S608 (a model's name)


def directory_version() -> int | None:
    """The register's version: read on every request to the directory, so through the cursor — the ORM's
    compiling of this one-row query cost more than the database's answer (issue 11 §4)."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [_PK])
        row = cursor.fetchone()
    return row[0] if row else None


def directory_changed(**_signal_kwargs):
    """Raise the version in the caller's transaction (a receiver for post_save and post_delete too)."""
    if not DirectoryVersion.objects.filter(pk=_PK).update(number=F("number") + 1):
        DirectoryVersion.objects.get_or_create(pk=_PK)


def page_asked(raw: str | None) -> int:
    """The page number in the query string as Django's paginator reads it: not a whole number → 1."""
    try:
        return int(raw) if raw is not None else 1
    except ValueError:
        return 1


def _real_page(number: int, pages: int) -> int:
    """The page `Paginator.get_page(number)` shows: out of range (below 1 too) → the last page."""
    return number if 1 <= number <= pages else pages


def cached_page(
    *,
    parts: Hashable,
    number: int,
    version: int | None,
    render: Callable[[int], tuple[int, int, str]],
) -> str:
    """The HTML of page `number` of the results described by `parts` (the language and the cleaned filters —
    never the raw query string), from the cache when it was rendered at this version.

    Entries are keyed by the page actually shown, so that nobody can fill the cache with page numbers: a
    number out of range is mapped to the real page through the page count kept with page 1.
    `render(number)` returns (page shown, number of pages, HTML)."""
    if version is None:
        return render(number)[2]

    def key(page: int) -> str:
        digest = hashlib.sha256(repr((parts, page)).encode()).hexdigest()[:32]
        return f"directory:v{version}:{digest}"

    entry = cache.get(key(number)) if number >= 1 else None
    if entry is None and number != 1:
        first = cache.get(key(1))
        if first is not None:
            real = _real_page(number, first[0])
            entry = first if real == 1 else cache.get(key(real))
    if entry is not None:
        return entry[1]
    shown, pages, html = render(number)
    cache.set(key(shown), (pages, html), CACHE_SECONDS)
    return html
