"""The public directory (§5.1, §1.3.2; docs/rules.md): who appears, search in three languages, filters, detail,
open data."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from directory.models import Category, Organisation, Registration
from directory.search import normalise
from tests.directory.factories import FundedProjectFactory, OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = "/en/directory/"


@pytest.fixture
def register():
    """One organisation per state, with names in English and Traditional Chinese."""
    orgs = {}
    for status in Registration.Status.values:
        organisation = OrganisationFactory(name_en=f"{status.title()} Green Limited", name_zh=f"{status}環保有限公司")
        RegistrationFactory(organisation=organisation, status=status)
        orgs[status] = organisation
    return orgs


def names(response):
    return [o.name_en for o in response.context["page"].object_list]


def test_section_5_1_1_only_provisional_and_confirmed_appear(client, register):
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(names(response)) == ["Confirmed Green Limited", "Provisional Green Limited"]
    body = response.content.decode()
    for status in ("cancelled_expired", "cancelled_substandard", "withdrawn", "removed"):
        assert register[status].name_en not in body


def test_section_5_1_1_the_provisional_marker_shows_the_valid_until_date(client, register):
    body = client.get(LIST).content.decode()
    assert 'class="badge p-marker"' in body
    assert "provisional, valid until 2028-03-14" in body


def test_section_5_1_1_name_in_the_pages_language_with_the_other_beside_it(client, register):
    body = client.get("/zh-hant/directory/?q=provisional").content.decode()
    assert body.index("provisional環保有限公司") < body.index("Provisional Green Limited")
    body = client.get(LIST + "?q=provisional").content.decode()
    assert body.index("Provisional Green Limited") < body.index("provisional環保有限公司")


def test_section_3_4_1_the_disclaimer_is_on_every_directory_page(client, register):
    for url in (LIST, register["confirmed"].get_absolute_url(), "/zh-hans/directory/"):
        assert "§3.4.1" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("green tech", True),
        ("GREEN TECH", True),
        ("Ｇｒｅｅｎ", True),  # full-width letters (NFKC)
        ("環保科技", True),  # as stored, Traditional
        ("环保科技", True),  # Simplified finds Traditional (OpenCC)
        ("香港环保", True),
        ("科技環保", False),
        ("nothing like it", False),
    ],
)
def test_search_english_any_case_and_chinese_in_either_script(client, query, found):
    """§1.3.2: a factory finds a provider by its English name in any case, or its Chinese name in either script."""
    organisation = OrganisationFactory(name_en="Green Tech Engineering Limited", name_zh="香港環保科技有限公司")
    RegistrationFactory(organisation=organisation)
    OrganisationFactory(name_en="Other Limited", name_zh="其他有限公司")
    response = client.get(LIST, {"q": query})
    assert (names(response) == ["Green Tech Engineering Limited"]) is found


def test_the_search_column_is_normalised_to_simplified():
    organisation = OrganisationFactory(name_en="ABC Ltd", name_zh="環保")
    assert organisation.search_text == "abc ltd | 环保"
    assert normalise("  環保\u3000ＡＢＣ ") == "环保 abc"


def test_renaming_an_organisation_refreshes_its_search_text():
    organisation = OrganisationFactory(name_en="Old Name")
    organisation.name_en = "New Name"
    organisation.save(update_fields=["name_en"])
    assert Organisation.objects.filter(search_text__contains="new name").exists()


def test_filters_category_state_and_area(client):
    """§1.3.2: filters by category, state and area of work (§1.2.1 (a)–(e), declared or from a funded project)."""
    a = OrganisationFactory(name_en="Alpha", areas="a")
    RegistrationFactory(organisation=a, category=Category.CONSULTANCY)
    b = OrganisationFactory(name_en="Bravo")
    RegistrationFactory(organisation=b, category=Category.CONSULTANCY_ENGINEERING, status="confirmed")
    FundedProjectFactory(provider=b, areas="d", report_status="approved")
    c = OrganisationFactory(name_en="Charlie")
    RegistrationFactory(organisation=c, category=Category.CONSULTANCY, status="confirmed")
    RegistrationFactory(organisation=c, category=Category.CONSULTANCY_ENGINEERING)

    assert names(client.get(LIST, {"category": "1"})) == ["Alpha", "Charlie"]
    assert names(client.get(LIST, {"category": "2"})) == ["Bravo", "Charlie"]
    assert names(client.get(LIST, {"state": "confirmed"})) == ["Bravo", "Charlie"]
    assert names(client.get(LIST, {"state": "provisional"})) == ["Alpha", "Charlie"]
    # Category and state together mean one registration with both.
    assert names(client.get(LIST, {"category": "2", "state": "provisional"})) == ["Charlie"]
    assert names(client.get(LIST, {"area": "a"})) == ["Alpha"]  # declared
    assert names(client.get(LIST, {"area": "d"})) == ["Bravo"]  # from a funded project
    assert names(client.get(LIST, {"area": "e"})) == []


@pytest.mark.parametrize(
    "params",
    [{"category": "9"}, {"state": "removed"}, {"area": "z"}, {"page": "abc"}, {"page": "999"}, {"q": "x" * 500}],
)
def test_bad_filters_give_a_clear_message_and_never_a_500(client, register, params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    if "page" not in params:
        assert "Some of the filters were not understood" in response.content.decode()
        # The bad filter is ignored: the directory is still listed (only live registrations).
        assert sorted(names(response)) == ["Confirmed Green Limited", "Provisional Green Limited"]


def test_bad_filter_message_is_translated(client, register):
    assert "部分篩選條件無法理解" in client.get("/zh-hant/directory/", {"category": "9"}).content.decode()


def test_pagination(client):
    for i in range(45):
        RegistrationFactory(organisation=OrganisationFactory(name_en=f"Org {i:02d}"))
    page1 = client.get(LIST)
    assert len(names(page1)) == 20
    assert "Page 1 of 3" in page1.content.decode()
    page3 = client.get(LIST, {"page": 3})
    assert names(page3) == [f"Org {i:02d}" for i in range(40, 45)]


def test_detail_page_of_a_listed_organisation(client):
    organisation = OrganisationFactory(name_en="Delta", name_zh="德爾塔", website="https://delta.example.hk", areas="c")
    RegistrationFactory(organisation=organisation, status="confirmed")
    FundedProjectFactory(provider=organisation, areas="e", report_status="approved")
    response = client.get(organisation.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Delta" in body and "德爾塔" in body and "https://delta.example.hk" in body
    assert "(c) Energy efficiency" in body and "(e) Less solid waste" in body


@pytest.mark.parametrize("status", ["cancelled_expired", "cancelled_substandard", "withdrawn", "removed"])
def test_detail_of_an_organisation_no_longer_listed_is_404(client, status):
    registration = RegistrationFactory(status=status)
    assert client.get(registration.organisation.get_absolute_url()).status_code == 404


def test_detail_of_an_organisation_without_registration_is_404(client):
    assert client.get(OrganisationFactory().get_absolute_url()).status_code == 404


def test_open_data_csv_has_a_bom_the_documented_columns_and_the_directorys_rows(client, register):
    """§1.3.2 (decision): the directory as open data, in the columns docs/directory.md documents."""
    response = client.get(reverse("directory:export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "id",
        "name_en",
        "name_zh",
        "categories",
        "category_1_status",
        "category_1_valid_until",
        "category_2_status",
        "category_2_valid_until",
        "address_en",
        "address_zh",
        "district",
        "phone",
        "fax",
        "email",
        "website",
        "contact_person",
        "contact_title",
        "areas",
        "url",
    ]
    by_name = {row["name_en"]: row for row in rows}
    assert set(by_name) == {"Confirmed Green Limited", "Provisional Green Limited"}
    provisional = by_name["Provisional Green Limited"]
    assert provisional["name_zh"] == "provisional環保有限公司"
    assert (provisional["categories"], provisional["category_1_status"]) == ("1", "provisional")
    assert provisional["category_1_valid_until"] == "2028-03-14"
    assert by_name["Confirmed Green Limited"]["category_1_valid_until"] == ""
    assert provisional["phone"] == "(852) 2123 4567"  # as the programme writes numbers; E.164 in the JSON
    assert provisional["url"].endswith(f"/directory/{register['provisional'].pk}/")


def test_open_data_json_has_the_same_rows_and_schema(client, register):
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/en/directory/export.csv").content.decode("utf-8-sig"))))
    payload = json.loads(client.get("/en/directory/export.json").content)
    assert payload["schema_version"] == 2
    assert payload["count"] == 2
    # The same rows; phone numbers in E.164 in the JSON, as the programme writes them in the CSV.
    numbers = ("phone", "fax")
    assert [{k: v for k, v in row.items() if k not in numbers} for row in payload["results"]] == [
        {k: v for k, v in row.items() if k not in numbers} for row in csv_rows
    ]
    assert [row["phone"] for row in payload["results"]] == ["+85221234567", "+85221234567"]
    assert [row["phone"] for row in csv_rows] == ["(852) 2123 4567", "(852) 2123 4567"]


def test_open_data_follows_the_search(client, register):
    payload = json.loads(client.get("/en/directory/export.json", {"q": "环保", "state": "confirmed"}).content)
    assert [r["name_en"] for r in payload["results"]] == ["Confirmed Green Limited"]


def test_section_7_1_the_code_of_conduct_template_downloads_in_two_languages(client):
    response = client.get("/zh-hans/directory/code-of-conduct/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert "CODE OF CONDUCT" in text
    assert "行为守则" in text
    traditional = client.get("/zh-hant/directory/code-of-conduct/").content.decode()
    assert "行為守則" in traditional


def test_the_directory_is_public(client, register):
    """§5.2.4: the Secretariat keeps the directory open to the public: no log-in."""
    for url in (LIST, "/en/directory/export.csv", "/en/directory/export.json", "/en/directory/code-of-conduct/"):
        assert client.get(url).status_code == 200
