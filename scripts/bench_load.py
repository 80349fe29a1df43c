"""The portal under load, and the back office's lists at scale (issue 11 §4), for `make bench`.

- `session_cookie(user)`: a session as a real log-in leaves it — a TOTP log-in for staff — so that timed
  requests pass every middleware (cpp_registry/settings/base.py MIDDLEWARE) and reach the page.
- `bench_views(users)`: the views timed under load: the minimal view (/healthz), the directory list, the
  applicant dashboard and the staff dashboard.
- `load(port, views, clients=16, seconds=30)`: clients asking the views at once, each in turn, for a fixed
  time; per view the requests, the errors, p50, p95 and the requests per second. The minimal view is asked
  under the same load, so that its figures say what the load itself costs.
- `admin_changelists(user)`: the back office's lists of applications and of cases, in-process with Django's
  test client, each unfiltered, searched and filtered: status, queries and time, beside the query budgets
  the tests hold them to (tests/*/test_admin_queries.py), which the tests measure on a few dozen rows.

Django is imported inside the functions: bench.py calls django.setup() only after it has made the database.
"""

import ast
import http.client
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # in ALLOWED_HOSTS by default (settings/base.py)
# allauth's backend: the one a log-in through allauth's form records in the session (axes' comes first in
# AUTHENTICATION_BACKENDS, but only refuses a locked-out account and authenticates nobody).
LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
# allauth keeps the user its records of the log-in belong to under this key (a private name of
# allauth.account.internal.flows.login, the value of a real log-in's session).
AUTHENTICATION_METHODS_USER_SESSION_KEY = "account_authentication_methods_user"
# The budgets the tests enforce on the same lists: (test file, constant).
BUDGETS = {
    "applications": ("tests/applications/test_admin_queries.py", "CHANGELIST_QUERIES"),
    "cases": ("tests/complaints/test_admin_queries.py", "LIST_QUERIES"),
}


# --- logged in ---------------------------------------------------------------------------------------------


def session_cookie(user):
    """The value of the session cookie of `user` logged in, as after a real log-in through allauth.

    A log-in through the form leaves, besides Django's `_auth_user_*` keys: allauth's record of how the user
    authenticated (`account_authentication_methods`: the password, then the TOTP code for a user with an
    authenticator app), which its re-authentication reads; and cpp_registry.mfa's note that the user has an
    authenticator app (set on `user_logged_in`), without which MFARequiredMiddleware asks the database on
    every page. `django.contrib.auth.login` sends `user_logged_in` as a log-in does (so the note is set, as
    `client.force_login` sets it in the tests); allauth's records are written here as its log-in flow writes
    them. The session is stored in the database (the default engine), so gunicorn's processes read it.
    """
    from importlib import import_module

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest

    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend=LOGIN_BACKEND)
    now = time.time()
    records = [{"method": "password", "at": now, "email": user.email}]
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        records.append({"method": "mfa", "at": now, "id": totp.pk, "type": "totp"})
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    request.session[AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)  # whose records they are
    request.session.save()
    return request.session.session_key


def bench_views(users):
    """(label, path, session cookie or None) of the views timed under load, for bench_seed.bench_users()'s
    users: the applicant dashboard is the page an applicant with applications lands on
    (cpp_registry.accounts), the staff dashboard the back office's home (cpp_registry.dashboard)."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override("en"):
        return [
            ("minimal view (/healthz)", reverse("healthz"), None),
            ("directory list", reverse("directory:list"), None),
            ("applicant dashboard", reverse("applications:dashboard"), session_cookie(users.applicant)),
            ("staff dashboard", reverse("admin:index"), session_cookie(users.staff)),
        ]


# --- under load --------------------------------------------------------------------------------------------


@dataclass
class ViewLoad:
    """One view's figures under load. Latencies in seconds, of the requests answered 200."""

    label: str
    path: str
    requests: int = 0
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)
    seconds: float = 0.0  # from the start to the last answer (the window asked for, and the answers due)
    window: float = 0.0  # the time asked for: no request is sent after it
    clients: int = 0

    @property
    def p50(self):
        return percentile(self.latencies, 50)

    @property
    def p95(self):
        return percentile(self.latencies, 95)

    @property
    def per_second(self):
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(values, p):
    """The p-th percentile, interpolated (bench.py's); None without values."""
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _headers(cookie):
    from django.conf import settings

    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"} if cookie else {}


