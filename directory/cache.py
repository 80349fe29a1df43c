"""The public directory's results, cached under the register's version.

Reads outnumber writes by far: a factory searches many times a day, the register changes a few times a
week. The rendered results (count, table, pages) are kept in the cache under a key that holds the
`DirectoryVersion` number, which every change to what the directory shows raises in the same transaction
as the change — saves through `post_save`/`post_delete` of the three models, the expiry job's bulk UPDATE
explicitly. A change is therefore seen by the next request, whichever process serves it; the time limit
only frees memory. When the version row is missing (a flushed test database) nothing is cached.
"""

import hashlib

from django.core.cache import cache
from django.db.models import F

from .models import DirectoryVersion

CACHE_SECONDS = 600
_PK = 1


def directory_version():
    return DirectoryVersion.objects.filter(pk=_PK).values_list("number", flat=True).first()


def directory_changed(**_signal_kwargs):
    """Raise the version in the caller's transaction (a receiver for post_save and post_delete too)."""
    if not DirectoryVersion.objects.filter(pk=_PK).update(number=F("number") + 1):
        DirectoryVersion.objects.get_or_create(pk=_PK)


def cached_fragment(*, parts, version, render):
    """`render()`'s HTML, from the cache when the same parts were rendered at the same version."""
    if version is None:
        return render()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"directory:v{version}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, CACHE_SECONDS)
    return html
