"""The header shows each person the parts of the portal that are theirs, and nothing else."""

import pytest

from cpp_registry.roles import Role
from directory.models import Organisation

from .factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


def nav_links(client):
    html = client.get("/en/").content.decode()
    nav = html[html.index('<nav class="portal-nav"') : html.index("</nav>")]
    return {
        label for label in ("Directory", "My organisation", "Committee", "Deadlines", "Back office") if label in nav
    }


def test_anonymous_sees_the_directory_only(client):
    assert nav_links(client) == {"Directory"}


def test_an_applicant_sees_their_organisation(client):
    user = UserFactory(email="applicant@example.hk")
    Organisation.objects.create(name_en="Green Tech Ltd", br_number="12345678").users.add(user)
    client.force_login(user)
    assert nav_links(client) == {"Directory", "My organisation"}


def test_a_pmc_member_sees_the_committee_not_an_organisation(client):
    client.force_login(staff_user(Role.PMC_MEMBER, email="pmc@example.hk"))
    assert nav_links(client) == {"Directory", "Committee"}


def test_staff_see_the_back_office_and_deadlines(client):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    assert nav_links(client) == {"Directory", "Committee", "Deadlines", "Back office"}


def test_a_factory_user_has_no_organisation_link(client):
    client.force_login(UserFactory(email="factory@example.hk"))
    assert nav_links(client) == {"Directory"}
