from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    """Annex A applications (§3.2, §4, §5.2.3, §7.1)."""

    name = "applications"
    verbose_name = _("Annex A applications")

    def ready(self) -> None:
        from cpp_registry.documents import register_document_field

        from . import permissions
        from .admin import register_back_office
        from .models import Application, Attachment, ProjectRecord, StaffMember
        from .services import pmc

        pmc.register()  # §4.1.5, §3.3.4: the PMC's decisions on applications
        register_back_office()  # the Secretariat's dashboard: work queues, a chart, the notices' names
        # Evidence: to the applicant's own users, the Secretariat, and PMC members voting on the application.
        register_document_field(Application, "code_of_conduct_file", permissions.can_read_application_document)
        register_document_field(StaffMember, "proof", permissions.can_read_record_document)
        register_document_field(ProjectRecord, "document", permissions.can_read_record_document)
        register_document_field(Attachment, "file", permissions.can_read_attachment)
