"""What the register's services raise when they refuse, and the messages said in more than one place."""

from django.utils.translation import gettext_lazy as _

from cpp_registry.errors import ServiceError

LIVE_EXISTS = _("This organisation already holds a live registration in that category.")
STALE_MESSAGE = _(
    "Someone else saved this organisation after you opened it. Nothing was saved: reload the page to see "
    "their changes, then make yours again."
)
REASON_REQUIRED = _("Give the reason; it is kept in the register's history and sent to the provider.")


class RegisterError(ServiceError):
    """A request the register refuses; the message is translated and safe to show."""


class StaleVersion(RegisterError):
    """Another member of staff saved the organisation after this form was opened (§5.2)."""


def require_reason(reason: str, message: object = REASON_REQUIRED) -> str:
    if not (reason or "").strip():
        raise RegisterError(str(message))
    return reason.strip()
