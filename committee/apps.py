from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteeConfig(AppConfig):
    """PMC motions and votes. The committee knows no subject: the apps whose records come before the PMC
    register what its decisions mean (committee.registry) in their own AppConfig.ready()."""

    name = "committee"
    verbose_name = _("Project Management Committee")

    def ready(self) -> None:
        from cpp_registry.documents import register_document_field

        from .admin import register_back_office
        from .models import Paper

        # A motion's papers: to the Secretariat, and to members who may see the motion (issue 4 §4).
        register_document_field(Paper, "document", can_read_paper)
        register_back_office()  # the Secretariat's dashboard: work queues and the notices' names


def can_read_paper(user, paper) -> bool:
    from django.http import Http404

    from .selectors import can_use_committee_area, paper_for

    if not user.is_authenticated or not can_use_committee_area(user):
        return False
    if user.has_perm("committee.view_paper"):
        return True
    try:
        paper_for(user=user, pk=paper.pk)
    except Http404:
        return False
    return True
