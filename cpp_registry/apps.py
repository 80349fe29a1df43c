from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The cross-cutting core: users, roles, the working-day calendar, deadlines and notices."""

    name = "cpp_registry"
    label = "core"
    verbose_name = _("Programme core")

    def ready(self):
        from . import roles

        # Later apps add permissions in later migrations; keep each role's grants complete.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="core.sync_roles")
