"""`make bench` keeps working (issue 11 §4): the whole benchmark, every part, at a hundredth of its sizes and
for two seconds of load — so that CI notices when a change breaks the script, not its figures (speed is
measured by `make bench` itself, never by timed assertions here). What it must show: every page answers,
nothing errs under load, the back office's lists keep their tests' query budgets, the expiry job cancels
every due registration and a second run does nothing."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def test_make_bench_runs_every_part_at_small_sizes(tmp_path):
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    env = {
        **os.environ,
        "BENCH_PG": server,
        "BENCH_DB": f"etsp_bench_check_{os.getpid()}",
        "BENCH_ORGS": "300",
        "BENCH_APPLICATIONS": "600",
        "BENCH_CASES": "250",
        "BENCH_EXPIRE": "1000",
        "BENCH_ROUNDS": "3",
        "BENCH_LOAD_SECONDS": "2",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the script sets its own
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout
    (tmp_path / "bench.txt").write_text(out + done.stderr)
    assert done.returncode == 0, done.stderr[-3000:]
    # http: every view timed, beside the minimal view
    for label in ("minimal view (/healthz)", "list, uncached (after a change)", "Chinese search, never made"):
        assert re.search(rf"^\s+{re.escape(label)}\s+[\d.]+\s+[\d.]+", out, flags=re.M), label
    # load: the four views, no error
    table = out[out.index("Under load:") : out.index("in all:")]
    load = {
        m["view"]: int(m["errors"])
        for m in re.finditer(r"^\s{2}(?P<view>[a-z][a-z /()]+?)\s+(?P<requests>\d+)\s+(?P<errors>\d+)\s", table, re.M)
    }
    assert set(load) == {"minimal view (/healthz)", "directory list", "applicant dashboard", "staff dashboard"}, out
    assert all(errors == 0 for errors in load.values()), load
    # admin: every list answers 200 within its test's budget
    lists = re.findall(r"^\s{2}((?:applications|cases)[^\n]*?)\s+(\d{3})\s+(\d+)\s+(\d+)( !)?\s", out, flags=re.M)
    assert len(lists) == 10, out
    assert all(status == "200" and not over for _label, status, _queries, _budget, over in lists), lists
    # expiry: all cancelled within the query budget, and nothing the second time
    expiry = re.search(r"Expiry job: ([\d,]+) registrations cancelled, .* \(([\d.]+) per 1,000 rows", out)
    assert expiry and expiry[1] == "1,000" and float(expiry[2]) <= 15, out
    assert "Second run: 0 cancelled, 0 notices" in out
