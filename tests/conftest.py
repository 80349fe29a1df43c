"""Shared fixtures, and the rule for tests that need a real service.

A test marked `postgres`, `redis` or `browser` is skipped, with the reason printed, when the service is
absent — and fails instead when REQUIRE_SERVICES=1 (as in CI), so that CI cannot go green by skipping.
"""

import os
import shutil
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def _missing_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/etsp"
    return None


def redis_url():
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis") else None


def _missing_redis():
    url = redis_url()
    if not url:
        return "needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        parsed = urlparse(url)
        return f"needs Redis at {parsed.hostname}:{parsed.port}: {exc}"
    return None


def _missing_browser():
    if not shutil.which(CHROMIUM):
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright package (pip install -r requirements-dev.txt)"
    return None


CHECKS = {"postgres": _missing_postgres, "redis": _missing_redis, "browser": _missing_browser}


def pytest_runtest_setup(item):
    for name, check in CHECKS.items():
        if item.get_closest_marker(name) is None:
            continue
        reason = check()
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """`make test` runs the suite in two processes (pytest-xdist, `--dist loadgroup`), each with its own
    test database. The tests that start real Celery workers, web processes and an SMTP sink on the one Redis
    broker run in one process, one after the other: two workers on one queue would take each other's tasks."""
    for item in items:
        if item.get_closest_marker("redis") is not None:
            item.add_marker(pytest.mark.xdist_group("real-services"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the directory's cache keys hold a version number that a
    rolled-back test database hands out again; and with no page shell kept (directory/shell.py)."""
    from django.core.cache import cache

    from directory import shell

    cache.clear()
    shell.clear()
    yield
    cache.clear()
    shell.clear()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
