"""Changes of a provider's contact details, asked for in writing (§5.2.1) and processed within 5 working
days of receipt (§5.2.2). The directory shows the new details only once a request is approved; the
request keeps both the details asked for and those they replaced."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpp_registry import deadlines
from cpp_registry.models import Deadline, Notice
from cpp_registry.transitions import transition_run

from ..models import CONTACT_FIELDS, ContactChangeRequest, Organisation
from .errors import RegisterError, require_reason
from .recipients import provider_notices

PENDING_EXISTS = _("This organisation already has a contact-detail change waiting for the Secretariat.")


def pending_change(*, organisation: Organisation) -> ContactChangeRequest | None:
    """The request waiting for the Secretariat, if any: a provider sees it before filling in a new one."""
    return ContactChangeRequest.objects.filter(
        organisation=organisation, status=ContactChangeRequest.Status.PENDING
    ).first()


@transaction.atomic
def contact_change_request(
    *,
    organisation: Organisation,
    user: Any,
    details: Mapping[str, Any],
    received_on: datetime.date | None = None,
) -> ContactChangeRequest:
    """A provider's written request to change its contact details (§5.2.1); the 5-working-day clock of
    §5.2.2 starts on the day it is received. Nothing in the directory changes until it is approved. One
    request waits at a time.

    A request must leave a way to reach the provider — a phone number or an email address: the directory
    exists so that factories can contact providers (§5.1.2), and the guide lets a provider change its
    details, not vanish from them (a decision where the guide is silent; docs/rules.md)."""
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise RegisterError(_("A request cannot be received on a future date."))
    if not (details.get("phone") or details.get("email")):
        raise RegisterError(
            _("Give a phone number or an email address: the directory must show factories a way to reach you.")
        )
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if pending_change(organisation=locked) is not None:
        raise RegisterError(str(PENDING_EXISTS))
    request = ContactChangeRequest(
        organisation=locked,
        requested_by=user,
        received_on=received_on,
        **{name: details.get(name, "") or "" for name in CONTACT_FIELDS},
    )
    request.previous = {name: str(value or "") for name, value in locked.contact_details().items()}
    request._history_user = user  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # the partial unique constraint: another request raced past the check
        raise RegisterError(str(PENDING_EXISTS)) from exc
    deadlines.deadline_start(
        subject=request, kind=Deadline.Kind.CONTACT_CHANGE, start_day=received_on, actor=user, reason="received"
    )
    return request


def _decided_notices(change: ContactChangeRequest, organisation: Organisation, event: str) -> list[Notice]:
    return provider_notices(
        organisation=organisation,
        template_key="contact_change_decided",
        context={"change": change},
        related=change,
        event=f"contact_change:{change.pk}:{event}",
    )


def _already_decided(change: ContactChangeRequest) -> str:
    return _("This request was already %(status)s by %(who)s; nothing was changed.") % {
        "status": change.get_status_display().lower(),
        "who": change.decided_by or _("the Secretariat"),
    }


@transaction.atomic
def contact_change_approve(
    *,
    change: ContactChangeRequest,
    actor: Any,
    note: str = "",
    details: Mapping[str, Any] | None = None,
) -> ContactChangeRequest:
    """§5.2.2: apply the requested details to the organisation (the directory shows them from now on),
    keep the details they replace on the request, meet the clock and tell the provider.

    `details`: the officer's corrections of what was asked, applied with the decision on the locked row —
    never saved before it, so that of two officers deciding at once exactly one decision is taken.
    """
    organisation_box: dict[str, Organisation] = {}

    def changes(locked: ContactChangeRequest) -> dict[str, Any]:
        organisation = Organisation.objects.select_for_update().get(pk=locked.organisation_id)
        asked = {name: (details or {}).get(name, getattr(locked, name)) for name in CONTACT_FIELDS}
        previous = {name: str(value or "") for name, value in organisation.contact_details().items()}
        for name, value in asked.items():
            setattr(organisation, name, value or "")
        organisation.version += 1  # a staff form opened before this is now stale (§5.2)
        organisation._history_user = actor  # type: ignore[attr-defined]
        organisation._change_reason = f"contact change {locked.pk}"  # type: ignore[attr-defined]
        organisation.save()
        organisation_box["organisation"] = organisation
        return {
            **{name: value or "" for name, value in asked.items()},
            "previous": previous,
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_note": note,
        }

    change = transition_run(
        error=RegisterError,
        instance=change,
        name="approve",
        actor=actor,
        reason=note,
        changes=changes,
        notices=lambda c: _decided_notices(c, organisation_box["organisation"], "approved"),
        refusal=_already_decided,
    )
    deadlines.deadline_meet(subject=change, kind=Deadline.Kind.CONTACT_CHANGE, actor=actor, reason="approved")
    return change


@transaction.atomic
def contact_change_reject(*, change: ContactChangeRequest, actor: Any, note: str) -> ContactChangeRequest:
    """§5.2.2: refuse the change, with the reason; the organisation's details stay as they were."""
    note = require_reason(note, _("Give the reason for refusing the change; it is sent to the provider."))
    change = transition_run(
        error=RegisterError,
        instance=change,
        name="reject",
        actor=actor,
        reason=note,
        changes={"decided_by": actor, "decided_at": timezone.now(), "decision_note": note},
        notices=lambda c: _decided_notices(c, c.organisation, "rejected"),
        refusal=_already_decided,
    )
    deadlines.deadline_meet(subject=change, kind=Deadline.Kind.CONTACT_CHANGE, actor=actor, reason="rejected")
    return change


@transaction.atomic
def contact_change_correct(
    *, change: ContactChangeRequest, actor: Any, details: Mapping[str, Any]
) -> ContactChangeRequest:
    """Staff correct what a waiting request asks for (a typo in the letter), before deciding it. Refused
    once the request is decided: a decision, once taken, stays taken."""
    locked = ContactChangeRequest.objects.select_for_update().get(pk=change.pk)
    if not locked.is_pending:
        raise RegisterError(_already_decided(locked))
    fields = [name for name in CONTACT_FIELDS if name in details]
    for name in fields:
        setattr(locked, name, details[name] or "")
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=fields)
    return locked
