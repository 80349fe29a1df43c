"""Writes to the register. Each service is atomic, locks what it changes, logs the transition (who,
when, from, to, why — django-fsm-log) and queues its written notice, sent only after commit.

Views, the admin, the import command and the Celery tasks call these functions; none of them changes a
registration by itself.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm_log.models import StateLog

from cpp_registry import deadlines, workdays
from cpp_registry.models import Deadline
from cpp_registry.notices import build_notice, notices_bulk_queue

from .cache import directory_changed
from .models import CONTACT_FIELDS, Category, ContactChangeRequest, FundedProject, Organisation, Registration, Warning

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this organisation after you opened it. Nothing was saved: reload the page to see "
    "their changes, then make yours again."
)


class RegisterError(Exception):
    """A request the register refuses; the message is translated and safe to show."""


def provider_notices(*, organisation, template_key, context, related, event):
    """One notice per user acting for the organisation, or one to its email when it has none."""
    users = list(organisation.users.filter(is_active=True))
    return _notices_for(
        organisation=organisation,
        users=users,
        template_key=template_key,
        context=context,
        related=related,
        event=event,
    )


def _notices_for(*, organisation, users, template_key, context, related, event):
    context = {"organisation": organisation, **context}
    if users:
        return [
            build_notice(
                recipient=user,
                template_key=template_key,
                context=context,
                related=related,
                idempotency_key=f"{event}:user{user.pk}",
            )
            for user in users
        ]
    if organisation.email:
        return [
            build_notice(
                recipient=None,
                email=organisation.email,
                language="zh-hant",
                template_key=template_key,
                context=context,
                related=related,
                idempotency_key=f"{event}:org",
            )
        ]
    return []


def _locked(registration):
    return Registration.objects.select_for_update().select_related("organisation").get(pk=registration.pk)


def _apply(registration, method_name, *, actor, reason, allowed_from):
    """Call one transition on a locked fresh copy; a wrong state is refused with a clear message."""
    registration = _locked(registration)
    if registration.status not in allowed_from:
        raise RegisterError(
            _("This registration is %(status)s; that change is not possible from this state.")
            % {"status": registration.get_status_display()}
        )
    getattr(registration, method_name)(by=actor, description=reason or None)
    return registration


def _notify(registration, template_key, event, **context):
    notices_bulk_queue(
        provider_notices(
            organisation=registration.organisation,
            template_key=template_key,
            context={"registration": registration, **context},
            related=registration,
            event=f"registration:{registration.pk}:{event}",
        )
    )


@transaction.atomic
def registration_grant(*, organisation, category, actor=None, granted_on=None, reason="", notify=True):
    """§3.3.1, §4.1.4: grant a provisional registration, valid for 24 months; listed at once (§5.1.2).

    `notify=False` is for the import of the existing register (§3.2.1): those providers are not told
    again that they are registered.
    """
    granted_on = granted_on or timezone.localdate()
    if category not in Category.values:
        raise RegisterError(_("Choose category 1 or 2."))
    # Lock the organisation so that two grants of the same category cannot race past the check.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if Registration.objects.live().filter(organisation=organisation, category=category).exists():
        raise RegisterError(_("This organisation already holds a live registration in that category."))
    registration = Registration(
        organisation=organisation,
        category=category,
        status=Registration.Status.PROVISIONAL,
        granted_on=granted_on,
        valid_until=workdays.provisional_valid_until(granted_on),
    )
    registration._history_user = actor
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:
        raise RegisterError(_("This organisation already holds a live registration in that category.")) from exc
    StateLog.objects.create(
        content_type=ContentType.objects.get_for_model(Registration),
        object_id=registration.pk,
        source_state=None,
        state=registration.status,
        transition="grant",
        by=actor,
        description=reason or None,
    )
    if notify:
        _notify(registration, "registration_granted", "granted")
    return registration


@dataclass
class ConfirmResult:
    """What approving a final report did (§3.3.2), and in words the staff member reads."""

    confirmed: list = field(default_factory=list)
    message: str = ""


@transaction.atomic
def registration_confirm(*, registration, actor, on=None, project=None, reason=""):
    """§3.3.2: confirm a provisional registration when, within its validity, a funded project's final
    report was approved. Refused (RegisterError, nothing changed) after the validity has ended."""
    on = on or timezone.localdate()
    registration = _locked(registration)
    if registration.status != Registration.Status.PROVISIONAL:
        raise RegisterError(
            _("This registration is %(status)s; only a provisional registration can be confirmed.")
            % {"status": registration.get_status_display()}
        )
    if on < registration.granted_on or (registration.valid_until and on > registration.valid_until):
        raise RegisterError(
            _(
                "Approved on %(on)s, outside the provisional period %(granted)s to %(until)s: "
                "the registration is not confirmed (§3.3.2)."
            )
            % {
                "on": on.isoformat(),
                "granted": registration.granted_on.isoformat(),
                "until": registration.valid_until.isoformat() if registration.valid_until else "—",
            }
        )
    if not reason:
        reason = (
            _("Final report of funded project %(ref)s approved on %(on)s (§3.3.2).")
            % {"ref": project.reference, "on": on.isoformat()}
            if project
            else _("Confirmed on %(on)s (§3.3.2).") % {"on": on.isoformat()}
        )
    registration.confirm(by=actor, description=reason)
    registration.confirmed_on = on
    registration._history_user = actor
    registration.save()
    _notify(registration, "registration_confirmed", "confirmed", project=project)
    return registration


@transaction.atomic
def registration_import_confirmed(*, registration, actor, on, reason):
    """§3.2.1: a registration the existing register holds as confirmed is imported as confirmed, on the
    date the register gives; no notice (the provider already knows)."""
    registration = _apply(
        registration, "confirm", actor=actor, reason=reason, allowed_from=(Registration.Status.PROVISIONAL,)
    )
    registration.confirmed_on = on
    registration._history_user = actor
    registration.save()
    return registration


@transaction.atomic
def funded_project_report_decide(*, project, actor, approved, on=None, note=""):
    """Record the Secretariat's decision on a funded project's final report (§3.3.2).

    An approval within the validity of the provider's provisional registration of the role's category
    confirms it — and, for a Category 2 role, the provisional Category 1 registration as well when held
    (SPEC §6, decision). An approval after the validity is recorded but confirms nothing; the returned
    message tells the staff member why.
    """
    on = on or timezone.localdate()
    project = FundedProject.objects.select_for_update().select_related("provider").get(pk=project.pk)
    if project.report_status in (FundedProject.ReportStatus.APPROVED, FundedProject.ReportStatus.REJECTED):
        raise RegisterError(
            _("The final report of %(ref)s was already %(status)s on %(on)s.")
            % {
                "ref": project.reference,
                "status": project.get_report_status_display().lower(),
                "on": project.report_decided_on.isoformat() if project.report_decided_on else "—",
            }
        )
    if project.started_on and on < project.started_on:
        raise RegisterError(_("A final report cannot be decided before the project started."))
    project.report_status = FundedProject.ReportStatus.APPROVED if approved else FundedProject.ReportStatus.REJECTED
    project.report_decided_on = on
    project.report_decided_by = actor
    project.report_note = note
    project._history_user = actor
    project.save()

    result = ConfirmResult()
    if not approved:
        result.message = _("The final report of %(ref)s is rejected; no registration changes.") % {
            "ref": project.reference
        }
        return result

    categories = [project.role_category]
    if project.role_category == Category.CONSULTANCY_ENGINEERING:
        categories.append(Category.CONSULTANCY)
    reasons = []
    for category in categories:
        registration = (
            Registration.objects.filter(organisation=project.provider, category=category)
            .order_by("-granted_on", "-id")
            .first()
        )
        label = Category(category).label
        if registration is None:
            if category == project.role_category:
                reasons.append(_("%(category)s: the provider holds no registration.") % {"category": label})
            continue
        if registration.status == Registration.Status.CONFIRMED:
            reasons.append(_("%(category)s: already confirmed.") % {"category": label})
            continue
        ended = registration.valid_until and on > registration.valid_until
        if registration.status not in (Registration.Status.PROVISIONAL, Registration.Status.CANCELLED_EXPIRED):
            ended = False
        if not ended and registration.status != Registration.Status.PROVISIONAL:
            reasons.append(
                _("%(category)s: the registration is %(status)s and cannot be confirmed.")
                % {"category": label, "status": registration.get_status_display()}
            )
            continue
        if ended:
            reasons.append(
                _(
                    "%(category)s: approved on %(on)s, after the provisional registration ended on %(until)s; "
                    "it is not confirmed (§3.3.2, §3.3.3)."
                )
                % {"category": label, "on": on.isoformat(), "until": registration.valid_until.isoformat()}
            )
            continue
        result.confirmed.append(registration_confirm(registration=registration, actor=actor, on=on, project=project))
    parts = []
    if result.confirmed:
        parts.append(
            _("Final report approved; confirmed: %(categories)s (§3.3.2).")
            % {"categories": ", ".join(r.get_category_display() for r in result.confirmed)}
        )
    else:
        parts.append(_("Final report approved; no registration is confirmed."))
    parts.extend(reasons)
    result.message = " ".join(str(p) for p in parts)
    return result


def _end(registration, method_name, *, actor, reason, on, allowed_from, template_key, event, **extra):
    registration = _apply(registration, method_name, actor=actor, reason=reason, allowed_from=allowed_from)
    registration.ended_on = on or timezone.localdate()
    registration.end_reason = reason
    for name, value in extra.items():
        setattr(registration, name, value)
    registration._history_user = actor
    registration.save()
    _notify(registration, template_key, event, reason=reason)
    return registration


def _require_reason(reason):
    if not (reason or "").strip():
        raise RegisterError(_("Give the reason; it is kept in the register's history and sent to the provider."))


@transaction.atomic
def registration_cancel_substandard(*, registration, actor, reason, on=None):
    """§3.3.4: cancel a provisional registration whose project report or service fell short; a new
    application from the organisation needs the PMC's view."""
    _require_reason(reason)
    return _end(
        registration,
        "cancel_substandard",
        actor=actor,
        reason=reason,
        on=on,
        allowed_from=(Registration.Status.PROVISIONAL,),
        template_key="registration_cancelled_substandard",
        event="cancelled_substandard",
        needs_pmc_view=True,
    )


