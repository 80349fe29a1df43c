"""Issue 11 §3 "nothing lost" across processes: two web processes (gunicorn) and two Celery workers on one
PostgreSQL database and one Redis — the cache the web processes share and the broker — as in production.

- A change made anywhere (here by the service called in the test process, and through web A) is shown at
  once by web B, whose directory page is cached in the shared cache: the cache key holds the register's
  version, raised in the change's own transaction (directory/cache.py).
- Notices written by the test process and by web A, each handed to the broker twice (as Redis hands a task
  over again when its acknowledgement is lost), are consumed by both workers at once and each sent once:
  the row lock in `notice_deliver`.

The servers run once for the session, on a database of their own (created, migrated and dropped here, as
scripts/bench.py does) and a Redis database of their own (one of 1–15, claimed while empty).
"""

import contextlib
import dataclasses
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, connections, transaction

from cpp_registry.models import Notice
from cpp_registry.notices import notice_send
from directory import services as directory
from directory.models import Registration
from tests.conftest import redis_url
from tests.core.factories import PASSWORD, UserFactory
from tests.directory.factories import OrganisationFactory

from . import servers

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@dataclasses.dataclass
class Site:
    web_a: str
    web_b: str
    workers: list
    sink: servers.SmtpSink
    broker: str
    name: str
    blocker: object
    logs: Path

    @contextlib.contextmanager
    def database(self):
        """The test process's own connection on the site's database for a while (its content types too)."""
        from django.contrib.contenttypes.models import ContentType

        default = connections["default"]
        with self.blocker.unblock():
            default.close()
            saved = default.settings_dict["NAME"]
            default.settings_dict["NAME"] = self.name
            ContentType.objects.clear_cache()
            try:
                yield
            finally:
                default.close()
                default.settings_dict["NAME"] = saved
                ContentType.objects.clear_cache()

    def cached_directory_pages(self) -> int:
        import redis

        client = redis.Redis.from_url(self.broker)
        try:
            return len(client.keys("*directory:v*"))
        finally:
            client.close()


@pytest.fixture(scope="session")
def site(django_db_blocker, tmp_path_factory):
    logs = tmp_path_factory.mktemp("two-processes")
    with django_db_blocker.unblock():
        settings_dict = dict(connection.settings_dict)
    name = f"etsp_two_{uuid.uuid4().hex[:8]}"
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(servers.postgres_database(settings_dict, name))
        broker = stack.enter_context(servers.redis_database(redis_url()))
        sink = stack.enter_context(servers.SmtpSink())
        env = servers.environment(
            database_url=database_url,
            broker_url=broker,
            smtp_port=sink.port,
            cache_url=broker.replace("redis://", "rediscache://", 1),  # the broker's database holds the cache too
        )
        servers.migrate(env)
        web_a = stack.enter_context(servers.gunicorn(env, log=logs / "web-a.log"))
        web_b = stack.enter_context(servers.gunicorn(env, log=logs / "web-b.log"))
        workers = []
        stack.callback(servers.stop_all, workers)
        for label in ("one", "two"):
            workers.append(servers.Worker(env, name=f"worker-{label}", log=logs / f"worker-{label}.log"))
        yield Site(web_a, web_b, workers, sink, broker, name, django_db_blocker, logs)


def listed(browser, name):
    status, page, _headers = browser.get("/en/directory/")
    assert status == 200
    return name in page


def test_a_registration_granted_anywhere_is_listed_at_once_by_the_other_web_process(site):
    web_b = servers.Browser(site.web_b)
    assert not listed(web_b, "Lantau Clean Air Limited")
    assert site.cached_directory_pages() >= 1  # web B's page is in the shared cache now
    assert not listed(web_b, "Lantau Clean Air Limited")  # and served from it

    with site.database():
        organisation = OrganisationFactory(name_en="Lantau Clean Air Limited", name_zh="大嶼山清新空氣有限公司")
        directory.registration_grant(organisation=organisation, category="1", notify=False)

    assert listed(web_b, "Lantau Clean Air Limited")  # the very next request
    assert listed(servers.Browser(site.web_a), "Lantau Clean Air Limited")


def test_notices_handed_over_twice_by_two_processes_are_sent_once_by_two_workers(site):
    """A grant in the test process and a withdrawal through web A write ten notices each (one per user of
    the provider); every notice is handed to the broker a second time at once; two workers send them."""
    with site.database():
        users = [UserFactory(email=f"staff{i}@lamma.example.hk") for i in range(10)]
        hasher = PBKDF2PasswordHasher()  # what the web processes check (the test settings hash with MD5)
        users[0].password = hasher.encode(PASSWORD, hasher.salt())
        users[0].save(update_fields=["password"])
        organisation = OrganisationFactory(name_en="Lamma Water Limited", name_zh="南丫水務有限公司", users=users)
        with servers.celery_app_on(site.broker), transaction.atomic():
            registration = directory.registration_grant(organisation=organisation, category="2")
            granted = list(Notice.objects.filter(idempotency_key__startswith=f"registration:{registration.pk}:"))
            for notice in granted:  # handed over a second time with the first, after the commit
                notice_send.delay_on_commit(notice.pk)
    assert len(granted) == 10
    web_b = servers.Browser(site.web_b)
    assert listed(web_b, "Lamma Water Limited")

    # The provider's user withdraws the registration through web A (§5.2.4).
    web_a = servers.Browser(site.web_a)
    web_a.get("/en/accounts/login/")
    status, _page, _headers = web_a.post("/en/accounts/login/", {"login": users[0].email, "password": PASSWORD})
    assert status == 302, "the provider's user could not log in"
    withdraw = f"/en/directory/mine/registrations/{registration.pk}/withdraw/"
    assert web_a.get(withdraw)[0] == 200
    status, _page, headers = web_a.post(withdraw, {"reason": "The company closes.", "confirm": "on"})
    assert (status, headers.get("Location")) == (302, "/en/directory/mine/")
    assert not listed(web_b, "Lamma Water Limited")  # web B, at once

    with site.database():
        assert Registration.objects.get(pk=registration.pk).status == Registration.Status.WITHDRAWN
        notices = Notice.objects.filter(idempotency_key__startswith=f"registration:{registration.pk}:")
        withdrawn = list(notices.filter(template_key="registration_withdrawn"))
        assert len(withdrawn) == 10
        with servers.celery_app_on(site.broker):
            for notice in withdrawn:  # web A handed each over; once more from here
                notice_send.delay(notice.pk)
        assert servers.wait_until(lambda: not notices.filter(sent_at__isnull=True).exists(), 60), "notices unsent"
        assert servers.wait_until(lambda: servers.broker_idle(site.broker), 60), "tasks left in Redis"
        keys = set(notices.values_list("idempotency_key", flat=True))
        assert set(notices.values_list("attempts", flat=True)) == {1}

    counts = site.sink.counts()
    assert len(keys) == 20
    assert {key: counts[key] for key in keys} == dict.fromkeys(keys, 1)
    ran = [len(worker.tasks("succeeded")) for worker in site.workers]
    assert sum(ran) == 40 and all(ran), ran  # 20 notices, each handed over twice; both workers worked
    print(f"\n20 notices, 40 hand-overs, tasks run by each worker: {ran}; messages at the SMTP server: 20")
