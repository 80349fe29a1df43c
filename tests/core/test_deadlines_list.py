"""Issue 10 §4.2: /staff/deadlines/ is a list the Secretariat works from, in the back office's layout —
filtered by kind, owner and due window (overdue, this week, next week, stopped), the overdue ones marked in
words, each row linked to its subject's page in the back office, 50 a page, at a fixed number of queries.
Thursday 2026-11-26; the due days are written out by hand (5 working days for a contact change, 2 for a
complaint's notice, 10 for an application)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from cpp_registry import deadlines
from cpp_registry.models import Deadline
from cpp_registry.roles import Role
from directory import services as directory
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))
Kind = Deadline.Kind
URL = "/en/staff/deadlines/"
# Measured; a change here must be a deliberate one: the session, the user, their permissions (2), the
# owners for the filter, the counts by kind, the page's count, the page (content type and owner joined),
# the subjects (one query per kind of subject: organisations and contact changes here).
LIST_QUERIES = 10


@pytest.fixture(autouse=True)
def thursday_26_november_2026():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 10, tzinfo=HKT), tick=False):
        yield


@pytest.fixture
def pmt():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")


def clock(kind, start, subject=None):
    return deadlines.deadline_start(subject=subject or OrganisationFactory(), kind=kind, start_day=start)


def change_request(received_on):
    organisation = OrganisationFactory()
    details = {k: str(v or "") for k, v in organisation.contact_details().items()}
    return directory.contact_change_request(
        organisation=organisation, user=None, details=details, received_on=received_on
    )


@pytest.fixture
def clocks(pmt):
    """Overdue (due Mon 11-09), due this week (Fri 11-27), due next week (Wed 12-02), stopped; one owned."""
    made = {
        "overdue": clock(Kind.CONTACT_CHANGE, D(2026, 11, 2)),
        "this_week": clock(Kind.CONTACT_CHANGE, D(2026, 11, 20)),
        "next_week": clock(Kind.COMPLAINT_NOTIFY, D(2026, 11, 30)),
        "stopped": clock(Kind.APPLICATION_PROCESSING, D(2026, 11, 2)),
        "mine": clock(Kind.COMPLAINT_NOTIFY, D(2026, 11, 19)),  # due Mon 11-23: overdue, owned by the officer
    }
    deadlines.deadline_stop(subject=made["stopped"].subject, kind=Kind.APPLICATION_PROCESSING, on=D(2026, 11, 3))
    Deadline.objects.filter(pk=made["mine"].pk).update(owner=pmt)
    met = clock(Kind.CONTACT_CHANGE, D(2026, 11, 2))
    deadlines.deadline_meet(subject=met.subject, kind=met.kind)  # met: never listed
    return made


def listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [row["clock"].pk for row in response.context["clocks"]]


def test_the_list_filters_by_due_window(client, pmt, clocks):
    client.force_login(pmt)
    ids = {name: c.pk for name, c in clocks.items()}
    assert listed(client) == [ids["overdue"], ids["stopped"], ids["mine"], ids["this_week"], ids["next_week"]]
    assert listed(client, window="overdue") == [ids["overdue"], ids["mine"]]
    assert listed(client, window="this_week") == [ids["this_week"]]
    assert listed(client, window="next_week") == [ids["next_week"]]
    assert listed(client, window="stopped") == [ids["stopped"]]


def test_the_list_filters_by_kind_and_owner(client, pmt, clocks):
    client.force_login(pmt)
    ids = {name: c.pk for name, c in clocks.items()}
    assert listed(client, kind=Kind.COMPLAINT_NOTIFY) == [ids["mine"], ids["next_week"]]
    assert listed(client, owner="me") == [ids["mine"]]
    assert listed(client, owner=str(pmt.pk), window="overdue") == [ids["mine"]]
    unassigned = listed(client, owner="role:PROGRAMME_MANAGEMENT_TEAM")
    assert ids["mine"] not in unassigned and ids["overdue"] in unassigned
    assert listed(client, kind=Kind.CONTACT_CHANGE, window="overdue") == [ids["overdue"]]


@pytest.mark.parametrize(
    "params", [{"kind": "nonsense"}, {"owner": "role:KING"}, {"window": "\u00e9" * 300}, {"page": "-1"}]
)
def test_a_value_that_is_no_choice_is_ignored_never_a_500(client, pmt, clocks, params):
    client.force_login(pmt)
    assert len(listed(client, **params)) == 5


def test_overdue_rows_are_marked_in_words_and_each_subject_links_to_its_page(client, pmt, clocks):
    change = change_request(D(2026, 11, 2))  # its clock: due Mon 11-09, overdue
    client.force_login(pmt)
    response = client.get(URL, {"window": "overdue"})
    html = response.content.decode()
    assert 'class="row1 bo-overdue"' in html or 'class="row2 bo-overdue"' in html
    assert '<strong class="bo-flag">Overdue</strong>' in html
    assert "9 Nov 2026" in html  # the due day, in Hong Kong's format
    change_url = reverse("admin:directory_contactchangerequest_change", args=[change.pk])
    assert f'<a href="{change_url}">{change}</a>' in html
    organisation = clocks["overdue"].subject
    assert reverse("admin:directory_organisation_change", args=[organisation.pk]) in html
    assert reverse("admin:core_deadline_change", args=[clocks["overdue"].pk]) in html
    # In the back office's layout, with its breadcrumbs and its list of models.
    assert 'id="site-name"' in html and 'class="breadcrumbs"' in html and 'id="nav-sidebar"' in html


def test_the_list_is_paginated_keeping_its_filters(client, pmt):
    for _ in range(51):
        clock(Kind.CONTACT_CHANGE, D(2026, 11, 2))
    client.force_login(pmt)
    first = client.get(URL, {"window": "overdue"})
    assert len(first.context["clocks"]) == 50
    assert "?window=overdue&amp;page=2" in first.content.decode()
    second = client.get(URL, {"window": "overdue", "page": "2"})
    assert len(second.context["clocks"]) == 1


def test_the_list_is_for_staff_who_may_see_clocks(client):
    client.force_login(UserFactory(email="applicant@example.hk"))
    assert "/admin/login/" in client.get(URL)["Location"]
    client.force_login(UserFactory(email="staff@example.hk", is_staff=True))  # staff, but no role
    assert client.get(URL).status_code == 403
    client.force_login(staff_user(Role.PTST, email="ptst@example.hk"))
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_the_list_costs_the_same_at_n_and_10n(client, pmt, django_assert_num_queries, n):
    for i in range(n):
        clock(Kind.CONTACT_CHANGE, D(2026, 11, 2) + datetime.timedelta(days=i % 5))
        change_request(D(2026, 11, 20))
    client.force_login(pmt)
    client.get(URL)  # the content types cached, as in any running process
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(URL)
    assert len(response.context["clocks"]) == 2 * n
