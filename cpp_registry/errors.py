"""The one exception every service of the portal raises when it refuses a request.

Its message is translated and safe to show to the person who asked: views put it on the form or in a
message, the admin puts it on the form it re-renders (cpp_registry.admin_base.ServiceAdminMixin). Each app
subclasses it (RegisterError, CommitteeError, …) so that callers may catch one app's refusals or all.
"""


class ServiceError(Exception):
    """A request a service refuses; nothing was changed. The message is translated and safe to show."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class TransitionRefused(ServiceError):
    """A transition that is not possible from the subject's state, or not for this person."""
