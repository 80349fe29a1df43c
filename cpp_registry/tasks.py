"""Celery tasks of the core. Thin: take ids, call one service.

`notice_send` lives beside the notices it sends (cpp_registry/notices.py) under its old name
`cpp_registry.tasks.notice_send`; it is imported here so that autodiscovery registers it."""

from celery import shared_task

from . import notices, services
from .notices import notice_send, notices_send

__all__ = ["deadlines_enforce", "notice_send", "notices_send", "notices_sweep"]


@shared_task
def deadlines_enforce() -> dict[str, int]:
    """Daily: remind owners a working day before the due day; escalate overdue clocks (docs/rules.md, clocks)."""
    return services.deadlines_enforce()


@shared_task
def notices_sweep() -> int:
    """Every 5 minutes: queue again the notices committed but never handed to the worker (§4.1.4, §6.1.1–6.1.4)."""
    return notices.notices_sweep()
