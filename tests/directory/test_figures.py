"""Issue 10 §1.5: the register in figures — providers by category, state and area of work, and grants,
expiries and removals in each of the last 12 months (Hong Kong time) — as charts drawn on the server
(inline SVG, readable without colour, with text alternatives) and a table beside each, in three aggregate
queries. Figures and months written by hand."""

import datetime
import re

import pytest
import time_machine

from cpp_registry.roles import Role
from directory import figures, services
from directory.models import Category
from tests.core.factories import staff_user
from tests.directory.factories import FundedProjectFactory, OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))
URL = "/en/directory/figures/"
TODAY = datetime.datetime(2026, 11, 27, 10, tzinfo=HKT)


def at(moment):
    return time_machine.travel(moment, tick=False)


GRANTED = D(2026, 3, 15)


def grant(organisation, category=Category.CONSULTANCY, on=GRANTED):
    return services.registration_grant(organisation=organisation, category=category, granted_on=on, imported=True)


@pytest.fixture
def register():
    """A: category 1 provisional, declares (a). B: category 1 confirmed and category 2 provisional, an approved
    project in (d). C: category 2 confirmed, a project in (e) not approved yet. D: withdrawn (not listed)."""
    a = OrganisationFactory(name_en="A", areas="a")
    RegistrationFactory(organisation=a, category="1")
    b = OrganisationFactory(name_en="B", areas="")
    RegistrationFactory(organisation=b, category="1", status="confirmed", confirmed_on=D(2026, 9, 1))
    RegistrationFactory(organisation=b, category="2")
    FundedProjectFactory(provider=b, areas="d", report_status="approved")
    c = OrganisationFactory(name_en="C", areas="")
    RegistrationFactory(organisation=c, category="2", status="confirmed", confirmed_on=D(2026, 9, 1))
    FundedProjectFactory(provider=c, areas="e")
    d = OrganisationFactory(name_en="D", areas="abcde")
    RegistrationFactory(organisation=d, category="1", status="withdrawn")


def test_providers_by_category_state_and_area(client, register):
    charts = client.get(URL).context["charts"]
    assert charts["total"] == 3
    assert charts["categories"]["rows"] == [
        ("Category 1 — Consultancy", 2),
        ("Category 2 — Consultancy-engineering", 2),
    ]
    assert charts["states"]["rows"] == [("Provisional (P)", 2), ("Confirmed", 2)]
    assert [value for _label, value in charts["areas"]["rows"]] == [1, 0, 0, 1, 0]


def test_grants_expiries_and_removals_in_each_of_the_last_12_months_hong_kong_time(client):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    with at(datetime.datetime(2024, 5, 10, 10, tzinfo=HKT)):
        grant(OrganisationFactory(), on=D(2024, 5, 10))  # granted before the 12 months: not counted
    with at(datetime.datetime(2026, 5, 10, 0, 5, tzinfo=HKT)):
        services.registrations_expire(today=D(2026, 5, 10))  # the expiry, in May 2026
    with at(datetime.datetime(2025, 11, 30, 23, tzinfo=HKT)):
        grant(OrganisationFactory(), on=D(2025, 11, 30))  # November 2025: before the 12 months
    with at(datetime.datetime(2025, 12, 1, 0, 30, tzinfo=HKT)):  # 30 November in UTC, December in Hong Kong
        grant(OrganisationFactory(), on=D(2025, 12, 1))
    with at(datetime.datetime(2026, 3, 2, 10, tzinfo=HKT)):
        removed = grant(OrganisationFactory(), on=D(2026, 3, 2))
        grant(OrganisationFactory(), on=D(2026, 3, 2))
    with at(datetime.datetime(2026, 11, 1, 7, tzinfo=HKT)):  # 31 October in UTC
        services.registration_remove(registration=removed, actor=pmt, reason="The PMC decided")
    with at(TODAY):
        response = client.get(URL)
    months = response.context["charts"]["months"]
    assert [(month.isoformat()[:7], values) for month, values in months["rows"]] == [
        ("2025-12", [1, 0, 0]),
        ("2026-01", [0, 0, 0]),
        ("2026-02", [0, 0, 0]),
        ("2026-03", [2, 0, 0]),
        ("2026-04", [0, 0, 0]),
        ("2026-05", [0, 1, 0]),
        ("2026-06", [0, 0, 0]),
        ("2026-07", [0, 0, 0]),
        ("2026-08", [0, 0, 0]),
        ("2026-09", [0, 0, 0]),
        ("2026-10", [0, 0, 0]),
        ("2026-11", [0, 0, 1]),
    ]
    assert months["totals"] == [3, 1, 1]


def test_the_last_months_run_across_the_year():
    assert figures.last_months(D(2026, 2, 14), 3) == [D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
    assert len(figures.last_months(D(2026, 11, 27))) == 12


@pytest.mark.parametrize("n", [10, 100])
def test_the_page_costs_three_queries_whatever_the_size_of_the_register(client, django_assert_num_queries, n):
    for i in range(n):
        organisation = OrganisationFactory(areas="ace"[i % 3])
        RegistrationFactory(organisation=organisation, category="12"[i % 2])
        if i % 5 == 0:
            FundedProjectFactory(provider=organisation, areas="b", report_status="approved")
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert response.context["charts"]["total"] == n


def test_the_charts_are_inline_svg_readable_without_colour_and_described(client, register):
    html = client.get(URL).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "<script" not in main and " style=" not in main  # the CSP forbids inline scripts and styles
    svgs = re.findall(r"<svg\b[^>]*>", main)
    assert len(svgs) == 4
    for svg in svgs:
        assert 'role="img"' in svg
        title, desc = re.search(r'aria-labelledby="([\w-]+) ([\w-]+)"', svg).groups()
        assert f'<title id="{title}">' in main and f'<desc id="{desc}">' in main
    assert main.count("<figure") == main.count("<figcaption>") == 4
    assert main.count("<table") == 4
    # The text alternative says every figure; each bar carries its number.
    assert "Category 1 — Consultancy: 2; Category 2 — Consultancy-engineering: 2" in main
    assert '<text class="chart-value" x="430.0" y="41">2</text>' in main
    # The monthly series differ by pattern, and the legend shows them.
    assert 'fill="url(#chart-months-expiries)"' in main and 'fill="url(#chart-months-removals)"' in main
    assert "<pattern" in main


def test_the_figures_in_chinese(client, register):
    hant = client.get("/zh-hant/directory/figures/").content.decode()
    assert "<h1>登記冊數據一覽</h1>" in hant
    assert "類別一 — 顧問公司：2；類別二 — 顧問工程公司：2" in hant
    hans = client.get("/zh-hans/directory/figures/").content.decode()
    assert "<h1>登记册数据一览</h1>" in hans


def test_the_page_is_public_and_linked_from_the_directory(client):
    assert client.get(URL).status_code == 200
    assert 'href="/en/directory/figures/"' in client.get("/en/directory/").content.decode()
