"""The lifecycle of one registration (organisation × category): grant (§3.3.1, §4.1.4), confirm (§3.3.2),
cancel as substandard (§3.3.4), withdraw (§5.2.4), remove (§6.1.4, §6.3).

Each service runs its transition through `cpp_registry.transitions.transition_run`: a locked fresh row,
django-fsm's state and permission checks, the audit (django-fsm-log, django-simple-history) and the
provider's written notice, sent only after commit.
"""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from cpp_registry import workdays
from cpp_registry.models import Notice
from cpp_registry.notices import notices_bulk_queue
from cpp_registry.transitions import state_display, transition_run

from ..models import Category, FundedProject, Organisation, Registration
from .errors import LIVE_EXISTS, RegisterError, require_reason
from .recipients import provider_notices


def registration_notices(registration: Registration, template_key: str, event: str, **context: Any) -> list[Notice]:
    return provider_notices(
        organisation=registration.organisation,
        template_key=template_key,
        context={"registration": registration, **context},
        related=registration,
        event=f"registration:{registration.pk}:{event}",
    )


def registration_number(*, category: str, pk: int) -> str:
    """The registration number (docs/directory.md): `ETSP-<category>-<6 digits>` from the primary key,
    ETSP-1-000042. Stable for life and never reused: a key is never reused and a registration is never
    deleted (it ends by a transition). A key past 999999 simply has more digits."""
    return f"ETSP-{category}-{pk:06d}"


def check_grant_date(granted_on: datetime.date, *, today: datetime.date) -> None:
    """A grant is dated the day the Secretariat decided (§3.3.1, §4.1.4): not in the future, and not so far
    back that its 24 months would already have ended — that registration would be live and expired at once.
    The import of the existing register (§3.2.1) has its own rule (directory.imports)."""
    if granted_on > today:
        raise RegisterError(
            _("A registration cannot be granted on a future date (%(date)s).") % {"date": granted_on.isoformat()}
        )
    until = workdays.provisional_valid_until(granted_on)
    if until < today:
        raise RegisterError(
            _(
                "Granted on %(date)s, its 24-month provisional period would already have ended on %(until)s "
                "(§3.3.1). Enter the day the Secretariat decided; registrations of the existing register are "
                "loaded with the import."
            )
            % {"date": granted_on.isoformat(), "until": until.isoformat()}
        )


@transaction.atomic
def registration_grant(
    *,
    organisation: Organisation,
    category: str,
    actor: Any = None,
    granted_on: datetime.date | None = None,
    reason: str = "",
    notify: bool = True,
    imported: bool = False,
) -> Registration:
    """§3.3.1, §4.1.4: grant a provisional registration, valid for 24 months; listed at once (§5.1.2).

    `imported=True` is for the import of the existing register (§3.2.1) and the demo data: the dates follow
    the import's own rule (directory.imports), and those providers are not told again that they are
    registered. `notify=False` grants without the written notice (the caller sends its own).
    """
    today = timezone.localdate()
    granted_on = granted_on or today
    if category not in Category.values:
        raise RegisterError(_("Choose category 1 or 2."))
    if not imported:
        check_grant_date(granted_on, today=today)
    # Lock the organisation so that two grants of the same category cannot race past the check.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if Registration.objects.live().filter(organisation=organisation, category=category).exists():
        raise RegisterError(str(LIVE_EXISTS))
    registration = Registration(
        organisation=organisation,
        category=category,
        status=Registration.Status.PROVISIONAL,
        granted_on=granted_on,
        valid_until=workdays.provisional_valid_until(granted_on),
    )
    registration._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            # The number is made from the primary key: insert, number, then write the one history row
            # ("created"), which therefore holds the number.
            registration.save_without_historical_record()  # type: ignore[attr-defined]
    except IntegrityError as exc:  # the partial unique constraint: a grant raced past the check
        raise RegisterError(str(LIVE_EXISTS)) from exc
    registration.number = registration_number(category=category, pk=registration.pk)
    Registration.objects.filter(pk=registration.pk).update(number=registration.number)
    Registration.history.bulk_history_create([registration])
    StateLog.objects.create(
        content_type=ContentType.objects.get_for_model(Registration),
        object_id=registration.pk,
        source_state=None,
        state=registration.status,
        transition="grant",
        by=actor,
        description=reason or None,
    )
    if notify and not imported:
        notices_bulk_queue(registration_notices(registration, "registration_granted", "granted"))
    return registration


