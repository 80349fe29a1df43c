"""Bad input gets a clear answer, never a 500: every URL of the portal, as each kind of user, with
garbage in the query string and an empty or garbage POST, on the demo data."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.core.test_url_auth import URLS

pytestmark = pytest.mark.django_db

USERS = [None, "applicant@demo.etsp.hk", "factory@demo.etsp.hk", "pmc@demo.etsp.hk", "pmt@demo.etsp.hk"]
GARBAGE = {"page": "-1", "q": "\x00%' OR 1=1 --", "category": "9", "state": "nonsense", "area": "zz", "next": "//evil"}
# Admin pages are Django's own and far too many to post garbage to; they are walked with GET only.
SKIP_POST = ("/admin/",)


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("email", USERS)
def test_no_url_answers_500_to_garbage(client, demo, email, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    if email:
        client.force_login(get_user_model().objects.get(email=email))
    failures = []
    # Each URL as walked (a malformed id, "x") and, for the admin, with an id that exists in the demo.
    paths = [(p, n) for p, n in URLS] + [(p.replace("/x/", "/1/"), n) for p, n in URLS if "/admin/" in p and "/x/" in p]
    for path, name in paths:
        if name in ("account_logout", "admin:logout"):
            continue
        responses = [client.get(path, GARBAGE)]
        if not any(part in path for part in SKIP_POST):
            responses.append(client.post(path, {"choice": "maybe", "reason": "", "expected": "x", **GARBAGE}))
        failures += [(path, r.request["REQUEST_METHOD"], r.status_code) for r in responses if r.status_code >= 500]
    assert failures == [], "\n".join(map(str, failures))
