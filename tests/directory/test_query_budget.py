"""Issue 3 §8: the directory's pages cost a fixed number of queries, at 100 and at 1,000 organisations."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Category, FundedProject, Organisation, Registration
from directory.selectors import directory_organisations
from directory.services.listing import organisations_relist
from tests.directory.factories import FactoryFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

D = datetime.date

# anonymous visitor, first request at this register version: the version, the count, the page with its rows'
# live registrations (issue 11 §4: directory.selectors.directory_page)
LIST_QUERIES = 3
# the same request again at the same version: the version only (the results come from the cache)
LIST_QUERIES_CACHED = 1
# the organisation, its live registrations, its approved funded projects
DETAIL_QUERIES = 3
# one chunk of 2,000: organisations, live registrations, approved projects
EXPORT_QUERIES = 3


def seed(n):
    """n organisations, half provisional in category 1, half confirmed in both, with funded projects."""
    organisations = []
    for i in range(n):
        organisation = OrganisationFactory.build(
            name_en=f"Green Tech {i:05d} Limited", name_zh=f"香港環保科技{i:05d}有限公司", areas="ac"
        )
        organisation.refresh_search_text()
        organisations.append(organisation)
    Organisation.objects.bulk_create(organisations)
    registrations, projects = [], []
    factory = FactoryFactory()
    for i, organisation in enumerate(Organisation.objects.order_by("id")):
        if i % 2:
            registrations.append(Registration(organisation=organisation, category="1", granted_on=D(2026, 3, 15)))
            registrations[-1].valid_until = D(2028, 3, 14)
        else:
            for category in Category.values:
                registrations.append(
                    Registration(organisation=organisation, category=category, granted_on=D(2024, 1, 2))
                )
                registrations[-1].__dict__["status"] = "confirmed"
            projects.append(
                FundedProject(
                    reference=f"P{i:06d}",
                    factory=factory,
                    provider=organisation,
                    role_category="2",
                    title="Boiler",
                    areas="b",
                    report_status="approved",
                )
            )
    Registration.objects.bulk_create(registrations)
    FundedProject.objects.bulk_create(projects)
    organisations_relist()  # bulk_create sends no post_save: the directory's listing, as the receiver sets it
    return Organisation.objects.order_by("name_en").first()


PAGES = [
    ("/en/directory/", LIST_QUERIES),
    ("/en/directory/?q=green+tech", LIST_QUERIES),
    ("/zh-hans/directory/?q=环保科技", LIST_QUERIES),
    ("/zh-hant/directory/?category=2&state=confirmed&area=b&page=2", LIST_QUERIES),
    ("/en/directory/export.json", EXPORT_QUERIES),
    ("/en/directory/export.csv", EXPORT_QUERIES),
]


@pytest.mark.parametrize("n", [100, 1000])
@pytest.mark.parametrize(("url", "budget"), PAGES)
def test_directory_pages_have_a_fixed_query_budget(client, django_assert_num_queries, n, url, budget):
    seed(n)
    with django_assert_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [100, 1000])
@pytest.mark.parametrize("url", [url for url, _budget in PAGES if "/export." not in url])
def test_the_same_search_again_is_served_from_the_cache(client, django_assert_num_queries, n, url):
    seed(n)
    first = client.get(url).content
    with django_assert_num_queries(LIST_QUERIES_CACHED):
        again = client.get(url).content
    assert _results(again) == _results(first)


def _results(html):
    html = html.decode()
    return html[html.index('id="result-count"') : html.index('id="downloads-heading"')]


@pytest.mark.parametrize("n", [100, 1000])
def test_detail_page_has_a_fixed_query_budget(client, django_assert_num_queries, n):
    first = seed(n)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(first.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("n", [100, 1000])
def test_the_directory_selector_has_a_fixed_query_budget(django_assert_num_queries, n):
    seed(n)
    with django_assert_num_queries(1 + 1):
        organisations = list(directory_organisations(q="環保", category="1"))
        assert all(o.live_registrations for o in organisations)
    assert len(organisations) == n


def test_the_list_query_count_does_not_grow_with_the_register(client):
    counts = []
    for n in (100, 1000):
        Registration.objects.all().delete()
        FundedProject.objects.all().delete()
        Organisation.objects.all().delete()
        seed(n)
        with CaptureQueriesContext(connection) as captured:
            client.get("/en/directory/?q=green")
        counts.append(len(captured))
    print(f"directory list queries at 100 and 1,000 organisations: {counts}")
    assert counts[0] == counts[1] == LIST_QUERIES
