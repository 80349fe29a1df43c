"""Written notices (§4.1.4, §6.1.1–6.1.4): rendered from a bilingual template, stored with the change that causes
them, and sent by a Celery task only after that change commits — exactly once.

Templates live in `templates/notices/<key>.subject.txt`, `<key>.txt` and `<key>.html`. Each is rendered
in the recipient's language first and then in the other written language (English ↔ Chinese), so that
every notice reads in both. A Simplified-Chinese reader gets Simplified first, then English.

Delivery: the notice row is written in the change's transaction with `queued_at`, and the task
`notice_send` is queued when that transaction commits. A notice that never reaches the worker (the process
died between the commit and the hand-over, the broker was down) stays unsent with an old `queued_at`; the
sweep (`notices_sweep`, every 5 minutes and `manage.py notices_sweep`) queues it again. However often a
notice is queued, `notice_deliver` sends it once: it locks the row and sends only an unsent one.
"""

import logging
import smtplib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notice, User

log = logging.getLogger(__name__)

SEPARATOR_TEXT = "\n\n" + "—" * 20 + "\n\n"
RETRY_DELAYS = (5, 20, 60)  # seconds; short, well under the broker's visibility timeout
SWEEP_AFTER_MINUTES = 5  # default of settings.NOTICES_SWEEP_AFTER_MINUTES


def _languages(primary: str) -> tuple[str, str]:
    secondary = "en" if primary.startswith("zh") else "zh-hant"
    return primary, secondary