def _get(conn, path, headers):
    """(status or the exception's name, seconds) of one GET on a kept connection."""
    start = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        conn.close()  # http.client opens it again on the next request
        status = type(exc).__name__
    return status, time.perf_counter() - start


def check_views(port, views):
    """Each view once over HTTP; refused unless every one answers 200 — a redirect to the log-in or to the
    authenticator set-up would otherwise be timed as a fast page."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        for label, path, cookie in views:
            status, _seconds = _get(conn, path, _headers(cookie))
            if status != 200:
                raise RuntimeError(f"{label} ({path}) answered {status}, not 200")
    finally:
        conn.close()


def load(port, views, clients=16, seconds=30):
    """`clients` clients at once for `seconds`, each asking the views in turn (each starting at another
    view, so that all are asked throughout), each on its own connection, kept alive when the server allows
    it. Returns {label: ViewLoad}. An error is any answer but 200, or no answer.

    As each client asks every view in turn, each view gets the same share of the requests: its requests per
    second are the total's share, and what tells the views apart is their latency — their own time plus the
    wait behind the other clients' requests (with one gunicorn worker, mostly that wait).

    Threads, not processes: a client spends its time waiting for gunicorn, another process, and the GIL is
    released while it waits. Each records into its own lists; they are merged after the run."""
    check_views(port, views)
    asked = [(label, path, _headers(cookie)) for label, path, cookie in views]
    start_line = threading.Barrier(clients + 1)
    records = [[] for _i in range(clients)]
    window = {}

    def client(index):
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        mine = records[index]
        turn = index
        start_line.wait()
        while time.perf_counter() < window["end"]:
            label, path, headers = asked[turn % len(asked)]
            turn += 1
            status, elapsed = _get(conn, path, headers)
            mine.append((label, status, elapsed))
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    window["start"] = time.perf_counter()
    window["end"] = window["start"] + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - window["start"]

    results = {
        label: ViewLoad(label=label, path=path, seconds=elapsed, window=seconds, clients=clients)
        for label, path, _cookie in views
    }
    for mine in records:
        for label, status, latency in mine:
            result = results[label]
            result.requests += 1
            result.statuses[status] += 1
            if status == 200:
                result.latencies.append(latency)
            else:
                result.errors += 1
    return results


def print_load_table(results):
    """The figures of `load`, one view a line; each p50 and p95 also as a multiple of the minimal view's."""
    rows = list(results.values())
    base = rows[0]
    seconds = base.seconds
    print(
        f"Under load: {base.clients} clients at once for {base.window:.0f} s (the last answer "
        f"{seconds - base.window:.1f} s later), each asking the views in turn; ms of the answers 200, req/s over "
        "the whole time:"
    )
    print(f"  {'view':<26}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}{'p50 ×':>7}{'p95 ×':>7}")
    for row in rows:
        p50, p95 = row.p50, row.p95

        def ms(value):
            return f"{value * 1000:>9.1f}" if value is not None else f"{'—':>9}"

        def times(value, of):
            return f"{value / of:>7.1f}" if value is not None and of else f"{'—':>7}"

        print(
            f"  {row.label:<26}{row.requests:>9}{row.errors:>8}{ms(p50)}{ms(p95)}{row.per_second:>8.1f}"
            f"{times(p50, base.p50)}{times(p95, base.p95)}"
        )
        odd = {status: n for status, n in row.statuses.items() if status != 200}
        if odd:
            print(f"  {'':<26}errors: {', '.join(f'{status} ×{n}' for status, n in odd.items())}")
    total = sum(row.requests for row in rows)
    print(f"  in all: {total} requests, {total / seconds:.1f} per second")


