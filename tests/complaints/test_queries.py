"""Query budgets: each page of a case costs the same number of queries with N cases or messages as with ten
times as many (the selectors own their joins and prefetches).

The counts include what every page of a logged-in user costs: the session, the user, the user's permissions
(two: the navigation asks for committee.view_motion), and the navigation's one question (does the user act
for an organisation or a factory).
"""

import pytest

from complaints import services

from .factories import factory_with_user, pmt, provider
from .test_views import FEB_3, answered, lodged, login, notified, on, pdf, substantiated, url, with_pmc

pytestmark = pytest.mark.django_db
SIZES = [2, 20]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def parties():
    return provider(name_en="Green Tech Limited"), factory_with_user()


def many_cases(parties, n):
    """n cases of the factory about the provider, each told to the provider, and one about another one."""
    for i in range(n):
        notified(lodged(parties, description=f"Case {i}."))
    other = provider(name_en="Blue Water Limited")
    lodged((other, parties[1]), description="About another provider.")


# Every page's 5, the factories, "acts for an organisation", the cases.
FACTORY_LIST = 8


@pytest.mark.parametrize("n", SIZES)
def test_the_factorys_list_has_a_fixed_budget(client, django_assert_num_queries, parties, n):
    many_cases(parties, n)
    login(client, parties[1].users.get())
    with django_assert_num_queries(FACTORY_LIST):
        response = client.get(url("list"))
    assert response.content.decode().count("/complaints/CASE-") == n + 1


# Every page's 5, the factories (none), "acts for an organisation", the cases.
PROVIDER_LIST = 8


@pytest.mark.parametrize("n", SIZES)
def test_the_providers_list_has_a_fixed_budget(client, django_assert_num_queries, parties, n):
    many_cases(parties, n)
    login(client, parties[0].users.get())
    with django_assert_num_queries(PROVIDER_LIST):
        response = client.get(url("list"))
    assert response.content.decode().count("/complaints/CASE-") == n


# Every page's 5, the factories, the providers of the directory, the factories' funded projects.
LODGE_PAGE = 8


@pytest.mark.parametrize("n", SIZES)
def test_the_lodge_page_has_a_fixed_budget(client, django_assert_num_queries, parties, n):
    from .factories import funded_project

    for i in range(n):
        funded_project(provider(name_en=f"Provider {i:02d} Limited"), parties[1])
    login(client, parties[1].users.get())
    with django_assert_num_queries(LODGE_PAGE):
        response = client.get(url("lodge"))
    assert response.content.decode().count("<option") == (n + 1) + 1 + (n + 1)  # providers, projects, "none"s


def conversation(parties, n):
    """A substantiated case with n messages from each side and from the Secretariat, each with a document."""
    organisation, factory = parties
    case = answered(substantiated(lodged(parties, documents=[pdf("contract.pdf")])))
    staff = pmt()
    with on(FEB_3):
        for i in range(n):
            services.case_message(case=case, author=factory.users.get(), text=f"F{i}", documents=[pdf(f"f{i}.pdf")])
            services.case_message(
                case=case, author=organisation.users.get(), text=f"P{i}", documents=[pdf(f"p{i}.pdf")]
            )
            services.case_message(case=case, author=staff, text=f"S{i}", to_provider=True, to_factory=True)
    return case


# Every page's 5, the case (with its provider, factory, project and the PMC's decision), its messages, their
# attachments, its clocks.
CASE_PAGE = 9


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("side", ["factory", "provider"])
def test_the_case_page_has_a_fixed_budget(client, django_assert_num_queries, parties, n, side):
    case = conversation(parties, n)
    user = parties[1].users.get() if side == "factory" else parties[0].users.get()
    login(client, user)
    with django_assert_num_queries(CASE_PAGE):
        response = client.get(url("detail", case))
    page = response.content.decode()
    # Its own side's n, the complaint's contract; the provider also the preliminary report's (shown twice: above
    # its answer form and in the conversation) and its certificate.
    assert page.count('href="/documents/') == n + 1 + (3 if side == "provider" else 0)


# Every page's 5, the case, "is a motion put about it", its report's messages, their attachments.
PAPERS_PAGE = 9


@pytest.mark.parametrize("n", SIZES)
def test_the_papers_page_has_a_fixed_budget(client, django_assert_num_queries, parties, n):
    from tests.committee.factories import member

    case = answered(substantiated(lodged(parties)))
    with on(FEB_3):
        for i in range(n):
            services.case_provider_answer(
                case=case, user=parties[0].users.get(), text=f"A{i}", documents=[pdf(f"a{i}.pdf")]
            )
    case, _motion = with_pmc(case)
    login(client, member(email="voter@example.hk"))
    with django_assert_num_queries(PAPERS_PAGE):
        response = client.get(url("paper", case))
    assert response.status_code == 200
    assert response.content.decode().count('href="/documents/') == n + 2
