"""Real servers for the tests of issue 11 §3 "nothing lost": an SMTP server that keeps what it accepts
(aiosmtpd, in a thread of the test process), Celery workers and gunicorn as subprocesses, a PostgreSQL
database and a Redis database of their own.

Every process is started here and ended here, by its id (a worker is the leader of its own process group,
so that a SIGKILL takes its pool children with it, as when a machine or a container dies).

Run as a module it is a Celery worker: `python -m tests.core.servers worker OPTIONS -- CELERY-ARGS` is
`celery -A cpp_registry worker CELERY-ARGS` with the broker's transport options set (the settings fix the
visibility timeout at an hour; a test that kills a worker shortens it, so that the killed worker's tasks are
delivered again within the test — what Redis does an hour later in production).
"""

import asyncio
import collections
import contextlib
import email
import http.cookiejar
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLAIM = "etsp-test:claimed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


# --- an SMTP server that keeps what it accepts -----------------------------------------------------------


class SmtpSink:
    """An SMTP server on 127.0.0.1 that accepts every message and keeps, for each, the moment it had it whole
    and its `X-Notice-Key` header (cpp_registry.notices.notice_deliver): a message counts as sent once the
    server has received all of it — before its "250 accepted" reaches the sender.

    `hold_at=n` keeps the server from answering the n-th message until `release` is set (`holding` is set
    meanwhile): the sender is then stuck in the gap between the server having the message and the sender
    recording it as sent."""

    def __init__(self, *, hold_at: int | None = None):
        self.port = free_port()
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held_key: str | None = None
        self.received: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        key = str(message.get("X-Notice-Key", ""))
        with self._lock:
            self.received.append((time.time(), key))
            count = len(self.received)
        if count == self.hold_at:
            self.held_key = key
            self.holding.set()
            while not self.release.is_set():  # the other senders go on meanwhile
                await asyncio.sleep(0.01)
        return "250 Message accepted for delivery"

    def counts(self) -> collections.Counter:
        with self._lock:
            return collections.Counter(key for _at, key in self.received)

    def first_received(self) -> dict[str, float]:
        with self._lock:
            first: dict[str, float] = {}
            for at, key in self.received:
                first.setdefault(key, at)
            return first

    def __len__(self) -> int:
        with self._lock:
            return len(self.received)

    def __enter__(self):
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's log of every command
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        if self._controller is not None:
            self._controller.stop()


# --- a PostgreSQL database and a Redis database of their own -------------------------------------------


def database_url(settings_dict: dict, name: str) -> str:
    user = urllib.parse.quote(settings_dict.get("USER") or "postgres")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{urllib.parse.quote(password)}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{name}"


@contextlib.contextmanager
def postgres_database(settings_dict: dict, name: str):
    """A new database, UTF-8 (the Chinese search needs a UTF-8 LC_CTYPE), dropped at the end, as
    scripts/bench.py makes its own."""
    import psycopg

    def admin(statement: str) -> None:
        with psycopg.connect(database_url(settings_dict, "postgres"), autocommit=True) as conn:
            conn.execute(statement)

    admin(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    try:
        yield database_url(settings_dict, name)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )


@contextlib.contextmanager
def redis_database(url: str):
    """A Redis database nobody else uses (one of 1–15, empty, claimed with a key), emptied at the end: the
    broker and the cache of one test, apart from any other test run on the same Redis. Yields its URL."""
    import redis

    parsed = urllib.parse.urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    token = uuid.uuid4().hex
    for db in range(15, 0, -1):
        client = redis.Redis(host=host, port=port, db=db)
        if client.set(CLAIM, token, nx=True, ex=1800):
            if client.dbsize() == 1:
                break
            client.delete(CLAIM)
        client.close()
    else:
        raise RuntimeError(f"no empty Redis database on {host}:{port}")
    try:
        yield f"redis://{host}:{port}/{db}"
    finally:
        if client.get(CLAIM) == token.encode():
            client.flushdb()
        client.close()


