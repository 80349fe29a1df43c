"""Celery tasks of the register. Thin: call one service."""

from celery import shared_task

from . import services


@shared_task
def registrations_expire():
    """Daily, just after midnight Hong Kong time (cpp_registry/celery.py): §3.3.3 expiry and the 90- and
    30-day reminders. Safe to run twice."""
    result = services.registrations_expire()
    return {"expired": result.expired, "reminded": result.reminded, "notices": result.notices}
