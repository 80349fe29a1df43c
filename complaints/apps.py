from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints and substandard-service cases (§6), and the penalties the PMC decides on."""

    name = "complaints"
    verbose_name = _("Complaints and substandard service")

    def ready(self) -> None:
        from cpp_registry.documents import register_document_field

        from . import permissions
        from .admin import register_back_office
        from .models import Attachment
        from .penalties import register_penalties

        register_penalties()
        register_back_office()  # the Secretariat's dashboard: work queues and the notices' names
        # A case's documents: to the Secretariat, to each party the message is meant for, and to PMC members
        # voting on the case (complaints.permissions); 404 to anyone else.
        register_document_field(Attachment, "file", permissions.can_read_attachment)
