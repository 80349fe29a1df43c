"""The daily job of §3.3.3: provisional registrations whose 24 months ended are cancelled (and leave the
directory); providers are reminded 90 and 30 days before the end, once each."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from cpp_registry.models import Notice
from cpp_registry.notices import notices_bulk_queue

from ..cache import directory_changed
from ..models import Registration
from .recipients import memberships, provider_notices

EXPIRY_BATCH = 1000
REMINDER_DAYS = ((90, 1), (30, 2))  # days before the end of validity → value of expiry_reminders_sent


@dataclass
class ExpiryResult:
    expired: int = 0
    reminded: int = 0
    notices: int = 0


def _due_rows(queryset: QuerySet[Registration], limit: int) -> list[Registration]:
    """Lock and load up to `limit` rows with their organisation (one query); others' locks are skipped."""
    rows = queryset.select_related("organisation").select_for_update(of=("self",), skip_locked=True)
    return list(rows.order_by("id")[:limit])


def _expire_batch(*, today: datetime.date, now: datetime.datetime, content_type: Any, limit: int) -> tuple[int, int]:
    """Cancel up to `limit` due provisional registrations: one SELECT … FOR UPDATE, one UPDATE, the
    history rows through django-simple-history's bulk API, the StateLog rows in one insert (django-fsm-log
    has no bulk API), and the notices (memberships in one query, then one insert)."""
    due = Registration.objects.filter(status=Registration.Status.PROVISIONAL, valid_until__lt=today)
    rows = _due_rows(due, limit)
    if not rows:
        return 0, 0
    ids = [row.pk for row in rows]
    description = _("The 24-month provisional period ended without a confirmed funded project (§3.3.3).")
    changes = {"status": Registration.Status.CANCELLED_EXPIRED, "ended_on": today, "end_reason": description}
    # One UPDATE with the same values for every row, rather than the library's bulk_update (a CASE per row
    # and field): the rows are locked above, so the state guard is belt and braces.
    Registration.objects.filter(id__in=ids, status=Registration.Status.PROVISIONAL).update(**changes)
    directory_changed()  # a bulk UPDATE sends no post_save: the cached directory must still follow
    for row in rows:
        row.__dict__.update(changes)  # the in-memory copies, for history and notices; never saved
    Registration.history.bulk_history_create(
        rows, update=True, default_date=now, default_change_reason="registrations_expire"
    )
    StateLog.objects.bulk_create(
        [
            StateLog(
                timestamp=now,
                content_type=content_type,
                object_id=row.pk,
                source_state=Registration.Status.PROVISIONAL,
                state=Registration.Status.CANCELLED_EXPIRED,
                transition="expire",
                by=None,
                description=description,
            )
            for row in rows
        ]
    )
    return len(rows), _bulk_registration_notices(rows, template_key="registration_expired", event=lambda r: "expired")


def _bulk_registration_notices(
    rows: list[Registration], *, template_key: str, event: Callable[[Registration], str]
) -> int:
    """Build and insert the notices for many registrations with a fixed number of queries."""
    members = memberships({row.organisation_id for row in rows})
    notices: list[Notice] = []
    for row in rows:
        notices.extend(
            provider_notices(
                organisation=row.organisation,
                users=members.get(row.organisation_id, []),
                template_key=template_key,
                context={"registration": row},
                related=row,
                event=f"registration:{row.pk}:{event(row)}",
            )
        )
    return len(notices_bulk_queue(notices))


def _remind_batch(*, today: datetime.date, limit: int) -> tuple[int, int]:
    """Remind each provisional provider 90 and 30 days before its validity ends, once each: one query
    finds both windows; `expiry_reminders_sent` (1 after the 90-day, 2 after the 30-day reminder) is
    the "done" marker. A registration first seen inside 30 days gets only the 30-day reminder."""
    (days_30, marker_30), (days_90, marker_90) = sorted(REMINDER_DAYS)
    soon = today + datetime.timedelta(days=days_30)
    due = Registration.objects.filter(status=Registration.Status.PROVISIONAL, valid_until__gte=today).filter(
        Q(valid_until__lte=soon, expiry_reminders_sent__lt=marker_30)
        | Q(valid_until__lte=today + datetime.timedelta(days=days_90), expiry_reminders_sent__lt=marker_90)
    )
    rows = _due_rows(due, limit)
    if not rows:
        return 0, 0
    by_marker: dict[int, list[int]] = {}
    days_before: dict[int, int] = {}
    for row in rows:
        assert row.valid_until is not None
        days, marker = (days_30, marker_30) if row.valid_until <= soon else (days_90, marker_90)
        days_before[row.pk] = days
        by_marker.setdefault(marker, []).append(row.pk)
    for marker, ids in by_marker.items():
        Registration.objects.filter(id__in=ids).update(expiry_reminders_sent=marker)
    notices = _bulk_registration_notices(
        rows, template_key="registration_expiry_reminder", event=lambda r: f"reminder{days_before[r.pk]}"
    )
    return len(rows), notices


def registrations_expire(*, today: datetime.date | None = None, batch_size: int = EXPIRY_BATCH) -> ExpiryResult:
    """The daily job (§3.3.3): cancel every provisional registration whose validity has ended — which
    takes it off the directory — and remind providers 90 and 30 days before the end, once each.

    Set-based, in batches of `batch_size` rows, each batch its own transaction: about ten queries per
    batch whatever its size. Selecting by state and by the reminder marker makes a second run on the
    same day find nothing, change nothing and send nothing.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(Registration)
    result = ExpiryResult()
    while True:
        with transaction.atomic():
            expired, notices = _expire_batch(today=today, now=now, content_type=content_type, limit=batch_size)
        result.expired += expired
        result.notices += notices
        if expired < batch_size:
            break
    while True:
        with transaction.atomic():
            reminded, notices = _remind_batch(today=today, limit=batch_size)
        result.reminded += reminded
        result.notices += notices
        if reminded < batch_size:
            break
    return result
