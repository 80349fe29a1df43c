from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteeConfig(AppConfig):
    name = "committee"
    verbose_name = _("Project Management Committee")

    def ready(self):
        # The kinds whose subject lives in the register; the applications app registers its own (§4.1.5).
        from cpp_registry.documents import register_document_field

        from . import carry_out
        from .models import Paper

        carry_out.register_all()
        # A motion's papers: to the Secretariat, and to members who may see the motion (issue 4 §4).
        register_document_field(Paper, "document", can_read_paper)


def can_read_paper(user, paper):
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