@transaction.atomic
def registration_withdraw(*, registration, actor, reason, on=None):
    """§5.2.4: take a registration off the directory on the provider's written request."""
    _require_reason(reason)
    return _end(
        registration,
        "withdraw",
        actor=actor,
        reason=reason,
        on=on,
        allowed_from=Registration.LIVE,
        template_key="registration_withdrawn",
        event="withdrawn",
    )


@transaction.atomic
def registration_remove(*, registration, actor, reason, on=None):
    """§6.1.4, §6.3: remove a provisional or confirmed registration on the PMC's decision."""
    return _end(
        registration,
        "remove",
        actor=actor,
        reason=reason,
        on=on,
        allowed_from=Registration.LIVE,
        template_key="registration_removed",
        event="removed",
    )


@transaction.atomic
def warning_record(*, organisation, actor, text, case=None, issued_on=None):
    """§6.1.4: record a warning against the provider; no registration changes state."""
    if not (text or "").strip():
        raise RegisterError(_("A warning needs its text."))
    warning = Warning(
        organisation=organisation, issued_by=actor, text=text, issued_on=issued_on or timezone.localdate()
    )
    if case is not None:
        warning.case = case
    warning.save()
    notices_bulk_queue(
        provider_notices(
            organisation=organisation,
            template_key="warning_recorded",
            context={"warning": warning},
            related=warning,
            event=f"warning:{warning.pk}:recorded",
        )
    )
    return warning


