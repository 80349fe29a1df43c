"""SPEC §11: written notices — stored with the change, sent after commit, once, in both languages."""

import smtplib
from datetime import date

import pytest
from django.core import mail
from django.db import transaction
from django.utils.timezone import now

from cpp_registry.models import Notice
from cpp_registry.notices import notice_deliver, notice_queue, notice_resend
from cpp_registry.tasks import notice_send
from directory.models import Organisation

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return Organisation.objects.create(name_en="Green Tech Ltd", name_zh="綠色科技有限公司", br_number="12345678")


def queue(user, org, key="test:1"):
    from cpp_registry.models import Deadline

    clock = Deadline(kind=Deadline.Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), due_day=date(2026, 11, 24))
    clock.subject = org
    return notice_queue(
        recipient=user,
        template_key="deadline_reminder",
        context={"clock": clock},
        related=org,
        idempotency_key=key,
    )


def test_notice_is_sent_only_after_commit(org, django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.hk")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = queue(user, org)
        assert Notice.objects.filter(pk=notice.pk, sent_at__isnull=True).exists()
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["a@example.hk"]


@pytest.mark.django_db(transaction=True)
def test_a_rollback_writes_and_sends_nothing(org):
    user = UserFactory(email="a@example.hk")
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(user, org)
        raise RuntimeError("the change failed")
    assert Notice.objects.count() == 0
    assert mail.outbox == []


def test_the_same_event_twice_writes_one_notice(org, django_capture_on_commit_callbacks):
    user = UserFactory(email="a@example.hk")
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(user, org)
        second = queue(user, org)
    assert first is not None and second is None
    assert Notice.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_second_delivery_of_the_task_sends_nothing(org):
    user = UserFactory(email="a@example.hk")
    notice = queue(user, org)
    notice_send.apply(args=[notice.pk])
    notice_send.apply(args=[notice.pk])
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.attempts == 1


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [
        ("en", "A clock you own falls due", "你負責的時限"),
        ("zh-hant", "你負責的時限", "A clock you own falls due"),
        ("zh-hans", "你负责的时限", "A clock you own falls due"),
    ],
)
def test_bilingual_the_recipients_language_first(org, language, first, second):
    notice = queue(UserFactory(email="a@example.hk", language=language), org)
    body = notice.body_text
    assert first in body and second in body
    assert body.index(first) < body.index(second)
    assert notice.language == language
    assert first in notice.body_html


def test_a_failed_send_is_recorded_and_can_be_resent(org, monkeypatch, django_capture_on_commit_callbacks):
    """An SMTP failure is kept (attempts, last error); the admin's resend sends it once it clears."""
    user = UserFactory(email="a@example.hk")
    notice = queue(user, org)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notice_deliver(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 1
    assert "connection lost" in notice.last_error

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert notice_resend(notice=notice) is True
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.last_error == ""
    assert len(mail.outbox) == 1
    assert notice_resend(notice=notice) is False


def test_the_task_retries_an_smtp_failure_and_sends_once_it_clears(org, monkeypatch):
    """Two refusals, then the server answers: three attempts, one email, the error cleared."""
    from django.core.mail.backends.locmem import EmailBackend

    notice = queue(UserFactory(email="a@example.hk"), org)
    real_send = EmailBackend.send_messages
    refusals = iter([smtplib.SMTPServerDisconnected("down"), smtplib.SMTPServerDisconnected("still down")])

    def flaky(self, messages):
        failure = next(refusals, None)
        if failure:
            raise failure
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    notice_send.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert (notice.attempts, notice.last_error, notice.sent_at is not None) == (3, "", True)
    assert len(mail.outbox) == 1


def test_the_task_gives_up_after_its_retries_and_keeps_the_error(org, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    notice = queue(UserFactory(email="a@example.hk"), org)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    notice_send.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 4  # the first try and three retries
    assert "gone" in notice.last_error
    assert notice.given_up_at is not None and notice.delivery == Notice.Delivery.GIVEN_UP
    assert mail.outbox == []


def test_resend_clears_the_give_up_and_the_error_and_queues_again(org, django_capture_on_commit_callbacks):
    notice = queue(UserFactory(email="a@example.hk"), org)
    Notice.objects.filter(pk=notice.pk).update(attempts=4, last_error="SMTPServerDisconnected: gone", given_up_at=now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert notice_resend(notice=notice) is True
    notice.refresh_from_db()
    assert (notice.given_up_at, notice.last_error, notice.delivery) == (None, "", Notice.Delivery.SENDING)
    assert notice.queued_at > notice.created_at
    assert len(callbacks) == 1
    callbacks[0]()
    notice.refresh_from_db()
    assert notice.delivery == Notice.Delivery.SENT and len(mail.outbox) == 1


def test_the_admin_tells_pending_sending_sent_and_given_up_apart(org, client):
    from cpp_registry.roles import Role

    from .factories import staff_user

    states = {
        "pending": {},
        "sending": {"attempts": 1, "last_error": "SMTPServerDisconnected: down"},
        "sent": {"attempts": 1, "sent_at": now()},
        "given_up": {"attempts": 4, "last_error": "SMTPServerDisconnected: gone", "given_up_at": now()},
    }
    ids = {}
    for state, fields in states.items():
        notice = queue(UserFactory(email=f"{state}@example.hk"), org, key=f"test:{state}")
        Notice.objects.filter(pk=notice.pk).update(**fields)
        ids[state] = notice.pk
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    for state, pk in ids.items():
        response = client.get(f"/en/admin/core/notice/?delivery={state}")
        assert [n.pk for n in response.context["cl"].result_list] == [pk], state
        assert Notice.objects.get(pk=pk).delivery == state
    page = client.get("/en/admin/core/notice/").content.decode()
    for label in ("Pending", "Sending", "Sent", "Given up"):
        assert f'<td class="field-delivery">{label}</td>' in page
    detail = client.get(f"/en/admin/core/notice/{ids['given_up']}/change/").content.decode()
    assert "Given up" in detail and "SMTPServerDisconnected: gone" in detail


def test_the_core_imports_in_no_circle():
    """Issue 7 §2: notices → tasks → services → notices was a circle; no module of the core imports in
    one (imports inside functions count too: they are how a circle hides)."""
    import ast
    from pathlib import Path

    import cpp_registry

    root = Path(cpp_registry.__file__).parent
    modules = {path.stem: path for path in root.glob("*.py") if path.stem != "__init__"}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 or node.module == "cpp_registry" or (node.module or "").startswith("cpp_registry."):
                    base = (node.module or "").removeprefix("cpp_registry").lstrip(".")
                    if base:
                        targets.add(base.split(".")[0])
                    else:
                        targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(
                    alias.name.split(".")[1] for alias in node.names if alias.name.startswith("cpp_registry.")
                )
        graph[name] = targets & set(modules) - {name}

    def cycle_from(start, node, path):
        for target in graph[node]:
            if target == start:
                return [*path, target]
            if target not in path:
                found = cycle_from(start, target, [*path, target])
                if found:
                    return found
        return None

    assert "services" in graph["tasks"] and "notices" in graph["services"]  # the walk sees real imports
    for name in graph:
        assert cycle_from(name, name, [name]) is None, " → ".join(cycle_from(name, name, [name]))
