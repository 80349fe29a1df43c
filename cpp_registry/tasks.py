"""Celery tasks of the core. Thin: take ids, call one service."""

import logging
import smtplib

from celery import shared_task

from . import services

log = logging.getLogger(__name__)

RETRY_DELAYS = (5, 20, 60)  # seconds; short, well under the broker's visibility timeout


@shared_task(bind=True, max_retries=len(RETRY_DELAYS), acks_late=True)
def notice_send(self, notice_id):
    """Send one notice. A second delivery of the same task finds it sent and sends nothing."""
    try:
        services.notice_deliver(notice_id=notice_id)
    except (smtplib.SMTPException, OSError) as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=RETRY_DELAYS[self.request.retries]) from exc
        log.warning("notice %s not sent after %s attempts: %s", notice_id, self.request.retries + 1, exc)


@shared_task
def deadlines_enforce():
    """Daily: remind owners a working day before the due day; escalate overdue clocks (SPEC §10)."""
    return services.deadlines_enforce()
