from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints and substandard-service cases (§6), and the penalties the PMC decides on."""

    name = "complaints"
    verbose_name = _("Complaints and substandard service")

    def ready(self) -> None:
        from .penalties import register_penalties

        register_penalties()
