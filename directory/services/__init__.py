"""Writes to the register, one module per concern. Each service is atomic, locks what it changes, logs the
transition (who, when, from, to, why) and queues its written notice, sent only after commit.

Views, the admin, the import command, the Celery tasks and the other apps call these functions (imported
from `directory.services`); none of them changes a registration by itself.
"""

from .contact_changes import (
    PENDING_EXISTS,
    contact_change_approve,
    contact_change_correct,
    contact_change_reject,
    contact_change_request,
    pending_change,
)
from .errors import LIVE_EXISTS, STALE_MESSAGE, RegisterError, StaleVersion, require_reason
from .expiry import EXPIRY_BATCH, REMINDER_DAYS, ExpiryResult, registrations_expire
from .final_reports import ConfirmResult, funded_project_report_decide
from .invitations import (
    invitation_accept,
    invitation_create,
    invitation_find,
    invitation_of,
    invitation_refusal,
    invitation_withdraw,
    invitations_of,
)
from .lifecycle import (
    check_grant_date,
    organisation_needs_pmc_view,
    registration_cancel_substandard,
    registration_confirm,
    registration_grant,
    registration_import_confirmed,
    registration_notices,
    registration_number,
    registration_remove,
    registration_withdraw,
)
from .organisations import organisation_create, organisation_update
from .recipients import memberships, provider_notices
from .warnings import warning_record

__all__ = [
    "EXPIRY_BATCH",
    "LIVE_EXISTS",
    "PENDING_EXISTS",
    "REMINDER_DAYS",
    "STALE_MESSAGE",
    "ConfirmResult",
    "ExpiryResult",
    "RegisterError",
    "StaleVersion",
    "check_grant_date",
    "contact_change_approve",
    "contact_change_correct",
    "contact_change_reject",
    "contact_change_request",
    "funded_project_report_decide",
    "invitation_accept",
    "invitation_create",
    "invitation_find",
    "invitation_of",
    "invitation_refusal",
    "invitation_withdraw",
    "invitations_of",
    "memberships",
    "organisation_create",
    "organisation_needs_pmc_view",
    "organisation_update",
    "pending_change",
    "provider_notices",
    "registration_cancel_substandard",
    "registration_confirm",
    "registration_grant",
    "registration_import_confirmed",
    "registration_notices",
    "registration_number",
    "registration_remove",
    "registration_withdraw",
    "registrations_expire",
    "require_reason",
    "warning_record",
]