def notice_render(*, template_key: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of one notice in `language` then the other language."""
    context = {"portal_url": settings.PORTAL_BASE_URL, **context}
    parts = []
    for code in _languages(language):
        with translation.override(code):
            parts.append(
                (
                    render_to_string(f"notices/{template_key}.subject.txt", context).strip(),
                    render_to_string(f"notices/{template_key}.txt", context).strip(),
                    render_to_string(f"notices/{template_key}.html", context).strip(),
                )
            )
    (subject_1, text_1, html_1), (subject_2, text_2, html_2) = parts
    subject = f"{subject_1} | {subject_2}"[:300]
    html = render_to_string(
        "notices/_layout.html", {"first": html_1, "second": html_2, "language": language, "subject": subject}
    )
    return subject, text_1 + SEPARATOR_TEXT + text_2 + "\n", html


def build_notice(
    *,
    recipient: User | None,
    template_key: str,
    context: Mapping[str, Any],
    idempotency_key: str,
    related: models.Model | None = None,
    email: str | None = None,
    language: str | None = None,
) -> Notice:
    """A notice not yet saved, for `notices_bulk_queue` (jobs build many, then insert them at once).

    Without a recipient (an organisation's own address), `email` and `language` say where and how."""
    language = language or getattr(recipient, "language", None) or settings.LANGUAGE_CODE
    subject, text, html = notice_render(template_key=template_key, language=language, context=context)
    address = email or (recipient.email if recipient is not None else "")
    return Notice(
        recipient=recipient,
        recipient_email=address,
        language=language,
        subject=subject,
        body_text=text,
        body_html=html,
        template_key=template_key,
        content_type=ContentType.objects.get_for_model(related) if related is not None else None,
        object_id=related.pk if related is not None else None,
        idempotency_key=idempotency_key,
    )


def build_deferred_notice(
    *,
    recipient: User | None,
    template_key: str,
    context: Mapping[str, Any],
    idempotency_key: str,
    content_type: ContentType | None = None,
    object_id: int | None = None,
    email: str | None = None,
    language: str | None = None,
) -> Notice:
    """A notice whose subject and bodies are rendered by the worker when it sends it (a job writing
    thousands at once). `context` must be JSON: plain values fixed now, so that what is sent later is what
    the event said (the template reads them as they are — no model instance, no query)."""
    language = language or getattr(recipient, "language", None) or settings.LANGUAGE_CODE
    return Notice(
        recipient=recipient,
        recipient_email=email or (recipient.email if recipient is not None else ""),
        language=language,
        template_key=template_key,
        context=dict(context),
        content_type=content_type,
        object_id=object_id,
        idempotency_key=idempotency_key,
    )


def role_notices(
    *,
    roles: Sequence[str],
    template_key: str,
    context: Mapping[str, Any],
    related: models.Model | None,
    event: str,
) -> list[Notice]:
    """One notice to each active member of the given roles (the Secretariat's teams): something waits for
    them — an applicant's answer, a case recorded, a provider's corrective action."""
    people = User.objects.filter(groups__name__in=list(roles), is_active=True).distinct().order_by("pk")
    return [
        build_notice(
            recipient=person,
            template_key=template_key,
            context=context,
            related=related,
            idempotency_key=f"{event}:user{person.pk}",
        )
        for person in people
    ]


def notice_queue(
    *,
    recipient: User | None,
    template_key: str,
    context: Mapping[str, Any],
    idempotency_key: str,
    related: models.Model | None = None,
    email: str | None = None,
    language: str | None = None,
) -> Notice | None:
    """Write one notice in the caller's transaction and send it after commit.

    The idempotency key names the event (`"registration:12:granted"`): queuing the same event twice
    writes and sends one notice. Returns the notice, or None when it already existed.
    """
    created = notices_bulk_queue(
        [
            build_notice(
                recipient=recipient,
                template_key=template_key,
                context=context,
                related=related,
                idempotency_key=idempotency_key,
                email=email,
                language=language,
            )
        ]
    )
    return created[0] if created else None


def notices_bulk_queue(notices: Sequence[Notice]) -> list[Notice]:
    """Insert notices in one statement, skip those whose key exists, and send the new ones after commit."""
    if not notices:
        return []
    keys = [n.idempotency_key for n in notices]
    existing = set(Notice.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    fresh = [n for n in notices if n.idempotency_key not in existing]
    now = timezone.now()
    for notice in fresh:
        notice.queued_at = now
    Notice.objects.bulk_create(fresh, ignore_conflicts=True)
    # ignore_conflicts leaves pk unset on some backends: read back the rows we wrote.
    created = list(
        Notice.objects.filter(idempotency_key__in=[n.idempotency_key for n in fresh], sent_at__isnull=True).only(
            "pk", "idempotency_key", "recipient_email", "template_key"
        )
    )
    dispatch_on_commit([notice.pk for notice in created])
    return created


BATCH = 100  # notices a task sends in one go when many are queued at once (a job, the sweep)


def dispatch_on_commit(ids: Sequence[int]) -> None:
    """Hand notices to the worker once the transaction commits: one task per notice for the few an event
    writes, one task per BATCH for the thousands a job writes (a message per notice would be most of the
    job's time). Either way each notice is sent once: the row lock in `notice_deliver`."""
    ids = list(ids)
    if len(ids) <= 10:
        for notice_id in ids:
            notice_send.delay_on_commit(notice_id)
        return
    for start in range(0, len(ids), BATCH):
        notices_send.delay_on_commit(ids[start : start + BATCH])


def notice_resend(*, notice: Notice) -> bool:
    """The admin's "resend": clear the error and the give-up and queue the send again (a sent notice
    stays sent). Returns whether it was queued."""
    queued = Notice.objects.filter(pk=notice.pk, sent_at__isnull=True).update(
        last_error="", given_up_at=None, queued_at=timezone.now()
    )
    if queued:
        notice_send.delay_on_commit(notice.pk)
    return bool(queued)


def notice_deliver(*, notice_id: int) -> bool:
    """Send one stored notice, once. The row is locked while sending so that two deliveries of the task
    cannot both send; a failure is recorded (attempts, last error) and re-raised for the task to retry."""
    error = None
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id, sent_at__isnull=True).first()
        if notice is None:
            return False
        if not notice.body_text:  # deferred: rendered now, from the values fixed at the event, and kept
            notice.subject, notice.body_text, notice.body_html = notice_render(
                template_key=notice.template_key, language=notice.language, context=notice.context
            )
            Notice.objects.filter(pk=notice.pk).update(
                subject=notice.subject, body_text=notice.body_text, body_html=notice.body_html
            )
        message = EmailMultiAlternatives(subject=notice.subject, body=notice.body_text, to=[notice.recipient_email])
        message.extra_headers["X-Notice-Key"] = notice.idempotency_key  # the event it tells of, in every copy sent
        if notice.body_html:
            message.attach_alternative(notice.body_html, "text/html")
        try:
            message.send()
        except Exception as exc:  # recorded here, re-raised below for the task to judge
            error = exc
        now = timezone.now()
        if error:
            # Handed over again: the task's retry is on its way, so the sweep leaves this one alone.
            Notice.objects.filter(pk=notice.pk).update(
                attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000], queued_at=now
            )
        else:
            Notice.objects.filter(pk=notice.pk).update(attempts=F("attempts") + 1, sent_at=now, last_error="")
    if error:
        raise error
    return True


def notice_give_up(*, notice_id: int) -> bool:
    """The task stopped retrying: keep the error, mark the notice given up (the sweep leaves it; the
    admin's resend tries again)."""
    return bool(
        Notice.objects.filter(pk=notice_id, sent_at__isnull=True, given_up_at__isnull=True).update(
            given_up_at=timezone.now()
        )
    )


def sweep_after() -> timedelta:
    """How long an unsent notice waits after its hand-over before the sweep queues it again."""
    return timedelta(minutes=getattr(settings, "NOTICES_SWEEP_AFTER_MINUTES", SWEEP_AFTER_MINUTES))


@transaction.atomic
def notices_sweep(*, now: datetime | None = None) -> int:
    """Queue again every notice committed but lost on its way to the worker: unsent, not given up, handed
    over longer ago than `sweep_after()`. Two queries however many there are (one UPDATE, one read of the
    rows it stamped); a row being sent right now is locked and skipped. Safe at any moment, twice, or beside
    the normal path: a notice queued twice is still sent once (`notice_deliver`). Returns how many."""
    now = now or timezone.now()
    lost = (
        Notice.objects.filter(sent_at__isnull=True, given_up_at__isnull=True, queued_at__lt=now - sweep_after())
        .order_by()
        .select_for_update(skip_locked=True)
        .values("pk")
    )
    if not Notice.objects.filter(pk__in=lost).update(queued_at=now):
        return 0
    ids = list(
        Notice.objects.filter(queued_at=now, sent_at__isnull=True, given_up_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    dispatch_on_commit(ids)
    return len(ids)


# The name is the task's old home (cpp_registry.tasks), so that tasks already in the broker keep running.
@shared_task(
    base=DjangoTask, bind=True, name="cpp_registry.tasks.notice_send", max_retries=len(RETRY_DELAYS), acks_late=True
)
def notice_send(self: DjangoTask, notice_id: int) -> None:
    """Send one notice. A second delivery of the same task finds it sent and sends nothing. SMTP and
    network errors are retried after 5, 20 and 60 s; then the notice is given up, its error kept."""
    try:
        notice_deliver(notice_id=notice_id)
    except (smtplib.SMTPException, OSError) as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=RETRY_DELAYS[self.request.retries]) from exc
        notice_give_up(notice_id=notice_id)
        log.warning("notice %s given up after %s attempts: %s", notice_id, self.request.retries + 1, exc)


@shared_task(base=DjangoTask, name="cpp_registry.tasks.notices_send", acks_late=True)
def notices_send(notice_ids: list[int]) -> int:
    """Send a batch of notices (a job's). A notice that fails is handed to `notice_send`, which retries it
    after 5, 20 and 60 s and then gives it up; the others go on. Returns how many were sent."""
    sent = 0
    for notice_id in notice_ids:
        try:
            sent += notice_deliver(notice_id=notice_id)
        except (smtplib.SMTPException, OSError) as exc:
            log.info("notice %s failed in a batch (%s); retried on its own", notice_id, exc)
            notice_send.apply_async((notice_id,), countdown=RETRY_DELAYS[0])
    return sent
