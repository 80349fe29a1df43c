from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Register and directory")

    def ready(self):
        from . import checks  # noqa: F401  (registers the LC_CTYPE check)
