"""Roles of docs/rules.md (roles) as groups with permissions.

Staff roles are groups; an applicant belongs to an Organisation and a factory user to a Factory (both held
on the directory side, so that the core imports no app). The groups are created by a data migration and
their permissions kept complete after every migrate, since later apps add permissions of their own.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, QuerySet
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROGRAMME_MANAGEMENT_TEAM = "Programme Management Team", _("Programme Management Team")
    PTST = "Project Technical Support Team", _("Project Technical Support Team (PTST)")
    PROGRAMME_DIRECTOR = "Programme Director", _("Programme Director")
    PMC_MEMBER = "PMC member", _("PMC member")


STAFF_ROLES = (Role.PROGRAMME_MANAGEMENT_TEAM, Role.PTST, Role.PROGRAMME_DIRECTOR)

# "app_label.codename" or "app_label.*" (every permission of the app). A permission of an app not yet
# migrated is skipped now and granted by the next migrate.
ROLE_PERMISSIONS = {
    Role.PROGRAMME_MANAGEMENT_TEAM: [
        "core.view_user",
        "core.*closureday",
        "core.view_deadline",
        "core.change_deadline",
        "core.view_notice",
        "core.change_notice",
        "directory.*",
        "committee.*",
        "applications.*",
        "complaints.*",
        "django_fsm_log.view_statelog",
    ],
    Role.PTST: [
        "core.view_closureday",
        "core.view_deadline",
        "directory.view_*",
        "complaints.*",
        "applications.view_*",
        "django_fsm_log.view_statelog",
    ],
    Role.PROGRAMME_DIRECTOR: [
        "core.view_user",
        "core.*closureday",
        "core.view_deadline",
        "core.view_notice",
        "directory.view_*",
        "committee.view_*",
        "applications.view_*",
        "complaints.view_*",
        "django_fsm_log.view_statelog",
    ],
    Role.PMC_MEMBER: [
        "committee.view_motion",
        "committee.add_vote",
        "committee.change_vote",
        "committee.view_vote",
    ],
}


def _matches(pattern, app_label, codename):
    want_app, _dot, want_code = pattern.partition(".")
    if want_app != app_label:
        return False
    if want_code == "*":
        return True
    if want_code.startswith("*"):
        return codename.endswith(want_code[1:])
    if want_code.endswith("*"):
        return codename.startswith(want_code[:-1])
    return codename == want_code


def sync_roles(group_model, permission_model):
    """Create the role groups and grant each exactly the permissions of ROLE_PERMISSIONS that exist."""
    perms = list(permission_model.objects.values_list("id", "content_type__app_label", "codename"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role.value)
        wanted = [pid for pid, app, code in perms if any(_matches(p, app, code) for p in patterns)]
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, using=None, **kwargs):
    """Runs after each app's post_migrate (after its permissions exist); cheap and idempotent."""
    from django.contrib.auth.models import Group, Permission

    sync_roles(Group, Permission)


def user_has(user: Any, checks: dict[str, QuerySet[Any]]) -> dict[str, bool]:
    """{name: whether the queryset has any row} for what a user acts for (their organisations, factories,
    applications — relations the apps declare on the user, so that the core imports no app), in one query."""
    if not checks:
        return {}
    row = (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .values(**{f"has_{name}": Exists(queryset) for name, queryset in checks.items()})
        .first()
    )
    return {name: bool(row and row[f"has_{name}"]) for name in checks}
