"""Query budgets (house style) of the applications' back office: the changelist, with its clock and
criteria columns, and the change page, with its answers, conversation and log, cost the same at N and at
10×N rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services
from committee.models import Motion
from tests.core.factories import UserFactory

from .factories import PDF, D, add_projects, complete_application, officer

pytestmark = pytest.mark.django_db

# Measured; a change here must be a deliberate one.
CHANGELIST_QUERIES = 7
CHANGE_PAGE_QUERIES = 11  # the transition log: one query, its record not fetched again (issue 10 §4)
REFERRED_CHANGE_PAGE_QUERIES = 11  # its PMC motion; no conversation, so no documents to fetch


@pytest.fixture
def pmt():
    return officer()


def build(n, pmt):
    """n applications in each of: draft, submitted, awaiting information, approved, referred."""
    made = []
    for i in range(n):
        for state in ("draft", "submitted", "awaiting", "approved", "referred"):
            user = UserFactory()
            months = (24, 24, 12) if state == "referred" else (24, 24, 24)
            application = complete_application(user=user, staff_months=months, name_en=f"Provider {state} {i}")
            if state != "draft":
                application = services.application_submit(application=application, user=user)
            if state == "awaiting":
                services.application_ask_for_information(application=application, actor=pmt, text="More, please.")
            elif state == "approved":
                services.application_approve(application=application, actor=pmt)
            elif state == "referred":
                services.application_refer(application=application, actor=pmt, recommendation_en="Refer.")
            made.append(application)
    return made


@pytest.mark.parametrize("n", [1, 10])
@pytest.mark.parametrize("params", [{}, {"clock": "open"}, {"criteria": "not_met"}, {"q": "Provider"}])
def test_the_changelist_costs_the_same_at_n_and_10n(client, django_assert_num_queries, pmt, n, params):
    build(n, pmt)
    client.force_login(pmt)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(reverse("admin:applications_application_changelist"), params)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= n


def conversation(application, pmt, rounds):
    """`rounds` requests for information, each answered with two documents."""
    user = application.created_by
    for i in range(rounds):
        services.application_ask_for_information(application=application, actor=pmt, text=f"Question {i}")
        services.application_answer(
            application=application,
            user=user,
            text=f"Answer {i}",
            documents=[SimpleUploadedFile(f"a{i}-{j}.pdf", PDF, content_type="application/pdf") for j in range(2)],
        )


@pytest.mark.parametrize("n", [3, 30])
def test_the_change_page_costs_the_same_with_10x_staff_projects_and_messages(client, django_assert_num_queries, pmt, n):
    user = UserFactory()
    application = complete_application(user=user, staff_months=(24,) * n, projects=None)

    add_projects(application, user, [{"kind": "consultancy", "started_on": D(2024, 1, 1), "completed": True}] * n)
    application = services.application_submit(application=application, user=user)
    conversation(application, pmt, n)
    assert (application.staff.count(), application.projects.count()) == (n, 3 + n)
    client.force_login(pmt)
    with django_assert_num_queries(CHANGE_PAGE_QUERIES):
        response = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("/documents/applications/") >= 1 + n + (3 + n) + 2 * n


@pytest.mark.parametrize("n", [1, 10])
def test_the_change_page_of_a_referred_application_costs_the_same_at_n_and_10n(
    client, django_assert_num_queries, pmt, n
):
    made = build(n, pmt)
    referred = made[-1]
    assert Motion.objects.count() == n
    client.force_login(pmt)
    with django_assert_num_queries(REFERRED_CHANGE_PAGE_QUERIES):
        response = client.get(reverse("admin:applications_application_change", args=[referred.pk]))
    assert response.status_code == 200
