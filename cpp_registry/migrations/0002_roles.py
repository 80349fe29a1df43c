"""The roles of SPEC §2 as groups; their permissions are kept complete after every migrate
(cpp_registry.roles.sync_roles_after_migrate), since later apps add permissions of their own."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_NAMES = ["Programme Management Team", "Project Technical Support Team", "Programme Director", "PMC member"]


def create_roles(apps, schema_editor):
    from cpp_registry.roles import sync_roles

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0)
        config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
