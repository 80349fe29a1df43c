"""§5.1.2: the directory is updated as soon as the register changes — even though its results are cached
(directory/cache.py). Each change below is made after the page was cached, and the next request shows it."""

import datetime

import pytest

from cpp_registry.roles import Role
from directory import services
from directory.cache import directory_version
from directory.models import Category, Organisation, Registration
from tests.core.factories import staff_user
from tests.directory.factories import FundedProjectFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def listed(client, url="/en/directory/"):
    html = client.get(url).content.decode()
    return html[html.index('id="result-count"') : html.index('id="downloads-heading"')]


@pytest.fixture
def provider():
    organisation = Organisation.objects.create(
        name_en="Green Tech Limited", name_zh="綠色科技有限公司", br_number="12345678"
    )
    services.registration_grant(organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15))
    return organisation


def test_section_5_1_2_a_grant_shows_at_once(client, provider):
    assert "1 provider found" in listed(client)
    other = Organisation.objects.create(name_en="Blue Sky Limited", br_number="87654321")
    services.registration_grant(organisation=other, category=Category.CONSULTANCY, granted_on=D(2026, 11, 2))
    page = listed(client)
    assert "2 providers found" in page and "Blue Sky Limited" in page


def test_section_3_3_3_the_expiry_jobs_bulk_update_takes_it_off_at_once(client, provider):
    assert "Green Tech Limited" in listed(client)
    before = directory_version()
    services.registrations_expire(today=D(2028, 3, 15))
    assert directory_version() > before
    assert "Green Tech Limited" not in listed(client)


def test_section_5_2_4_a_withdrawal_takes_it_off_at_once(client, provider):
    assert "Green Tech Limited" in listed(client)
    registration = Registration.objects.get()
    services.registration_withdraw(
        registration=registration, actor=staff_user(Role.PROGRAMME_MANAGEMENT_TEAM), reason="Closing down"
    )
    assert "0 providers found" in listed(client)


def test_a_renamed_organisation_shows_at_once(client, provider):
    assert "Green Tech Limited" in listed(client)
    provider.name_en = "Green Tech (HK) Limited"
    provider.save()
    assert "Green Tech (HK) Limited" in listed(client)


def test_a_new_funded_project_changes_the_area_filter_at_once(client, provider):
    """§1.2.1 (e): the area filter reads the provider's approved funded projects too (as its page shows)."""
    url = "/en/directory/?area=e"
    assert "0 providers found" in listed(client, url)
    project = FundedProjectFactory(provider=provider, areas="e")
    assert "0 providers found" in listed(client, url)  # not approved: the provider's page does not show (e)
    services.funded_project_report_decide(
        project=project, actor=staff_user(Role.PROGRAMME_MANAGEMENT_TEAM), approved=True, on=D(2026, 9, 1)
    )
    assert "1 provider found" in listed(client, url)


def test_a_rolled_back_change_leaves_the_cached_page_right(client, provider):
    from django.db import transaction

    assert "1 provider found" in listed(client)
    with pytest.raises(RuntimeError), transaction.atomic():
        Organisation.objects.create(name_en="Ghost Limited", br_number="11112222")
        services.registration_grant(
            organisation=Organisation.objects.get(br_number="11112222"), category=Category.CONSULTANCY
        )
        raise RuntimeError("rolled back")
    assert "1 provider found" in listed(client)


# Issue 7 §3: the cache keys on what decides the page — never on the raw query string.


def directory_entries():
    """The directory's entries in this process's cache (the tests' cache is local memory)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["default"]
    assert isinstance(cache, LocMemCache)
    return sorted(key for key in cache._cache if ":directory:" in key)


@pytest.fixture
def three_pages():
    """45 providers, 20 a page: pages 1, 2 and 3."""
    from tests.directory.factories import OrganisationFactory, RegistrationFactory

    for organisation in OrganisationFactory.create_batch(45):
        RegistrationFactory(organisation=organisation)


def test_junk_parameters_make_no_new_cache_entries(client, provider):
    plain = listed(client)
    entries = directory_entries()
    assert len(entries) == 1
    for i in range(55):
        assert listed(client, f"/en/directory/?junk{i}=x{i}") == plain
    assert directory_entries() == entries
    # Filters the form refuses are ignored, and leave no entry of their own either.
    listed(client, "/en/directory/?category=9&state=nonsense&area=zz&q=")
    assert directory_entries() == entries


def test_a_page_number_out_of_range_or_not_a_number_uses_the_entry_of_the_page_shown(
    client, three_pages, django_assert_num_queries
):
    pages = {number: listed(client, f"/en/directory/?page={number}") for number in (1, 2, 3)}
    assert len({*pages.values()}) == 3 and "Page 3 of 3" in pages[3]
    entries = directory_entries()
    assert len(entries) == 3
    for asked, shown in [("abc", 1), ("", 1), ("2.5", 1), ("-1", 3), ("0", 3), ("99999", 3), ("9" * 5000, 1)]:
        with django_assert_num_queries(1):  # the register's version; the page from the cache
            assert listed(client, f"/en/directory/?page={asked}") == pages[shown], asked
    assert listed(client, "/en/directory/?page=2&utm_source=x") == pages[2]
    assert directory_entries() == entries


def test_an_impossible_page_first_asked_is_stored_as_the_page_shown(client, three_pages):
    last = listed(client, "/en/directory/?page=99999")
    assert "Page 3 of 3" in last
    assert listed(client, "/en/directory/?page=3") == last
    assert len(directory_entries()) == 1


def test_the_links_carry_the_cleaned_filters_only(client, three_pages):
    html = client.get("/en/directory/?q=provider&junk=1&category=9&page=2").content.decode()
    ours = html[html.index('id="result-count"') :]  # the results, their pages and the downloads
    assert "Page 2 of 3" in ours
    assert 'href="?q=provider&amp;page=1"' in ours and 'href="?q=provider&amp;page=3"' in ours
    assert 'export.csv?q=provider"' in ours and 'export.json?q=provider"' in ours
    assert "junk" not in ours and "category=9" not in ours


def test_the_order_and_the_district_are_in_the_key_and_the_default_order_makes_no_entry(client, provider):
    """Issue 10 §1.3: the list's order and district filter decide the page, so they are in the key; the
    default order is the page without one, and a refused value is ignored."""
    plain = listed(client)
    entries = directory_entries()
    assert listed(client, "/en/directory/?sort=name") == plain
    assert listed(client, "/en/directory/?sort=nonsense&district=atlantis") == plain
    assert directory_entries() == entries
    listed(client, "/en/directory/?sort=valid_until")
    listed(client, "/en/directory/?district=kwun_tong")
    assert len(directory_entries()) == len(entries) + 2
