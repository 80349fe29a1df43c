"""Writes to the register. Each service is atomic, locks what it changes, logs the transition (who,
when, from, to, why — django-fsm-log) and queues its written notice, sent only after commit."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpp_registry import workdays
from cpp_registry.notices import build_notice, notices_bulk_queue

from .models import Registration, Warning


class RegisterError(Exception):
    """A request the register refuses; the message is translated and safe to show."""


def provider_notices(*, organisation, template_key, context, related, event):
    """One notice per user acting for the organisation, or one to its email when it has none."""
    context = {"organisation": organisation, **context}
    users = list(organisation.users.filter(is_active=True))
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


@transaction.atomic
def registration_grant(*, organisation, category, actor=None, granted_on=None, reason=""):
    """§3.3.1, §4.1.4: grant a provisional registration, valid for 24 months; listed at once (§5.1.2)."""
    granted_on = granted_on or timezone.localdate()
    if Registration.objects.live().filter(organisation=organisation, category=category).exists():
        raise RegisterError(_("This organisation already holds a live registration in that category."))
    registration = Registration.objects.create(
        organisation=organisation,
        category=category,
        status=Registration.Status.PROVISIONAL,
        granted_on=granted_on,
        valid_until=workdays.provisional_valid_until(granted_on),
    )
    notices_bulk_queue(
        provider_notices(
            organisation=organisation,
            template_key="registration_granted",
            context={"registration": registration},
            related=registration,
            event=f"registration:{registration.pk}:granted",
        )
    )
    return registration


@transaction.atomic
def registration_remove(*, registration, actor, reason, on=None):
    """§6.1.4, §6.3: remove a provisional or confirmed registration on the PMC's decision."""
    registration = _apply(registration, "remove", actor=actor, reason=reason, allowed_from=Registration.LIVE)
    registration.ended_on = on or timezone.localdate()
    registration.end_reason = reason
    registration.save()
    notices_bulk_queue(
        provider_notices(
            organisation=registration.organisation,
            template_key="registration_removed",
            context={"registration": registration, "reason": reason},
            related=registration,
            event=f"registration:{registration.pk}:removed",
        )
    )
    return registration


@transaction.atomic
def warning_record(*, organisation, actor, text, case=None, issued_on=None):
    """§6.1.4: record a warning against the provider; no registration changes state."""
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
