"""§5.1.2: the directory is updated as soon as the register changes — even though its results are cached
(directory/cache.py). Each change below is made after the page was cached, and the next request shows it."""

import datetime

import pytest

from directory import services
from directory.cache import directory_version
from directory.models import Category, Organisation, Registration
from tests.core.factories import UserFactory
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
    services.registration_withdraw(registration=registration, actor=UserFactory(), reason="Closing down")
    assert "0 providers found" in listed(client)


def test_a_renamed_organisation_shows_at_once(client, provider):
    assert "Green Tech Limited" in listed(client)
    provider.name_en = "Green Tech (HK) Limited"
    provider.save()
    assert "Green Tech (HK) Limited" in listed(client)


def test_a_new_funded_project_changes_the_area_filter_at_once(client, provider):
    """§1.2.1 (e): the area filter reads the provider's funded projects too."""
    url = "/en/directory/?area=e"
    assert "0 providers found" in listed(client, url)
    FundedProjectFactory(provider=provider, areas="e")
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
