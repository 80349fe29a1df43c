"""The daily job of §3.3.3: provisional registrations whose 24 months ended are cancelled (and leave the
directory); providers are reminded 90 and 30 days before the end, once each."""

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from cpp_registry.models import Notice, User
from cpp_registry.notices import dispatch_on_commit

from ..cache import directory_changed
from ..models import Organisation, Registration
from .listing import organisations_reconcile, organisations_relist

EXPIRY_BATCH = 1000
REMINDER_DAYS = ((90, 1), (30, 2))  # days before the end of validity → value of expiry_reminders_sent


@dataclass
class ExpiryResult:
    expired: int = 0
    reminded: int = 0
    notices: int = 0


# The statements below take lists of ids: PostgreSQL reads them as arrays, any other database (SQLite, for
# `make run`) as a JSON list through json_each — the same rows either way.
def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _ids_table(param: str) -> str:
    """A table of one column `id` from the bound list `param` (a placeholder such as `%s`)."""
    if _postgres():
        return f"unnest({param}::bigint[]) AS t(id)"
    return f"(SELECT CAST(value AS INTEGER) AS id FROM json_each({param})) AS t"  # noqa: S608 (a placeholder, no value)


def _ids(ids: list[int]) -> Any:
    return ids if _postgres() else json.dumps(ids)


def _due_rows(queryset: QuerySet[Registration], *, after: int, limit: int) -> list[Registration]:
    """Lock and load the next `limit` rows after id `after` (one query); others' locks are skipped.

    Each batch starts where the last one ended: from the first id again, the scan would step over every
    row already done (no longer due, yet still in the id order) — 100 batches of 100,000 rows read
    5 million rows to find 100,000."""
    rows = queryset.filter(id__gt=after).select_for_update(skip_locked=True).only("id", "valid_until")
    return list(rows.order_by("id")[:limit])


def _history_copy(*, ids: list[int], now: datetime.datetime) -> None:
    """The history rows `Registration.history.bulk_history_create(rows, update=True, …)` writes — every
    tracked field, "~", no user (a job), the job's name as the reason — copied by the database from the
    rows just updated: the library's call builds a model instance per row, which at 100,000 rows was half
    of the job's time."""
    history = Registration.history.model
    columns = ", ".join(connection.ops.quote_name(field.column) for field in history.tracked_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {history._meta.db_table}
                ({columns}, history_date, history_change_reason, history_type, history_user_id)
                SELECT {columns}, %s, %s, '~', NULL FROM {Registration._meta.db_table}
                WHERE id IN (SELECT id FROM {_ids_table("%s")}) ORDER BY id""",  # noqa: S608 (names from the models, values bound)
            [now, "registrations_expire", _ids(ids)],
        )


def _expire_batch(
    *, today: datetime.date, now: datetime.datetime, content_type: Any, after: int, limit: int
) -> tuple[list[int], int]:
    """Cancel up to `limit` due provisional registrations: one SELECT … FOR UPDATE, one UPDATE, the
    history rows, the StateLog rows and the notices each in one INSERT … SELECT: set-based, nothing built
    row by row in Python (see `_history_copy` and `_bulk_registration_notices`)."""
    due = Registration.objects.filter(status=Registration.Status.PROVISIONAL, valid_until__lt=today)
    ids = [row.pk for row in _due_rows(due, after=after, limit=limit)]
    if not ids:
        return [], 0
    description = _("The 24-month provisional period ended without a confirmed funded project (§3.3.3).")
    changes = {"status": Registration.Status.CANCELLED_EXPIRED, "ended_on": today, "end_reason": description}
    # One UPDATE with the same values for every row, rather than the library's bulk_update (a CASE per row
    # and field): the rows are locked above, so the state guard is belt and braces.
    Registration.objects.filter(id__in=ids, status=Registration.Status.PROVISIONAL).update(**changes)
    # A bulk UPDATE sends no post_save: the directory's listing and its cached pages must still follow.
    organisations_relist(
        Organisation.objects.filter(pk__in=Registration.objects.filter(id__in=ids).values("organisation_id"))
    )
    directory_changed()
    _history_copy(ids=ids, now=now)
    # The StateLog rows as `fsm_log` writes them for a transition (django-fsm-log has no bulk API), built
    # by the database from the ids: 1,000 model instances were a tenth of the job's time.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {StateLog._meta.db_table}
                (timestamp, content_type_id, object_id, source_state, state, transition, by_id, description)
                SELECT %s, %s, id, %s, %s, 'expire', NULL, %s FROM {_ids_table("%s")}""",  # noqa: S608 (names from the models, values bound)
            [
                now,
                content_type.pk,
                str(Registration.Status.PROVISIONAL),
                str(Registration.Status.CANCELLED_EXPIRED),
                description,
                _ids(ids),
            ],
        )
    notices = _bulk_registration_notices(
        dict.fromkeys(ids, "expired"), template_key="registration_expired", content_type=content_type, now=now
    )
    return ids, notices


