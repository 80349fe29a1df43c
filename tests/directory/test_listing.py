"""§5.1.1: the directory lists the organisations holding a provisional or confirmed registration. Which those
are is kept in `Organisation.listed` (directory/services/listing.py), so that the directory counts and pages
them from one index (issue 11 §4). Every path that changes a registration keeps it right, in its transaction."""

import datetime
import logging

import pytest
from django.db import transaction
from django.db.models import Exists, OuterRef

from cpp_registry.roles import Role
from directory import services
from directory.cache import directory_version
from directory.models import Category, Organisation, Registration
from directory.services.listing import organisations_reconcile, organisations_relist
from tests.core.factories import staff_user
from tests.directory.factories import FundedProjectFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def flags():
    """{organisation name: (listed flag, holds a live registration)} for every organisation."""
    live = Registration.objects.live().filter(organisation=OuterRef("pk"))
    rows = Organisation.objects.annotate(live=Exists(live)).values_list("name_en", "listed", "live")
    return {name: (flag, truth) for name, flag, truth in rows}


def listed_on_the_page(client):
    return client.get("/en/directory/").content.decode()


@pytest.fixture
def pmt():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)


@pytest.fixture
def provider():
    organisation = OrganisationFactory(name_en="Green Tech Limited")
    services.registration_grant(organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15))
    return organisation


def test_section_5_1_1_an_applicant_without_a_registration_is_not_listed():
    OrganisationFactory(name_en="Applicant Limited")
    assert flags() == {"Applicant Limited": (False, False)}


def test_section_5_1_1_a_grant_lists_the_organisation(provider):
    assert flags() == {"Green Tech Limited": (True, True)}


def test_section_3_3_2_a_confirmed_registration_stays_listed(provider, pmt):
    registration = Registration.objects.get()
    services.registration_confirm(registration=registration, actor=pmt, on=D(2026, 10, 15), reason="Final report")
    assert flags() == {"Green Tech Limited": (True, True)}


@pytest.mark.parametrize(
    "end",
    [services.registration_withdraw, services.registration_remove, services.registration_cancel_substandard],
    ids=["withdraw §5.2.4", "remove §6.3", "cancel as substandard §3.3.4"],
)
def test_ending_the_only_registration_takes_the_organisation_off(provider, pmt, end):
    end(registration=Registration.objects.get(), actor=pmt, reason="Decided")
    assert flags() == {"Green Tech Limited": (False, False)}


def test_ending_one_of_two_registrations_keeps_the_organisation_listed(provider, pmt):
    services.registration_grant(
        organisation=provider, category=Category.CONSULTANCY_ENGINEERING, granted_on=D(2026, 3, 15)
    )
    services.registration_withdraw(registration=Registration.objects.get(category="1"), actor=pmt, reason="One only")
    assert flags() == {"Green Tech Limited": (True, True)}


def test_section_3_3_3_the_expiry_jobs_bulk_update_takes_it_off(provider, client):
    services.registrations_expire(today=D(2028, 3, 15))
    assert flags() == {"Green Tech Limited": (False, False)}
    assert "Green Tech Limited" not in listed_on_the_page(client)


def test_a_deleted_registration_takes_the_organisation_off(provider):
    Registration.objects.get().delete()  # never done by the portal; a fixture or a shell might
    assert flags() == {"Green Tech Limited": (False, False)}


def test_a_rolled_back_grant_leaves_the_organisation_unlisted():
    organisation = OrganisationFactory(name_en="Rolled Back Limited")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.registration_grant(organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15))
        raise RuntimeError("the request failed after the grant")
    assert flags() == {"Rolled Back Limited": (False, False)}


def test_an_edit_opened_before_a_grant_does_not_take_the_organisation_off():
    """An officer opens the organisation (listed: no), a grant is made meanwhile, the officer saves: the
    save writes what was edited, never the `listed` it was loaded with."""
    organisation = OrganisationFactory(name_en="Green Tech Limited")
    opened = Organisation.objects.get(pk=organisation.pk)
    assert opened.listed is False
    services.registration_grant(organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15))
    opened.contact_person = "Chan Tai Man"
    opened.save()
    assert flags() == {"Green Tech Limited": (True, True)}
    assert Organisation.objects.get().contact_person == "Chan Tai Man"


def test_a_funded_project_changes_nothing_of_the_listing(provider):
    FundedProjectFactory(provider=provider, areas="e")
    assert flags() == {"Green Tech Limited": (True, True)}


def test_the_daily_check_mends_a_wrong_flag_says_so_and_refreshes_the_directory(provider, caplog, client):
    """A bulk UPDATE that bypassed the receiver: the daily check (run by the expiry job) mends it."""
    Registration.objects.update(status=Registration.Status.WITHDRAWN)
    assert flags() == {"Green Tech Limited": (True, False)}
    before = directory_version()
    with caplog.at_level(logging.WARNING, logger="directory.services.listing"):
        assert organisations_reconcile() == 1
    assert flags() == {"Green Tech Limited": (False, False)}
    assert directory_version() > before
    assert "1 organisations' listed flag was wrong" in caplog.text
    assert "Green Tech Limited" not in listed_on_the_page(client)
    assert organisations_reconcile() == 0  # safe to run twice: the second run changes nothing


def test_the_expiry_job_runs_the_daily_check(provider):
    Organisation.objects.update(listed=False)
    services.registrations_expire(today=D(2026, 3, 16))  # nothing due: only the check does anything
    assert flags() == {"Green Tech Limited": (True, True)}


def test_relisting_changes_only_the_wrong_rows():
    right = OrganisationFactory(name_en="Right Limited")
    services.registration_grant(organisation=right, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15))
    OrganisationFactory(name_en="Unlisted Limited")
    assert organisations_relist() == 0
    Organisation.objects.filter(pk=right.pk).update(listed=False)
    assert organisations_relist() == 1
    assert flags() == {"Right Limited": (True, True), "Unlisted Limited": (False, False)}
