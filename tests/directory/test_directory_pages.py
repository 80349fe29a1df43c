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
    return [row["name_en"] for row in response.context["page"].object_list]


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
    assert "Provisional, valid until 2028-03-14" in body


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
        "category_1_number",
        "category_2_number",
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
    registration = register["provisional"].registrations.get()
    assert provisional["category_1_number"] == f"ETSP-1-{registration.pk:06d}"
    assert provisional["category_2_number"] == ""


def test_open_data_json_has_the_same_rows_and_schema(client, register):
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/en/directory/export.csv").content.decode("utf-8-sig"))))
    payload = json.loads(client.get("/en/directory/export.json").content)
    assert payload["schema_version"] == 3
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


# --- Issue 10 §1: the public register -----------------------------------------------------------------------


GRANTED = D(2026, 3, 15)


def provider_with(name_en, name_zh="", category="1", status="provisional", granted=GRANTED, **fields):
    organisation = OrganisationFactory(name_en=name_en, name_zh=name_zh, **fields)
    confirmed = D(2026, 9, 1) if status == "confirmed" else None
    return RegistrationFactory(
        organisation=organisation, category=category, status=status, granted_on=granted, confirmed_on=confirmed
    )


def test_each_entry_shows_its_state_in_words_a_legend_for_p_and_its_areas_of_work(client):
    """§3.3.1, §3.3.2, §1.2.1: "P" with the words "provisional, valid until", "confirmed on" for a confirmed
    registration, a visible legend for the marker, and the areas of work (declared or from an approved
    funded project) on every row."""
    provisional = provider_with("Alpha Limited", areas="a")
    confirmed = provider_with("Bravo Limited", status="confirmed", areas="")
    FundedProjectFactory(provider=confirmed.organisation, areas="d", report_status="approved")
    FundedProjectFactory(provider=confirmed.organisation, areas="e")  # not approved: not shown
    html = client.get(LIST).content.decode()
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    alpha, bravo = rows.split("Bravo Limited")
    assert provisional.number in alpha and "P</span>" in alpha and "Provisional, valid until 2028-03-14" in alpha
    assert "(a) Low-VOC processes" in alpha
    assert confirmed.number in bravo and "Confirmed on 2026-09-01" in bravo and "p-marker" not in bravo
    assert "(d) Wastewater treatment and water reuse" in bravo and "(e) Less solid waste" not in bravo
    legend = html[html.index('class="directory-legend') : html.index("</p>", html.index('class="directory-legend'))]
    assert 'class="badge p-marker">P</span>' in legend and "Provisional registration (§3.3.1)" in legend


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Alpha", "Bravo", "Charlie", "Delta"]),
        ("name", ["Alpha", "Bravo", "Charlie", "Delta"]),
        ("category", ["Bravo", "Charlie", "Delta", "Alpha"]),
        ("valid_until", ["Charlie", "Delta", "Alpha", "Bravo"]),
        ("nonsense", ["Alpha", "Bravo", "Charlie", "Delta"]),
    ],
)
def test_the_directory_sorts_by_name_category_or_valid_until(client, sort, expected):
    """By category: the lowest held first, then name. By valid until: the soonest end of a provisional
    registration first, providers holding only confirmed registrations last."""
    provider_with("Alpha", category="2", granted=D(2026, 5, 1))
    provider_with("Bravo", category="1", status="confirmed")
    charlie = provider_with("Charlie", category="2", granted=D(2025, 1, 10))
    RegistrationFactory(organisation=charlie.organisation, category="1", status="confirmed", confirmed_on=D(2026, 1, 5))
    provider_with("Delta", category="1", granted=D(2025, 6, 1))
    assert names(client.get(LIST, {"sort": sort} if sort else {})) == expected


def test_the_order_is_kept_in_the_page_links_and_not_in_the_downloads(client):
    for i in range(25):
        provider_with(f"Org {i:02d}", district="sha_tin")
    html = client.get(LIST, {"sort": "valid_until", "district": "sha_tin"}).content.decode()
    assert 'href="?district=sha_tin&amp;sort=valid_until&amp;page=2"' in html
    assert 'export.csv?district=sha_tin"' in html and 'export.json?district=sha_tin"' in html
    assert '<option value="valid_until" selected>' in html


def test_the_district_filter(client):
    provider_with("Kwun Tong Limited", district="kwun_tong")
    provider_with("Sha Tin Limited", district="sha_tin")
    assert names(client.get(LIST, {"district": "sha_tin"})) == ["Sha Tin Limited"]
    assert names(client.get(LIST, {"district": "outside_hk"})) == []
    response = client.get(LIST, {"district": "atlantis"})
    assert "Some of the filters were not understood" in response.content.decode()
    assert len(names(response)) == 2
    payload = json.loads(client.get("/en/directory/export.json", {"district": "kwun_tong"}).content)
    assert [r["name_en"] for r in payload["results"]] == ["Kwun Tong Limited"]


def test_the_count_repeats_what_was_searched(client):
    for i in range(12):
        provider_with(f"Green {i:02d} Limited", district="kwun_tong")
    provider_with("Green Elsewhere Limited", district="sha_tin")
    response = client.get(LIST, {"q": "green", "category": "1", "district": "kwun_tong"})
    assert (
        '<p class="result-count" aria-live="polite" id="result-count">12 providers found for “green” in '
        "Category 1 — Consultancy, Kwun Tong</p>"
    ) in response.content.decode()
    assert "13 providers found for “green”</p>" in client.get(LIST, {"q": "green"}).content.decode()
    assert "1 provider found in Sha Tin</p>" in client.get(LIST, {"district": "sha_tin"}).content.decode()
    assert "13 providers found</p>" in client.get(LIST).content.decode()
    chinese = client.get("/zh-hant/directory/", {"q": "green", "category": "1", "district": "kwun_tong"})
    assert "找到 12 個供應商：搜尋「green」，類別一 — 顧問公司、觀塘</p>" in chinese.content.decode()