# Deferred notices about many registrations, written by the database in one statement. The recipients are
# those of `recipients.provider_notices` — every active user acting for the organisation, in their own
# language, or, with none, the organisation's own address in Chinese first — and so are the idempotency
# keys (`registration:<id>:<event>:user<id>` / `…:org`): a notice already written is skipped by ON
# CONFLICT, and a second run writes and sends nothing. The context holds plain values fixed now, from which
# the worker renders the notice when it sends it (`notice_deliver`); nothing is rendered here.
_NOTICES_SQL = """
WITH due AS (
    SELECT r.id, t.event, r.number, r.category, r.valid_until,
           o.id AS organisation_id, o.name_en, o.name_zh, o.email
    FROM {pairs}
    JOIN {registration} r ON r.id = t.id
    JOIN {organisation} o ON o.id = r.organisation_id
), members AS (
    SELECT m.organisation_id, u.id AS user_id, u.email, u.language
    FROM {members} m JOIN {user} u ON u.id = m.user_id AND u.is_active
    WHERE m.organisation_id IN (SELECT organisation_id FROM due)
), recipients AS (
    SELECT due.*, members.user_id, members.email AS address, members.language, 'user' || members.user_id AS who
    FROM due JOIN members ON members.organisation_id = due.organisation_id
    UNION ALL
    SELECT due.*, NULL, due.email, 'zh-hant', 'org' FROM due
    WHERE due.email <> '' AND NOT EXISTS (SELECT 1 FROM members WHERE members.organisation_id = due.organisation_id)
)
INSERT INTO {notice} (
    recipient_id, recipient_email, language, subject, body_text, body_html, template_key, context,
    content_type_id, object_id, idempotency_key, created_at, queued_at, attempts, last_error
)
SELECT user_id, address, language, '', '', '', %(template_key)s,
       {json_object}(
           'registration_number', coalesce(number, ''),
           'organisation_name_en', name_en,
           'organisation_name_zh', name_zh,
           'category_code', category,
           'valid_until', {valid_until}
       ),
       %(content_type)s, id, 'registration:' || id || ':' || event || ':' || who, %(now)s, %(now)s, 0, ''
FROM recipients WHERE true ORDER BY id, who
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id
"""


