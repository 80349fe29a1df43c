"""Query budgets (house style): the back office's list of cases and a case's page cost the same at N and at
10×N cases, and at 10× the messages on one case."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Case

from .factories import factory_with_user, funded_project, pmt, provider, ptst
from .test_admin import S, advance, pdf, recorded

pytestmark = pytest.mark.django_db

# Measured; a change here must be a deliberate one. The list: the session, the user, their permissions (2),
# the two counts, the page (clocks annotated, provider and factory joined). The provider filter offers only the
# provider chosen (complaints.admin.ProviderFilter): no query unless one is.
LIST_QUERIES = 7
# A case's page: the session, the user, their permissions (2), the case (provider, factory, project joined),
# the conversation and its documents, the transition log (its case not fetched again), the clocks, the motions,
# the warnings.
CHANGE_QUERIES = 11


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff():
    return pmt()


def build(n):
    """n cases of each kind: recorded (its notice overdue), under investigation, substantiated with a
    message, and a substandard case on a funded project — across n providers."""
    factory = factory_with_user(email=f"factory{n}@example.hk")
    cases = []
    for i in range(n):
        organisation = provider(name_en=f"Provider {n}-{i} Limited")
        parties = (organisation, factory)
        cases.append(recorded(parties, received_on=timezone.localdate() - datetime.timedelta(days=14)))  # overdue
        cases.append(advance(recorded(parties), S.UNDER_INVESTIGATION))
        case = advance(recorded(parties), S.SUBSTANTIATED)
        services.case_message(case=case, author=ptst(), text="Please answer.", to_provider=True, documents=[pdf()])
        cases.append(case)
        cases.append(
            services.case_raise_substandard(
                actor=ptst(), funded_project=funded_project(organisation, factory), grounds=["a"], description="x"
            )
        )
    return cases


def staff_client(client, staff):
    client.force_login(get_user_model().objects.get(pk=staff.pk))
    return client


@pytest.mark.parametrize("n", [2, 20])
@pytest.mark.parametrize(
    "query", ["", "?status__exact=recorded", "?overdue=any", "?q=Provider", "?kind__exact=complaint"]
)
def test_the_list_of_cases_has_a_fixed_query_budget(client, django_assert_num_queries, staff, n, query):
    build(n)
    staff_client(client, staff)
    client.get(reverse("admin:complaints_case_changelist"))  # the content types are cached once per process
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("admin:complaints_case_changelist") + query)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) > 0


@pytest.mark.parametrize("n", [2, 20])
def test_a_cases_page_has_a_fixed_query_budget_whatever_the_number_of_cases(
    client, django_assert_num_queries, staff, n
):
    cases = build(n)
    staff_client(client, staff)
    case = next(c for c in cases if c.status == S.SUBSTANTIATED)
    url = reverse("admin:complaints_case_change", args=[case.pk])
    client.get(url)
    with django_assert_num_queries(CHANGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("messages", [3, 30])
def test_a_cases_page_has_a_fixed_query_budget_whatever_the_number_of_messages(
    client, django_assert_num_queries, staff, messages
):
    organisation = provider(name_en="Green Tech Limited")
    case = advance(recorded((organisation, factory_with_user())), S.SUBSTANTIATED)
    for i in range(messages):
        services.case_message(
            case=case, author=staff, text=f"Message {i}", to_provider=bool(i % 2), documents=[pdf(f"m{i}.pdf")]
        )
    staff_client(client, staff)
    url = reverse("admin:complaints_case_change", args=[case.pk])
    client.get(url)
    with django_assert_num_queries(CHANGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count("/documents/complaints/") == messages
    assert Case.objects.get(pk=case.pk).messages.count() == messages + 3
