"""Written notices (SPEC §11): rendered from a bilingual template, stored with the change that causes
them, and sent by a Celery task only after that change commits — exactly once.

Templates live in `templates/notices/<key>.subject.txt`, `<key>.txt` and `<key>.html`. Each is rendered
in the recipient's language first and then in the other written language (English ↔ Chinese), so that
every notice reads in both. A Simplified-Chinese reader gets Simplified first, then English.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import Notice

SEPARATOR_TEXT = "\n\n" + "—" * 20 + "\n\n"


def _languages(primary):
    secondary = "en" if primary.startswith("zh") else "zh-hant"
    return primary, secondary


def notice_render(*, template_key, language, context):
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


def _build(*, recipient, template_key, context, related, idempotency_key, email=None, language=None):
    language = language or getattr(recipient, "language", None) or settings.LANGUAGE_CODE
    subject, text, html = notice_render(template_key=template_key, language=language, context=context)
    return Notice(
        recipient=recipient,
        recipient_email=email or recipient.email,
        language=language,
        subject=subject,
        body_text=text,
        body_html=html,
        template_key=template_key,
        content_type=ContentType.objects.get_for_model(related) if related is not None else None,
        object_id=related.pk if related is not None else None,
        idempotency_key=idempotency_key,
    )


def notice_queue(*, recipient, template_key, context, idempotency_key, related=None, email=None, language=None):
    """Write one notice in the caller's transaction and send it after commit.

    The idempotency key names the event (`"registration:12:granted"`): queuing the same event twice
    writes and sends one notice. Returns the notice, or None when it already existed.
    """
    created = notices_bulk_queue(
        [
            _build(
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


def notices_bulk_queue(notices):
    """Insert notices in one statement, skip those whose key exists, and send the new ones after commit."""
    if not notices:
        return []
    keys = [n.idempotency_key for n in notices]
    existing = set(Notice.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    fresh = [n for n in notices if n.idempotency_key not in existing]
    Notice.objects.bulk_create(fresh, ignore_conflicts=True)
    # ignore_conflicts leaves pk unset on some backends: read back the ids of the rows we wrote.
    ids = list(
        Notice.objects.filter(idempotency_key__in=[n.idempotency_key for n in fresh], sent_at__isnull=True).values_list(
            "id", flat=True
        )
    )
    if ids:
        transaction.on_commit(lambda: _dispatch(ids))
    return list(Notice.objects.filter(id__in=ids))


def _dispatch(ids):
    from .tasks import notice_send

    for notice_id in ids:
        notice_send.delay(notice_id)


def build_notice(**kwargs):
    """A notice not yet saved, for `notices_bulk_queue` (jobs build many, then insert them at once)."""
    return _build(**kwargs)


def notice_resend(*, notice):
    """The admin's "resend": clear the error and queue the send again (a sent notice stays sent)."""
    if notice.sent_at:
        return False
    Notice.objects.filter(pk=notice.pk).update(last_error="")
    transaction.on_commit(lambda: _dispatch([notice.pk]))
    return True
