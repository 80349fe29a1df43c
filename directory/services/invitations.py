"""Invitations (issue 8 §1): a user of an organisation invites a colleague by email to act for it too.

The colleague gets a written notice with a link; opening it after logging in — or signing up — with the
address invited, and accepting, makes them one of the organisation's users. An invitation works once, for
Invitation.VALID_DAYS (14) days, can only be sent by a user of the organisation, and can be withdrawn by one
until it is used. Every refusal is a RegisterError whose translated message says what to do.
"""

import datetime
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cpp_registry.models import User
from cpp_registry.notices import notice_queue

from ..models import Invitation, Organisation
from .errors import RegisterError


def _acts_for(organisation: Organisation, user: Any) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.is_active and organisation.users.filter(pk=user.pk).exists()
    )


def _refusal(invitation: Invitation | None, now: datetime.datetime) -> str | None:
    """Why the link of `invitation` no longer works, or None while it does."""
    if invitation is None:
        return _(
            "This invitation link is not valid. Check that the whole link was copied, or ask your colleague to "
            "invite you again."
        )
    status = invitation.status_at(now)
    if status == Invitation.Status.ACCEPTED:
        return _("This invitation has already been used: an invitation works once.")
    if status == Invitation.Status.WITHDRAWN:
        return _(
            "This invitation was withdrawn. Ask your colleague to invite you again if you should act for the "
            "organisation."
        )
    if status == Invitation.Status.EXPIRED:
        return _(
            "This invitation has expired: it worked for %(days)d days. Ask your colleague to invite you again."
        ) % {"days": Invitation.VALID_DAYS}
    return None


def invitation_find(*, token: str) -> Invitation | None:
    """The invitation a link names, with its organisation, or None."""
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("organisation", "invited_by").filter(token=token).first()


def invitation_refusal(*, invitation: Invitation | None, now: datetime.datetime | None = None) -> str | None:
    """What the invitation page says instead of offering to accept, or None when it can be accepted."""
    return _refusal(invitation, now or timezone.now())


def invitation_of(*, user: Any, pk: int) -> Invitation:
    """One invitation of an organisation the user acts for; anybody else's answers 404."""
    invitation = Invitation.objects.select_related("organisation").filter(organisation__users=user, pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def invitations_of(*, organisation: Organisation) -> QuerySet[Invitation]:
    """An organisation's invitations, newest first, with who sent each."""
    return Invitation.objects.filter(organisation=organisation).select_related("invited_by", "accepted_by")


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    inviter: Any,
    email: str,
    language: str = User.Language.EN,
    now: datetime.datetime | None = None,
) -> Invitation:
    """Invite `email` to act for `organisation`, and queue the written notice with the link (sent after
    commit). Only a user of the organisation may; not somebody who already acts for it; one open
    invitation per address at a time."""
    now = now or timezone.now()
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise RegisterError(_("Enter the email address of the colleague to invite, like name@example.com.")) from exc
    if language not in User.Language.values:
        language = User.Language.EN
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not _acts_for(locked, inviter):
        raise RegisterError(_("Only a user of this organisation can invite somebody to act for it."))
    if locked.users.filter(email__iexact=email).exists():
        raise RegisterError(_("%(email)s already acts for this organisation.") % {"email": email})
    if Invitation.objects.pending(now).filter(organisation=locked, email=email).exists():
        raise RegisterError(
            _("%(email)s has an invitation that is still open. Withdraw it first to send a new one.") % {"email": email}
        )
    invitation = Invitation.objects.create(
        organisation=locked,
        email=email,
        language=language,
        token=secrets.token_urlsafe(32),
        invited_by=inviter,
        created_at=now,
        expires_at=now + datetime.timedelta(days=Invitation.VALID_DAYS),
    )
    existing = User.objects.filter(email__iexact=email, is_active=True).first()
    notice_queue(
        recipient=existing,
        email=None if existing else email,
        language=None if existing else language,
        template_key="invitation",
        context={"invitation": invitation, "organisation": locked, "inviter": inviter},
        related=invitation,
        idempotency_key=f"invitation:{invitation.pk}:sent",
    )
    return invitation


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, actor: Any, now: datetime.datetime | None = None) -> Invitation:
    """Withdraw an invitation not yet used: its link stops working. Only a user of the organisation may."""
    now = now or timezone.now()
    locked = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    if not _acts_for(locked.organisation, actor):
        raise RegisterError(_("Only a user of this organisation can withdraw its invitations."))
    if locked.status_at(now) != Invitation.Status.PENDING:
        raise RegisterError(
            _("This invitation can no longer be withdrawn: it is %(status)s.")
            % {"status": locked.status_at(now).label.lower()}
        )
    locked.withdrawn_at = now
    locked.withdrawn_by = actor
    locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return locked


@transaction.atomic
def invitation_accept(*, token: str, user: Any, now: datetime.datetime | None = None) -> Invitation:
    """The invited colleague, logged in with the address invited, accepts: they become one of the
    organisation's users, and the link stops working."""
    now = now or timezone.now()
    found = invitation_find(token=token)
    locked = None
    if found is not None:
        locked = Invitation.objects.select_for_update().select_related("organisation").get(pk=found.pk)
    refusal = _refusal(locked, now)
    if refusal:
        raise RegisterError(refusal)
    assert locked is not None
    if not (user is not None and user.is_authenticated and user.is_active):
        raise RegisterError(_("Log in, or create an account, with the address the invitation was sent to."))
    if (user.email or "").strip().lower() != locked.email:
        raise RegisterError(
            _(
                "This invitation was sent to another email address. Log in with the address it was sent to — or "
                "create an account with it — to accept it."
            )
        )
    locked.organisation.users.add(user)
    locked.accepted_at = now
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return locked