def broker_idle(url: str, queues=("celery",)) -> bool:
    """Nothing left for a worker in this Redis database: the queues are empty and no message is delivered
    but unacknowledged (with acks_late a task running now is unacknowledged until it ends)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return not any(client.llen(q) for q in queues) and not client.hlen("unacked")
    finally:
        client.close()


# --- Celery and Django's side ---------------------------------------------------------------------------


def environment(*, database_url: str, broker_url: str, smtp_port: int, cache_url: str | None = None) -> dict:
    """What a web process or a worker of these tests runs with: the local settings (DEBUG off) on the given
    database and broker, mail over SMTP to the sink."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpp_registry.settings.local",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DEBUG": "False",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CACHE_URL", None)
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


@contextlib.contextmanager
def celery_app_on(broker_url: str):
    """The test process's Celery app publishing to `broker_url` (not eager); as it was afterwards. Celery
    reads CELERY_BROKER_URL from the environment before its configuration, so that is set too; the app's
    connection pools are dropped both ways, or it would keep publishing to the broker it used first."""
    from cpp_registry.celery import app

    keys = ("broker_url", "task_always_eager")
    saved = {k: app.conf[k] for k in keys}
    saved_env = os.environ.get("CELERY_BROKER_URL")

    def fresh_pools():
        app._pool = None
        app.amqp._producer_pool = None

    os.environ["CELERY_BROKER_URL"] = broker_url
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    fresh_pools()
    try:
        yield app
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.update(saved)
        fresh_pools()


class Worker:
    """`celery -A cpp_registry worker` as a subprocess, leader of its own process group."""

    def __init__(self, env: dict, *, name: str, concurrency: int = 1, log: Path, transport_options=None):
        self.name = f"{name}-{uuid.uuid4().hex[:6]}"
        self.log = log
        self._log_file = open(log, "ab")  # noqa: SIM115 (closed in stop/kill)
        options = json.dumps(transport_options or {})
        celery_args = ["-n", f"{self.name}@%h", "-c", str(concurrency), "-P", "prefork", "-l", "INFO"]
        celery_args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.core.servers", "worker", options, "--", *celery_args],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the worker and its pool at once: nothing is finished, acknowledged or rolled back by it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._log_file.close()

    def terminate(self) -> None:
        """Ask for a warm shutdown (SIGTERM): the task in hand is finished."""
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """A warm shutdown, waited for; then anything left of the worker is killed."""
        self.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._log_file.close()

    def tasks(self, event: str) -> dict[str, str]:
        """{task id: task name} of the tasks this worker logged as `event` ("received" or "succeeded")."""
        pattern = re.compile(r"Task ([\w.]+)\[([0-9a-f-]+)\] " + re.escape(event))
        return {m[2]: m[1] for m in pattern.finditer(self.log.read_text(errors="replace"))}


def stop_all(workers: list[Worker]) -> None:
    """Stop workers side by side (a warm shutdown takes a few seconds each)."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.stop()


@contextlib.contextmanager
def gunicorn(env: dict, *, log: Path):
    """gunicorn serving the portal on a free port of 127.0.0.1 (one worker); yields its base URL."""
    port = free_port()
    with open(log, "ab") as log_file:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "cpp_registry.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:

            def healthy():
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn ended: see {log}")
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                        return response.status == 200
                except OSError:
                    return False

            if not wait_until(healthy, 60, interval=0.2):
                raise RuntimeError(f"gunicorn did not answer: see {log}")
            yield base
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


class Browser:
    """A visitor with cookies, who does not follow redirects (a test looks at them)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect())

    def _open(self, request) -> tuple[int, str, dict]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:  # a redirect or an error page: still an answer
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def get(self, path: str) -> tuple[int, str, dict]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str, dict]:
        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))


def _worker_main(argv: list[str]) -> None:
    options, _dashes, celery_args = argv[0], argv[1], argv[2:]
    from cpp_registry.celery import app

    transport_options = json.loads(options)
    if transport_options:
        app.conf.broker_transport_options = {**(app.conf.broker_transport_options or {}), **transport_options}
    app.worker_main(["worker", *celery_args])


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    _worker_main(sys.argv[2:])
