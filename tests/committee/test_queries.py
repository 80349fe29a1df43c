"""Query budgets (house style): the committee list and detail pages, and the selectors, cost the same at N
and at 10×N motions and votes."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from committee import selectors, services
from committee.models import Paper, Vote
from directory.models import Organisation

from .factories import members, open_motion, pmt

pytestmark = pytest.mark.django_db
CHOICES = [Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN]

# Measured; a change here must be a deliberate one. A member's pages include the navigation's one
# "does this user act for an organisation?" query; staff pages skip it.
LIST_QUERIES_MEMBER = 9
LIST_QUERIES_STAFF = 9
DETAIL_QUERIES_MEMBER = 8
DETAIL_QUERIES_STAFF = 10  # with the subject as the registry shows it, for staff


@pytest.fixture
def staff():
    return pmt()


def build(n, staff, voters):
    """n open motions, n closed ones, each with a vote from every voter and a paper."""
    org = Organisation.objects.create(name_en="Green Tech Ltd", name_zh="綠色科技", br_number="90009999")
    made = []
    for i in range(2 * n):
        m = open_motion(actor=staff, subject=org)
        Paper.objects.create(motion=m, title_en=f"Paper {i}", link="https://example.hk/case/")
        for j, voter in enumerate(voters):
            services.vote_cast(motion=m, member=voter, choice=CHOICES[(i + j) % 3])
        if i % 2:
            services.motion_close(motion=m, actor=staff)
        made.append(m)
    return made


@pytest.mark.parametrize("n", [2, 20])
def test_list_page_for_a_member(client, django_assert_num_queries, staff, n):
    voters = members(n)
    build(n, staff, voters)
    client.force_login(voters[0])
    with django_assert_num_queries(LIST_QUERIES_MEMBER):
        response = client.get(reverse("committee:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_list_page_for_staff(client, django_assert_num_queries, staff, n):
    voters = members(n)
    build(n, staff, voters)
    client.force_login(staff)
    with django_assert_num_queries(LIST_QUERIES_STAFF):
        response = client.get(reverse("committee:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_detail_page_for_a_member(client, django_assert_num_queries, staff, n):
    voters = members(n)
    m = open_motion(actor=staff)
    for i in range(n):
        Paper.objects.create(motion=m, title_en=f"Paper {i}", link="https://example.hk/case/")
    for j, voter in enumerate(voters):
        services.vote_cast(motion=m, member=voter, choice=CHOICES[j % 3])
    client.force_login(voters[0])
    with django_assert_num_queries(DETAIL_QUERIES_MEMBER):
        response = client.get(reverse("committee:detail", args=[m.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_detail_page_for_staff_with_the_roll(client, django_assert_num_queries, staff, n):
    voters = members(2 * n)
    # Named by their (unique) email addresses, so that the page names each one unmistakably.
    get_user_model().objects.filter(pk__in=[v.pk for v in voters]).update(full_name="")
    for voter in voters:
        voter.full_name = ""
    m = open_motion(actor=staff)
    for i in range(n):
        Paper.objects.create(motion=m, title_en=f"Paper {i}", link="https://example.hk/case/")
    for j, voter in enumerate(voters[:n]):  # half have voted, half have not
        services.vote_cast(motion=m, member=voter, choice=CHOICES[j % 3], actor=staff)
    client.force_login(staff)
    with django_assert_num_queries(DETAIL_QUERIES_STAFF):
        response = client.get(reverse("committee:detail", args=[m.pk]))
    assert response.status_code == 200
    # The roll names every member: those who voted in its table, the others under "Not voted yet" — and
    # each in one place only (the papers are list items too, so counting items would prove nothing).
    roll = response.text.split('id="roll-heading"', 1)[1]
    voted_part, not_voted_part = roll.split('id="not-voted"', 1)
    not_voted_part = not_voted_part.split("</ul>", 1)[0]
    for voter in voters[:n]:
        assert f'<th scope="row" data-label="Member">{voter}</th>' in voted_part
        assert f"<li>{voter}</li>" not in not_voted_part
    for voter in voters[n:]:
        assert f"<li>{voter}</li>" in not_voted_part
        assert f'<th scope="row" data-label="Member">{voter}</th>' not in voted_part


@pytest.mark.parametrize("n", [2, 20])
def test_my_votes_page(client, django_assert_num_queries, staff, n):
    voters = members(1)
    build(n, staff, voters)
    client.force_login(voters[0])
    with django_assert_num_queries(LIST_QUERIES_MEMBER - 3):
        response = client.get(reverse("committee:my_votes"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_selectors_cost_one_query_each(django_assert_num_queries, staff, n):
    voters = members(2)
    build(n, staff, voters)
    with django_assert_num_queries(1):
        list(selectors.motion_open_list_visible_to(user=voters[0]))
    with django_assert_num_queries(1):
        list(selectors.my_votes(user=voters[0]))