# --- The daily job (§3.3.3) -----------------------------------------------------------------------------

EXPIRY_BATCH = 1000
REMINDER_DAYS = ((90, 1), (30, 2))  # days before the end of validity → value of expiry_reminders_sent


@dataclass
class ExpiryResult:
    expired: int = 0
    reminded: int = 0
    notices: int = 0


def _memberships(organisation_ids):
    """{organisation id: [active users]} in one query."""
    through = Organisation.users.through
    members = {}
    rows = through.objects.filter(organisation_id__in=organisation_ids, user__is_active=True).select_related("user")
    for row in rows:
        members.setdefault(row.organisation_id, []).append(row.user)
    return members


def _due_rows(queryset, limit):
    """Lock and load up to `limit` rows with their organisation (one query); others' locks are skipped."""
    rows = queryset.select_related("organisation").select_for_update(of=("self",), skip_locked=True)
    return list(rows.order_by("id")[:limit])


def _values(registration):
    return {f.attname: getattr(registration, f.attname) for f in Registration._meta.concrete_fields}


def _expire_batch(*, today, now, content_type, limit):
    """Cancel up to `limit` due provisional registrations: one SELECT … FOR UPDATE, one UPDATE, one
    bulk insert each of history and StateLog, and the notices (memberships in one query, then
    notices_bulk_queue). Returns (rows expired, notices written)."""
    due = Registration.objects.filter(status=Registration.Status.PROVISIONAL, valid_until__lt=today)
    rows = _due_rows(due, limit)
    if not rows:
        return 0, 0
    ids = [row.pk for row in rows]
    description = _("The 24-month provisional period ended without a confirmed funded project (§3.3.3).")
    changes = {"status": Registration.Status.CANCELLED_EXPIRED, "ended_on": today, "end_reason": description}
    Registration.objects.filter(id__in=ids, status=Registration.Status.PROVISIONAL).update(**changes)
    directory_changed()  # a bulk UPDATE sends no post_save: the cached directory must still follow
    for row in rows:
        row.__dict__.update(changes)  # the in-memory copies, for history and notices; never saved
    History = Registration.history.model
    History.objects.bulk_create(
        [
            History(**_values(row), history_date=now, history_type="~", history_change_reason="registrations_expire")
            for row in rows
        ]
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


def _bulk_registration_notices(rows, *, template_key, event):
    """Build and insert the notices for many registrations with a fixed number of queries."""
    members = _memberships({row.organisation_id for row in rows})
    notices = []
    for row in rows:
        notices.extend(
            _notices_for(
                organisation=row.organisation,
                users=members.get(row.organisation_id, []),
                template_key=template_key,
                context={"registration": row},
                related=row,
                event=f"registration:{row.pk}:{event(row)}",
            )
        )
    return len(notices_bulk_queue(notices))


def _remind_batch(*, today, limit):
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
    by_marker = {}
    for row in rows:
        row.reminder_days, marker = (days_30, marker_30) if row.valid_until <= soon else (days_90, marker_90)
        by_marker.setdefault(marker, []).append(row.pk)
    for marker, ids in by_marker.items():
        Registration.objects.filter(id__in=ids).update(expiry_reminders_sent=marker)
    notices = _bulk_registration_notices(
        rows, template_key="registration_expiry_reminder", event=lambda r: f"reminder{r.reminder_days}"
    )
    return len(rows), notices


def registrations_expire(*, today=None, batch_size=EXPIRY_BATCH):
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


# --- Contact-detail changes (§5.2.1–5.2.2) ---------------------------------------------------------------


@transaction.atomic
def contact_change_request(*, organisation, user, details, received_on=None):
    """A provider's written request to change its contact details (§5.2.1); the 5-working-day clock of
    §5.2.2 starts on the day it is received. Nothing in the directory changes until it is approved."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if ContactChangeRequest.objects.filter(
        organisation=organisation, status=ContactChangeRequest.Status.PENDING
    ).exists():
        raise RegisterError(_("This organisation already has a contact-detail change waiting for the Secretariat."))
    received_on = received_on or timezone.localdate()
    request = ContactChangeRequest(
        organisation=organisation,
        requested_by=user,
        received_on=received_on,
        **{name: details.get(name, "") or "" for name in CONTACT_FIELDS},
    )
    request.previous = {name: str(value or "") for name, value in organisation.contact_details().items()}
    request._history_user = user
    request.save()
    deadlines.deadline_start(subject=request, kind=Deadline.Kind.CONTACT_CHANGE, start_day=received_on)
    return request


def _locked_pending(change):
    change = ContactChangeRequest.objects.select_for_update().select_related("organisation").get(pk=change.pk)
    if change.status != ContactChangeRequest.Status.PENDING:
        raise RegisterError(_("This request was already %(status)s.") % {"status": change.get_status_display().lower()})
    return change


@transaction.atomic
def contact_change_approve(*, change, actor, note=""):
    """§5.2.2: apply the requested details to the organisation (the directory shows them from now on),
    keep the details they replace on the request, meet the clock and tell the provider."""
    change = _locked_pending(change)
    organisation = Organisation.objects.select_for_update().get(pk=change.organisation_id)
    change.previous = {name: str(value or "") for name, value in organisation.contact_details().items()}
    for name in CONTACT_FIELDS:
        setattr(organisation, name, getattr(change, name))
    organisation.version += 1  # the row is locked: a staff form opened before this is now stale (§5.2)
    organisation._history_user = actor
    organisation._change_reason = f"contact change {change.pk}"
    organisation.save()
    change.status = ContactChangeRequest.Status.APPROVED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change._history_user = actor
    change.save()
    deadlines.deadline_meet(subject=change, kind=Deadline.Kind.CONTACT_CHANGE)
    notices_bulk_queue(
        provider_notices(
            organisation=organisation,
            template_key="contact_change_decided",
            context={"change": change},
            related=change,
            event=f"contact_change:{change.pk}:approved",
        )
    )
    return change


@transaction.atomic
def contact_change_reject(*, change, actor, note):
    """§5.2.2: refuse the change, with the reason; the organisation's details stay as they were."""
    if not (note or "").strip():
        raise RegisterError(_("Give the reason for refusing the change; it is sent to the provider."))
    change = _locked_pending(change)
    change.status = ContactChangeRequest.Status.REJECTED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change._history_user = actor
    change.save()
    deadlines.deadline_meet(subject=change, kind=Deadline.Kind.CONTACT_CHANGE)
    notices_bulk_queue(
        provider_notices(
            organisation=change.organisation,
            template_key="contact_change_decided",
            context={"change": change},
            related=change,
            event=f"contact_change:{change.pk}:rejected",
        )
    )
    return change


class StaleVersion(RegisterError):
    """Another member of staff saved the organisation after this form was opened (§5.2)."""


@transaction.atomic
def organisation_update(*, organisation, actor, expected_version, fields):
    """Save staff's edit of an organisation only if nobody saved it since the form was opened: the
    second of two concurrent edits is refused, never silently overwriting the first (§5.2)."""
    current = Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("version", flat=True)
    current = current.first()
    if current is None or current != expected_version:
        raise StaleVersion(str(STALE_MESSAGE))
    organisation.version = expected_version + 1
    organisation._history_user = actor
    if fields is None:
        organisation.save()
    else:
        organisation.save(update_fields=[*fields, "version"])
    return organisation
