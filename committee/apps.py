from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteeConfig(AppConfig):
    name = "committee"
    verbose_name = _("Project Management Committee")

    def ready(self):
        # The kinds whose subject lives in the register; the applications app registers its own (§4.1.5).
        from . import carry_out

        carry_out.register_all()
