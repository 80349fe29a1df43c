"""Warnings recorded against a provider (§6.1.4); a warning changes no registration's state."""

import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpp_registry.notices import notices_bulk_queue

from ..models import Organisation, Warning
from .errors import RegisterError
from .recipients import provider_notices


@transaction.atomic
def warning_record(
    *,
    organisation: Organisation,
    actor: Any,
    text: str,
    case: models.Model | None = None,
    issued_on: datetime.date | None = None,
) -> Warning:
    """§6.1.4: record a warning against the provider and tell it in writing."""
    if not (text or "").strip():
        raise RegisterError(_("A warning needs its text."))
    issued_on = issued_on or timezone.localdate()
    if issued_on > timezone.localdate():
        raise RegisterError(_("A warning cannot be dated in the future."))
    warning = Warning(organisation=organisation, issued_by=actor, text=text, issued_on=issued_on)
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