def _bulk_registration_notices(
    events: dict[int, str], *, template_key: str, content_type: Any, now: datetime.datetime
) -> int:
    """Write the deferred notices for many registrations ({registration id: event}) in one statement and
    hand the new ones to the worker after commit. Returns how many were written."""
    sql = _NOTICES_SQL.format(
        registration=Registration._meta.db_table,
        organisation=Organisation._meta.db_table,
        members=Organisation.users.through._meta.db_table,
        user=User._meta.db_table,
        notice=Notice._meta.db_table,
        **(
            {
                "pairs": "unnest(%(ids)s::bigint[], %(events)s::text[]) AS t(id, event)",
                "json_object": "jsonb_build_object",
                "valid_until": "to_char(valid_until, 'YYYY-MM-DD')",
            }
            if _postgres()
            else {  # SQLite keeps a date as its ISO text; WHERE true above keeps its parser off ON CONFLICT
                "pairs": "(SELECT CAST(a.value AS INTEGER) AS id, b.value AS event FROM json_each(%(ids)s) a"
                " JOIN json_each(%(events)s) b ON b.key = a.key) AS t",
                "json_object": "json_object",
                "valid_until": "valid_until",
            }
        ),
    )
    params = {
        "ids": _ids(list(events)),
        "events": list(events.values()) if _postgres() else json.dumps(list(events.values())),
        "template_key": template_key,
        "content_type": content_type.pk,
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = [notice_id for (notice_id,) in cursor.fetchall()]
    dispatch_on_commit(created)
    return len(created)


def _remind_batch(*, today: datetime.date, content_type: Any, after: int, limit: int) -> tuple[list[int], int]:
    """Remind each provisional provider 90 and 30 days before its validity ends, once each: one query
    finds both windows; `expiry_reminders_sent` (1 after the 90-day, 2 after the 30-day reminder) is
    the "done" marker. A registration first seen inside 30 days gets only the 30-day reminder."""
    (days_30, marker_30), (days_90, marker_90) = sorted(REMINDER_DAYS)
    soon = today + datetime.timedelta(days=days_30)
    due = Registration.objects.filter(status=Registration.Status.PROVISIONAL, valid_until__gte=today).filter(
        Q(valid_until__lte=soon, expiry_reminders_sent__lt=marker_30)
        | Q(valid_until__lte=today + datetime.timedelta(days=days_90), expiry_reminders_sent__lt=marker_90)
    )
    rows = _due_rows(due, after=after, limit=limit)
    if not rows:
        return [], 0
    by_marker: dict[int, list[int]] = {}
    days_before: dict[int, int] = {}
    for row in rows:
        assert row.valid_until is not None
        days, marker = (days_30, marker_30) if row.valid_until <= soon else (days_90, marker_90)
        days_before[row.pk] = days
        by_marker.setdefault(marker, []).append(row.pk)
    for marker, marked in by_marker.items():
        Registration.objects.filter(id__in=marked).update(expiry_reminders_sent=marker)
    notices = _bulk_registration_notices(
        {row.pk: f"reminder{days_before[row.pk]}" for row in rows},
        template_key="registration_expiry_reminder",
        content_type=content_type,
        now=timezone.now(),
    )
    return [row.pk for row in rows], notices


def registrations_expire(*, today: datetime.date | None = None, batch_size: int = EXPIRY_BATCH) -> ExpiryResult:
    """The daily job (§3.3.3): cancel every provisional registration whose validity has ended — which
    takes it off the directory — and remind providers 90 and 30 days before the end, once each.

    Set-based, in batches of `batch_size` rows in id order, each batch its own transaction: seven queries
    an expiry batch (one of them the organisations' listing) and three a reminder batch whatever its size,
    nothing rendered (the notices are deferred: the worker renders each when it sends it); then one check
    of every organisation's listing. Selecting by state and by the reminder marker makes a second run on
    the same day find nothing, change nothing and send nothing.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(Registration)
    result = ExpiryResult()
    after = 0
    while True:
        with transaction.atomic():
            ids, notices = _expire_batch(today=today, now=now, content_type=content_type, after=after, limit=batch_size)
        result.expired += len(ids)
        result.notices += notices
        if len(ids) < batch_size:
            break
        after = ids[-1]
    after = 0
    while True:
        with transaction.atomic():
            ids, notices = _remind_batch(today=today, content_type=content_type, after=after, limit=batch_size)
        result.reminded += len(ids)
        result.notices += notices
        if len(ids) < batch_size:
            break
        after = ids[-1]
    # Once a day, every organisation's directory listing checked against its registrations (listing.py).
    with transaction.atomic():
        organisations_reconcile()
    return result
