"""PostgreSQL only (issue 3 §8): a search of three characters or more uses the trigram index, and the
database's LC_CTYPE is checked to be UTF-8 (pg_trgm makes no trigrams of Chinese otherwise)."""

import pytest
from django.core.checks import run_checks
from django.db import connection

from directory.checks import lc_ctype_problems
from directory.models import Organisation, Registration
from directory.selectors import directory_organisations
from directory.services.listing import organisations_relist
from tests.directory.factories import OrganisationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def register():
    organisations = []
    for i in range(3000):
        organisation = OrganisationFactory.build(name_en=f"Company {i:05d} Limited", name_zh=f"公司{i:05d}有限公司")
        organisation.refresh_search_text()
        organisations.append(organisation)
    target = OrganisationFactory.build(name_en="Green Tech Engineering Limited", name_zh="香港環保科技有限公司")
    target.refresh_search_text()
    Organisation.objects.bulk_create([*organisations, target])
    Registration.objects.bulk_create(
        [
            Registration(organisation=o, category="1", granted_on="2026-03-15", valid_until="2028-03-14")
            for o in Organisation.objects.all()
        ]
    )
    organisations_relist()  # bulk_create sends no post_save: the directory's listing, as the receiver sets it
    with connection.cursor() as cursor:
        # What autovacuum does in production: merge GIN's pending list, then gather statistics.
        cursor.execute("SELECT gin_clean_pending_list('directory_organisation_search_trgm')")
        cursor.execute("ANALYZE directory_organisation")
        cursor.execute("ANALYZE directory_registration")


@pytest.mark.parametrize("query", ["环保科技", "環保科", "green tech", "ENGINEERING"])
def test_a_search_of_three_characters_or_more_uses_the_trigram_index(register, query):
    queryset = directory_organisations(q=query)
    plan = queryset.explain()
    assert "directory_organisation_search_trgm" in plan, plan
    assert [o.name_en for o in queryset] == ["Green Tech Engineering Limited"]


def test_a_two_character_search_still_finds_but_cannot_use_trigrams(register):
    # Fewer than 3 characters make no full trigram: correct results, without the index's help.
    assert [o.name_en for o in directory_organisations(q="环保")] == ["Green Tech Engineering Limited"]


def test_the_database_lc_ctype_is_utf8_and_pg_trgm_sees_chinese():
    assert lc_ctype_problems(connection) is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_length(show_trgm(%s), 1)", ["香港環保科技有限公司"])
        assert cursor.fetchone()[0] >= 10


def test_the_system_check_is_quiet_on_a_utf8_database():
    messages = run_checks(databases=["default"])
    assert not [m for m in messages if m.id in ("directory.W001", "directory.W002")]


def test_the_system_check_warns_on_a_c_locale(monkeypatch):
    from directory import checks

    monkeypatch.setattr(checks, "lc_ctype_problems", lambda connection: "C")
    warnings = [m for m in checks.check_lc_ctype(databases=["default"]) if m.id == "directory.W001"]
    assert warnings and "LC_CTYPE 'C'" in warnings[0].msg