def test_no_results_says_what_to_try_and_clears_everything(client):
    provider_with("Green Limited")
    html = client.get(LIST, {"q": "nothing like it", "state": "confirmed"}).content.decode()
    assert "0 providers found for “nothing like it” in Confirmed" in html
    assert "<table" not in html
    for words in ("check the spelling", "the other language or script", "use fewer filters"):
        assert words in html
    assert '<a href="/en/directory/">clear the search and all the filters</a>' in html
    hans = client.get("/zh-hans/directory/", {"q": "無此名稱"}).content.decode()
    assert "检查名称的拼写" in hans


def test_the_detail_page_has_breadcrumbs(client):
    registration = provider_with("Echo Limited", "回聲有限公司")
    html = client.get(registration.organisation.get_absolute_url()).content.decode()
    crumbs = html[html.index('<nav aria-label="Breadcrumb"') : html.index("</nav>", html.index("Breadcrumb"))]
    assert '<a href="/en/">Home</a>' in crumbs
    assert '<a href="/en/directory/">Directory of Environmental Technology Service Providers</a>' in crumbs
    assert '<li class="breadcrumb-item active" aria-current="page">Echo Limited</li>' in crumbs
    assert registration.number in html and "Provisional, valid until 2028-03-14" in html


def test_the_directorys_pages_load_their_own_and_the_print_stylesheet(client):
    registration = provider_with("Foxtrot Limited")
    for url in (LIST, registration.organisation.get_absolute_url(), "/en/directory/changes/", "/en/directory/figures/"):
        html = client.get(url).content.decode()
        assert '<link rel="stylesheet" href="/static/css/directory.css">' in html, url
        assert '<link rel="stylesheet" href="/static/css/directory-print.css" media="print">' in html, url
    from django.conf import settings

    printed = (settings.BASE_DIR / "static" / "css" / "directory-print.css").read_text()
    for hidden in (".portal-header", ".portal-nav", ".directory-search", ".directory-filters", ".directory-pages"):
        assert hidden in printed.split("display: none")[0]
    assert "display: table !important" in printed  # the table whole, not stacked


def test_the_register_as_at_its_date_and_time_in_hong_kong(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 27, 1, 30, tzinfo=datetime.UTC), tick=False)
    provider_with("Golf Limited")
    html = client.get(LIST).content.decode()
    assert "Register as at 2026-11-27 09:30, Hong Kong time." in html
    assert "2026年11月27日" not in html
    assert "登記冊截至 2026-11-27 09:30（香港時間）。" in client.get("/zh-hant/directory/").content.decode()
    payload = json.loads(client.get("/en/directory/export.json").content)
    assert payload["register_as_at"] == "2026-11-27T09:30:00+08:00"
    assert payload["generated_at"] == "2026-11-27T01:30:00+00:00"
    response = client.get("/en/directory/export.csv")
    assert response["X-Register-As-At"] == "2026-11-27T09:30:00+08:00"
    assert response["Content-Disposition"] == 'attachment; filename="etsp-directory-2026-11-27-0930-HKT.csv"'
    assert response.content.decode("utf-8-sig").startswith('"id","name_en"')  # the first row is the header


def test_simplified_pages_show_traditional_data_in_simplified_and_the_registered_name_as_held(client):
    registration = provider_with(
        "Hotel Limited",
        "香港環保科技有限公司",
        address_zh="觀塘道1號環球大廈",
        contact_person="陳偉強",
        contact_title="經理",
        fax="+85223456789",
    )
    organisation = registration.organisation
    listed = client.get("/zh-hans/directory/").content.decode()
    assert "香港环保科技有限公司" in listed and "香港環保科技有限公司" not in listed
    assert "陈伟强，经理" in listed
    detail = client.get(f"/zh-hans/directory/{organisation.pk}/").content.decode()
    assert "<h1>香港环保科技有限公司</h1>" in detail
    assert "观塘道1号环球大厦" in detail and "陈伟强，经理" in detail
    assert '登记名称：<span lang="zh-Hant-HK">香港環保科技有限公司</span>' in detail
    # Traditional pages show the register as held, and need no second name.
    hant = client.get(f"/zh-hant/directory/{organisation.pk}/").content.decode()
    assert "<h1>香港環保科技有限公司</h1>" in hant and "登記名稱" not in hant
    # The search still finds it, in either script; the open data keeps the characters as held.
    assert names(client.get("/zh-hans/directory/", {"q": "环保科技"})) == ["Hotel Limited"]
    payload = json.loads(client.get("/zh-hans/directory/export.json").content)
    assert payload["results"][0]["name_zh"] == "香港環保科技有限公司"


def test_contact_lines_in_chinese_use_full_width_punctuation(client):
    provider_with(
        "India Limited", "印度有限公司", contact_person="Chan Tai Man", contact_title="Manager", fax="+85223456789"
    )
    english = client.get(LIST).content.decode()
    assert "Chan Tai Man, Manager<br>" in english and "Phone: 2123 4567; Fax: 2345 6789<br>" in english
    for language, line in (
        ("zh-hant", "電話：2123 4567；傳真：2345 6789<br>"),
        ("zh-hans", "电话：2123 4567；传真：2345 6789<br>"),
    ):
        html = client.get(f"/{language}/directory/").content.decode()
        assert line in html, language
        assert "Chan Tai Man，Manager<br>" in html, language