def _confirm_check(on: datetime.date) -> Any:
    def check(registration: Registration) -> None:
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

    return check


def _only_provisional(registration: Registration) -> str:
    return _("This registration is %(status)s; only a provisional registration can be confirmed.") % {
        "status": state_display(registration)
    }


@transaction.atomic
def registration_confirm(
    *,
    registration: Registration,
    actor: Any,
    on: datetime.date | None = None,
    project: FundedProject | None = None,
    reason: str = "",
) -> Registration:
    """§3.3.2: confirm a provisional registration when, within its validity, a funded project's final
    report was approved. Refused (RegisterError, nothing changed) after the validity has ended."""
    on = on or timezone.localdate()
    if not reason:
        reason = (
            _("Final report of funded project %(ref)s approved on %(on)s (§3.3.2).")
            % {"ref": project.reference, "on": on.isoformat()}
            if project
            else _("Confirmed on %(on)s (§3.3.2).") % {"on": on.isoformat()}
        )
    return transition_run(
        error=RegisterError,
        instance=registration,
        name="confirm",
        actor=actor,
        reason=reason,
        check=_confirm_check(on),
        changes={"confirmed_on": on},
        notices=lambda r: registration_notices(r, "registration_confirmed", "confirmed", project=project),
        refusal=_only_provisional,
    )


@transaction.atomic
def registration_import_confirmed(
    *, registration: Registration, actor: Any, on: datetime.date, reason: str
) -> Registration:
    """§3.2.1: a registration the existing register holds as confirmed is imported as confirmed, on the
    date the register gives; no notice (the provider already knows)."""
    return transition_run(
        error=RegisterError,
        instance=registration,
        name="confirm",
        actor=actor,
        reason=reason,
        changes={"confirmed_on": on},
    )


def _end(
    registration: Registration,
    name: str,
    *,
    actor: Any,
    reason: str,
    on: datetime.date | None,
    template_key: str,
    event: str,
    **extra: Any,
) -> Registration:
    changes = {"ended_on": on or timezone.localdate(), "end_reason": reason, **extra}
    return transition_run(
        error=RegisterError,
        instance=registration,
        name=name,
        actor=actor,
        reason=reason,
        changes=changes,
        notices=lambda r: registration_notices(r, template_key, event, reason=reason),
    )


@transaction.atomic
def registration_cancel_substandard(
    *, registration: Registration, actor: Any, reason: str, on: datetime.date | None = None
) -> Registration:
    """§3.3.4: cancel a provisional registration whose project report or service fell short; a new
    application from the organisation needs the PMC's view."""
    reason = require_reason(reason)
    return _end(
        registration,
        "cancel_substandard",
        actor=actor,
        reason=reason,
        on=on,
        template_key="registration_cancelled_substandard",
        event="cancelled_substandard",
        needs_pmc_view=True,
    )


@transaction.atomic
def registration_withdraw(
    *, registration: Registration, actor: Any, reason: str, on: datetime.date | None = None
) -> Registration:
    """§5.2.4: take a registration off the directory on the provider's written request."""
    reason = require_reason(reason)
    return _end(
        registration,
        "withdraw",
        actor=actor,
        reason=reason,
        on=on,
        template_key="registration_withdrawn",
        event="withdrawn",
    )


@transaction.atomic
def registration_remove(
    *, registration: Registration, actor: Any, reason: str, on: datetime.date | None = None
) -> Registration:
    """§6.1.4, §6.3: remove a provisional or confirmed registration on the PMC's decision."""
    reason = require_reason(reason)
    return _end(
        registration,
        "remove",
        actor=actor,
        reason=reason,
        on=on,
        template_key="registration_removed",
        event="removed",
    )


def organisation_needs_pmc_view(*, organisation: Organisation) -> bool:
    """§3.3.4: a registration of this organisation was cancelled as substandard, so a new application from
    it goes to the PMC before it can be accepted, whatever the criteria say."""
    return Registration.objects.filter(organisation=organisation, needs_pmc_view=True).exists()
