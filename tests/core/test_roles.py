"""§3.1.1 (docs/rules.md, "Roles and access"): the roles exist as groups with the permissions they need, and
no more."""

import pytest
from django.contrib.auth.models import Group

from cpp_registry.roles import Role

pytestmark = pytest.mark.django_db


def perms(role):
    group = Group.objects.get(name=role.value)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_every_role_is_a_group():
    """§3.1.1: every role, the Secretariat's teams among them, exists as a group."""
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_programme_management_team_keeps_the_directory_and_the_calendar():
    """§3.1.1: the Programme Management Team runs the programme's register and calendar."""
    granted = perms(Role.PROGRAMME_MANAGEMENT_TEAM)
    assert {"core.add_closureday", "core.change_closureday", "core.view_notice", "directory.change_organisation"} <= (
        granted
    )
    assert "core.delete_notice" not in granted


def test_director_reads_but_does_not_edit_the_register():
    """§3.1.1 (decision): the Programme Director leads; the team keeps the register."""
    granted = perms(Role.PROGRAMME_DIRECTOR)
    assert "directory.view_organisation" in granted
    assert "directory.change_organisation" not in granted


def test_ptst_cannot_change_closure_days():
    """§3.1.1 (decision): the PTST reviews service quality; the calendar is not its to change."""
    granted = perms(Role.PTST)
    assert "core.view_closureday" in granted
    assert "core.change_closureday" not in granted
