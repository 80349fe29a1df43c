#!/usr/bin/env python
"""`make bench` — the portal's speed, measured (issue 3 §8, issue 11 §4).

1. Creates a PostgreSQL database of its own (`etsp_bench`, LC_CTYPE C.UTF-8), migrates it and seeds
   10,000 organisations with their registrations (`http`, `load` and `admin` need them).
2. `http`: serves the portal with gunicorn (one worker) on a free port of 127.0.0.1 and times, in
   interleaved rounds, the directory list, a Chinese search and an English search beside a minimal view
   (/healthz) in the same run: p50 and p95, and each as a multiple of the minimal view (the ratio is the
   figure we track). Repeated requests are served from the directory's results cache (directory/cache.py);
   the "uncached" rows make every request miss it, as the first request after a change does, and the
   last one searches for a name never searched before (its SQL compiled, nothing cached).
3. `load`: seeds 50,000 Annex A applications and 20,000 cases (scripts/bench_seed.py), then 16 clients at
   once for 30 s on the directory, an applicant's dashboard and the staff dashboard beside /healthz, served
   by gunicorn with the Procfile's default of 3 workers (scripts/bench_load.py).
4. `admin`: the back office's lists of applications and cases at those sizes, in-process: status, queries
   beside the budgets their tests hold them to, time.
5. `expiry`: adds 100,000 due provisional registrations and runs the real expiry job on them: time and
   queries.
6. Drops the database.

Only 127.0.0.1 is contacted. Environment: BENCH_PG (default postgres://postgres@127.0.0.1:5432),
BENCH_DB (default etsp_bench), BENCH_ROUNDS (default 300), BENCH_ORGS (10000), BENCH_APPLICATIONS (50000),
BENCH_CASES (20000), BENCH_EXPIRE (100000), BENCH_LOAD_SECONDS (30), BENCH_PARTS (default
"http,load,admin,expiry": any of them, e.g. "expiry" alone), BENCH_KEEP=1 to keep the database afterwards.
"""

