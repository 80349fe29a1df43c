from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Register and directory")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from cpp_registry.documents import register_document_field

        from . import checks  # noqa: F401  (registers the LC_CTYPE check)
        from .admin import register_back_office
        from .cache import directory_changed
        from .models import FundedProject, Organisation, Registration
        from .services.listing import registration_changed_relist

        # The cached directory results follow every saved change to what the directory shows; the
        # expiry job's bulk UPDATE raises the version itself (directory/cache.py).
        for model in (Organisation, Registration, FundedProject):
            post_save.connect(directory_changed, sender=model, dispatch_uid=f"directory_changed_save_{model.__name__}")
            post_delete.connect(
                directory_changed, sender=model, dispatch_uid=f"directory_changed_delete_{model.__name__}"
            )
        # Which organisations the directory lists follows their registrations (directory/services/listing.py).
        post_save.connect(registration_changed_relist, sender=Registration, dispatch_uid="listing_relist_save")
        post_delete.connect(registration_changed_relist, sender=Registration, dispatch_uid="listing_relist_delete")
        # §7.1: the signed code of conduct, to the Secretariat and to the organisation's own users.
        register_document_field(Organisation, "code_of_conduct_file", can_read_code_of_conduct)
        register_back_office()  # the Secretariat's dashboard: work queues, a chart, the notices' names


def can_read_code_of_conduct(user, organisation):
    if not user.is_authenticated:
        return False
    return user.has_perm("directory.view_organisation") or organisation.users.filter(pk=user.pk).exists()