# --- the back office's lists, in-process ----------------------------------------------------------------------


@dataclass
class PageRow:
    """One page asked in-process: its status, its queries (counted on the last request), its time (the
    median of the timed requests) and its slowest query."""

    label: str
    path: str
    status: int
    queries: int
    ms: float
    slowest_ms: float
    slowest_sql: str
    budget: int | None = None

    @property
    def within_budget(self):
        return None if self.budget is None else self.queries <= self.budget


def query_budgets():
    """{list: the number of queries its test allows}, read from the tests' constants (not imported: they
    import pytest and the test factories), so that a budget changed there is the one compared here."""
    budgets = {}
    for name, (path, constant) in BUDGETS.items():
        try:
            tree = ast.parse((ROOT / path).read_text())
        except OSError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == constant for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ):
                budgets[name] = node.value.value
    return budgets


def measure_pages(user, pages, *, repeat=3):
    """GET each (label, path, budget) as `user` with Django's test client, in this process: once untimed
    (the content types, templates and translations are cached once per process, as the tests' first request
    does), then `repeat` times timed, the queries of the last counted. Returns [PageRow]."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(user)
    rows = []
    for label, path, budget in pages:
        client.get(path)
        times = []
        for _i in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default={"time": "0", "sql": ""})
        rows.append(
            PageRow(
                label=label,
                path=path,
                status=response.status_code,
                queries=len(captured.captured_queries),
                ms=statistics.median(times) * 1000,
                slowest_ms=float(slowest["time"]) * 1000,
                slowest_sql=" ".join(slowest["sql"].split())[:160],
                budget=budget,
            )
        )
    return rows


def admin_changelists(user, *, search="Harbour", repeat=3):
    """The back office's lists of applications and of cases as `user` (a member of the Programme Management
    Team, logged in as by `session_cookie`), each as its query-budget test asks it: unfiltered, searched
    (`search`, a word of a fifth of the seeded names, for the tests' "Provider") and filtered. Returns
    [PageRow] with the tests' budget on each."""
    from django.urls import reverse
    from django.utils import translation

    budgets = query_budgets()
    with translation.override("en"):
        applications = reverse("admin:applications_application_changelist")
        cases = reverse("admin:complaints_case_changelist")
    pages = [
        ("applications", applications, ""),
        ("applications, searched", applications, f"?q={search}"),
        ("applications, clock open", applications, "?clock=open"),
        ("applications, criteria not met", applications, "?criteria=not_met"),
        ("applications, submitted + answered", applications, "?status__exact=submitted&conversation=answered"),
        ("cases", cases, ""),
        ("cases, searched", cases, f"?q={search}"),
        ("cases, recorded", cases, "?status__exact=recorded"),
        ("cases, overdue clock", cases, "?overdue=any"),
        ("cases, complaints", cases, "?kind__exact=complaint"),
    ]
    return measure_pages(
        user,
        [(label, path + query, budgets.get(label.split(",")[0])) for label, path, query in pages],
        repeat=repeat,
    )


def print_changelist_table(rows):
    """The rows of `admin_changelists` (or `measure_pages`), with each list's budget and the slowest query."""
    print("In-process (Django's test client), the median of the timed requests; queries of the last one:")
    print(f"  {'page':<36}{'status':>7}{'queries':>8}{'budget':>7}{'ms':>8}{'slowest q ms':>13}")
    for row in rows:
        budget = "—" if row.budget is None else f"{row.budget}{'' if row.within_budget else ' !'}"
        print(f"  {row.label:<36}{row.status:>7}{row.queries:>8}{budget:>7}{row.ms:>8.1f}{row.slowest_ms:>13.1f}")
    print("  (! = over the test's budget)")
    for row in rows:
        if row.slowest_ms >= 20:
            print(f"  slowest query of {row.label} ({row.slowest_ms:.0f} ms): {row.slowest_sql}")