import datetime
import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB = os.environ.get("BENCH_DB", "etsp_bench")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
WARMUP = 20
ORGS = int(os.environ.get("BENCH_ORGS", "10000"))
EXPIRE = int(os.environ.get("BENCH_EXPIRE", "100000"))
KEEP = os.environ.get("BENCH_KEEP") == "1"  # keep the database afterwards, to look at plans
PARTS = set(os.environ.get("BENCH_PARTS", "http,load,admin,expiry").split(","))  # e.g. BENCH_PARTS=expiry
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "50000"))
CASES = int(os.environ.get("BENCH_CASES", "20000"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
LOAD_CLIENTS = 16
LOAD_WORKERS = 3  # the Procfile's default (WEB_CONCURRENCY)

NAMES = [
    ("Green Tech", "香港環保科技"),
    ("Harbour Energy", "海港能源"),
    ("Pearl River Engineering", "珠江工程"),
    ("Lion Rock Clean Air", "獅子山清新空氣"),
    ("Victoria Water", "維多利亞水務"),
]
VIEWS = [
    ("minimal view (/healthz)", "/healthz"),
    ("directory list", "/en/directory/"),
    ("search, Chinese (环保科技)", "/zh-hans/directory/?q=" + urllib.parse.quote("环保科技")),
    ("search, English (green tech)", "/en/directory/?q=green+tech"),
    # The register's version is raised before each of these (untimed), as a change to the register does:
    # the request misses the results cache and renders from the database. (A junk parameter no longer
    # misses it: the cache key holds the cleaned filters, not the query string.)
    ("list, uncached (after a change)", "/en/directory/"),
    ("Chinese search, uncached", "/zh-hans/directory/?q=" + urllib.parse.quote("环保科技")),
    # A search nobody made before (each request another provider's number): its SQL compiled too.
    ("Chinese search, never made", None),
]
_never_made = iter(range(0, 10**9, 5))  # organisations 0, 5, 10, … are 香港環保科技<number>有限公司


def never_made_search():
    return "/zh-hans/directory/?q=" + urllib.parse.quote(f"环保科技{next(_never_made) % ORGS:05d}")


UNCACHED = {label for label, _path in VIEWS if "uncached" in label or "never" in label}


def admin_sql(*statements):
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment():
    return {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB}",
        "DJANGO_SETTINGS_MODULE": "cpp_registry.settings.local",
        "DEBUG": "False",
        "LOG_LEVEL": "WARNING",
        # Connections kept between requests, as in production (settings/production.py).
        "CONN_MAX_AGE": "60",
        # Notices are queued, not sent: the job's cost is writing them, as with a real worker elsewhere.
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }


def seed_directory(n):
    from django.db import connection

    from directory.models import Factory, FundedProject, Organisation, Registration
    from directory.services.listing import organisations_relist

    today = datetime.date.today()
    organisations = []
    for i in range(n):
        en, zh = NAMES[i % len(NAMES)]
        organisation = Organisation(
            name_en=f"{en} {i:05d} Limited",
            name_zh=f"{zh}{i:05d}有限公司",
            br_number=f"{50000000 + i:08d}",
            email=f"info{i}@bench.example.hk",
            phone="+85221234567",
            contact_person="Chan Tai Man",
            address_en=f"{i} Bench Road",
            address_zh=f"測試道{i}號",
            district="kwun_tong",
            areas="ac" if i % 3 else "bd",
        )
        organisation.refresh_search_text()
        organisations.append(organisation)
    Organisation.objects.bulk_create(organisations, batch_size=2000)
    factory = Factory.objects.create(name_en="Bench Factory", name_zh="測試工廠", region="GD")
    registrations, projects = [], []
    for i, organisation in enumerate(Organisation.objects.order_by("id").only("id")):
        provisional = Registration(
            organisation=organisation, category="1", granted_on=today - datetime.timedelta(days=100)
        )
        provisional.valid_until = today + datetime.timedelta(days=600)
        if i % 2:
            provisional.__dict__["status"] = "confirmed"
        registrations.append(provisional)
        if i % 3 == 0:
            second = Registration(organisation=organisation, category="2", granted_on=today)
            second.valid_until = today + datetime.timedelta(days=700)
            registrations.append(second)
            projects.append(
                FundedProject(
                    reference=f"B{i:06d}",
                    factory=factory,
                    provider=organisation,
                    role_category="2",
                    title="Boiler",
                    areas="e",
                    report_status="approved",
                )
            )
    Registration.objects.bulk_create(registrations, batch_size=5000)
    FundedProject.objects.bulk_create(projects, batch_size=5000)
    organisations_relist()  # bulk_create sends no post_save: the directory's listing, as the receiver sets it
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def seed_due(n):
    """n due provisional registrations: n/2 organisations × both categories, validity ended yesterday."""
    from directory.models import Organisation, Registration

    today = datetime.date.today()
    granted = today - datetime.timedelta(days=800)
    per_org = 2
    organisations = []
    for i in range(n // per_org):
        organisation = Organisation(
            name_en=f"Expiring {i:06d} Limited",
            name_zh=f"到期{i:06d}有限公司",
            br_number=f"{70000000 + i:08d}",
            email=f"due{i}@bench.example.hk",
        )
        organisation.refresh_search_text()
        organisations.append(organisation)
    Organisation.objects.bulk_create(organisations, batch_size=5000)
    ids = Organisation.objects.filter(br_number__gte="70000000").values_list("id", flat=True)
    registrations = []
    for organisation_id in ids:
        for category in ("1", "2"):
            registration = Registration(organisation_id=organisation_id, category=category, granted_on=granted)
            registration.valid_until = today - datetime.timedelta(days=1)
            registrations.append(registration)
    Registration.objects.bulk_create(registrations, batch_size=5000)
    return len(registrations)


@contextmanager
def gunicorn(port, workers=1):
    process = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "cpp_registry.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def time_views(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    from directory.cache import directory_changed

    timings = {label: [] for label, _path in VIEWS}

    def get(label, path):
        path = path or never_made_search()
        if label in UNCACHED:
            directory_changed()  # autocommit: the server sees the new version at once
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        return elapsed

    # Each round times the uncached views first (each after raising the version), then asks the cached
    # ones once untimed, since the raised version left them uncached too, and then times them: a hit.
    uncached = [(label, path) for label, path in VIEWS if label in UNCACHED]
    cached = [(label, path) for label, path in VIEWS if label not in UNCACHED]

    def round_(timed):
        for label, path in uncached:
            elapsed = get(label, path)
            if timed:
                timings[label].append(elapsed)
        for label, path in cached:
            get(label, path)
        for label, path in cached:
            elapsed = get(label, path)
            if timed:
                timings[label].append(elapsed)

    for _ in range(WARMUP):
        round_(timed=False)
    for _ in range(ROUNDS):  # interleaved, so that noise falls on every view alike
        round_(timed=True)
    conn.close()
    return timings


def main():
    os.environ.update(environment())
    sys.path.insert(0, str(ROOT))
    admin_sql(
        f'DROP DATABASE IF EXISTS "{DB}"',
        f"CREATE DATABASE \"{DB}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
    )
    try:
        run()
    finally:
        from django.db import connections

        connections.close_all()
        if not KEEP:
            admin_sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def run():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from directory.checks import lc_ctype_problems

    print(f"Database {DB}: migrating…", flush=True)
    call_command("migrate", verbosity=0)
    ctype = lc_ctype_problems(connection)
    print(f"LC_CTYPE check: {'UTF-8, fine' if ctype is None else f'NOT UTF-8 ({ctype})'}")
    if PARTS & {"http", "load", "admin"}:
        start = time.perf_counter()
        seed_directory(ORGS)
        print(f"Seeded {ORGS:,} organisations in {time.perf_counter() - start:.1f} s", flush=True)
    if "http" in PARTS:
        time_directory()
    if PARTS & {"load", "admin"}:
        users = seed_back_office()
        if "load" in PARTS:
            time_load(users)
        if "admin" in PARTS:
            time_admin(users)
    if "expiry" in PARTS:
        time_expiry()


def time_directory():
    from django.db import connection

    from directory.selectors import directory_organisations
    from scripts.bench_load import percentile

    plan = directory_organisations(q="环保科技").explain()
    print("Plan of the Chinese search uses the trigram index:", "directory_organisation_search_trgm" in plan)
    connection.close()

    port = free_port()
    with gunicorn(port):
        timings = time_views(port)
    minimal = timings[VIEWS[0][0]]
    base50, base95 = percentile(minimal, 50), percentile(minimal, 95)
    print()
    print(f"HTTP, gunicorn 1 worker on 127.0.0.1:{port}, {ORGS:,} organisations, {ROUNDS} interleaved rounds:")
    print(f"  {'view':<32}{'p50 ms':>9}{'p95 ms':>9}{'p50 ×':>8}{'p95 ×':>8}")
    for label, _path in VIEWS:
        p50, p95 = percentile(timings[label], 50), percentile(timings[label], 95)
        print(f"  {label:<32}{p50 * 1000:>9.2f}{p95 * 1000:>9.2f}{p50 / base50:>8.1f}{p95 / base95:>8.1f}")
    print("  (× = multiple of the minimal view in the same run; aim: p95 within 6×)")
    print("  (uncached: every request renders from the database, as the first one after a change does)")


def seed_back_office():
    """50,000 applications and 20,000 cases over the seeded organisations, and the users who log in."""
    from django.db import connection

    from scripts.bench_seed import bench_users, seed_applications, seed_cases

    print(flush=True)
    start = time.perf_counter()
    applications = seed_applications(APPLICATIONS)
    print(f"Seeded {APPLICATIONS:,} applications in {time.perf_counter() - start:.1f} s: {applications}", flush=True)
    start = time.perf_counter()
    cases = seed_cases(CASES)
    print(f"Seeded {CASES:,} cases in {time.perf_counter() - start:.1f} s: {cases}", flush=True)
    users = bench_users()
    connection.close()
    return users


def time_load(users):
    from scripts.bench_load import bench_views, load, print_load_table

    views = bench_views(users)
    port = free_port()
    print(flush=True)
    with gunicorn(port, workers=LOAD_WORKERS):
        results = load(port, views, clients=LOAD_CLIENTS, seconds=LOAD_SECONDS)
    print(
        f"gunicorn with {LOAD_WORKERS} workers, {ORGS:,} organisations, {APPLICATIONS:,} applications, {CASES:,} cases."
    )
    print_load_table(results)


def time_admin(users):
    from scripts.bench_load import admin_changelists, measure_pages, print_changelist_table

    print(flush=True)
    dashboards = [
        ("applicant dashboard", "/en/applications/", None),
        ("staff dashboard", "/en/admin/", None),
    ]
    print_changelist_table(
        measure_pages(users.applicant, dashboards[:1])
        + measure_pages(users.staff, dashboards[1:])
        + admin_changelists(users.staff)
    )


def time_expiry():
    from django.db import connection

    from directory import services

    print(flush=True)
    start = time.perf_counter()
    due = seed_due(EXPIRE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_registration")
    print(f"Seeded {due:,} due provisional registrations in {time.perf_counter() - start:.1f} s", flush=True)
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = services.registrations_expire()
    elapsed = time.perf_counter() - start
    print(
        f"Expiry job: {result.expired:,} registrations cancelled, {result.notices:,} notices written, "
        f"in {elapsed:.1f} s with {count[0]:,} queries ({count[0] / max(result.expired / 1000, 1):.1f} per 1,000 rows; "
        "aim: at most 15)"
    )
    count[0] = 0
    with connection.execute_wrapper(counter):
        again = services.registrations_expire()
    print(f"Second run: {again.expired} cancelled, {again.notices} notices, {count[0]} queries")


if __name__ == "__main__":
    main()
