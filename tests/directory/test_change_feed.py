"""Issue 10 §1.4: the register's changes — every grant, confirmation, expiry, cancellation as substandard,
withdrawal and removal, newest first — as a page and an Atom feed in each language, from the transition log
in one query, with nothing the directory does not publish already. Dates written by hand."""

import datetime
from xml.etree import ElementTree

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django_fsm_log.models import StateLog

from cpp_registry.roles import Role
from directory import services
from directory.models import Category, Registration
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import FundedProjectFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))
ATOM = "{http://www.w3.org/2005/Atom}"


def at(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


@pytest.fixture
def officer():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="chan.officer@secretariat.example.hk")


@pytest.fixture
def history(officer):
    """One of each change, a day apart, the last on 2026-07-01 (Hong Kong time)."""
    green = OrganisationFactory(name_en="Green Tech Limited", name_zh="綠色科技有限公司")
    blue = OrganisationFactory(name_en="Blue Sky Limited", name_zh="藍天有限公司")
    harbour = OrganisationFactory(name_en="Harbour Limited", name_zh="海港有限公司")
    with at(D(2026, 3, 15)):
        g1 = services.registration_grant(organisation=green, category=Category.CONSULTANCY, actor=officer)
        b2 = services.registration_grant(organisation=blue, category=Category.CONSULTANCY_ENGINEERING, actor=officer)
        h1 = services.registration_grant(organisation=harbour, category=Category.CONSULTANCY, actor=officer)
    project = FundedProjectFactory(provider=green, role_category=Category.CONSULTANCY)
    with at(D(2026, 6, 1)):
        services.funded_project_report_decide(project=project, actor=officer, approved=True)
    with at(D(2026, 6, 2)):
        services.registration_cancel_substandard(registration=h1, actor=officer, reason="SECRET substandard note")
    with at(D(2026, 6, 3)):
        services.registration_withdraw(registration=b2, actor=officer, reason="SECRET withdrawal letter")
    with at(D(2026, 7, 1)):
        services.registration_remove(registration=g1, actor=officer, reason="SECRET committee minutes")
    return {"green": g1, "blue": b2, "harbour": h1}


def test_every_change_newest_first_with_date_number_provider_category_and_what_happened(client, history):
    response = client.get("/en/directory/changes/")
    assert response.status_code == 200
    rows = [(c["date"], c["number"], c["name"], c["category"], c["transition"]) for c in response.context["changes"]]
    green, blue, harbour = (history[k].number for k in ("green", "blue", "harbour"))
    assert rows == [
        ("2026-07-01", green, "Green Tech Limited", "Category 1 — Consultancy", "remove"),
        ("2026-06-03", blue, "Blue Sky Limited", "Category 2 — Consultancy-engineering", "withdraw"),
        ("2026-06-02", harbour, "Harbour Limited", "Category 1 — Consultancy", "cancel_substandard"),
        ("2026-06-01", green, "Green Tech Limited", "Category 1 — Consultancy", "confirm"),
        ("2026-03-15", harbour, "Harbour Limited", "Category 1 — Consultancy", "grant"),
        ("2026-03-15", blue, "Blue Sky Limited", "Category 2 — Consultancy-engineering", "grant"),
        ("2026-03-15", green, "Green Tech Limited", "Category 1 — Consultancy", "grant"),
    ]
    body = response.content.decode()
    for words in (
        "Removed on the decision of the Project Management Committee (§6.3)",
        "Withdrawn at the provider&#x27;s written request (§5.2.4)",
        "Cancelled as substandard (§3.3.4)",
        "Confirmed (§3.3.2)",
        "Granted a provisional registration (§3.3.1)",
    ):
        assert words in body


def test_an_expiry_is_a_change_too(client):
    organisation = OrganisationFactory(name_en="Late Limited")
    with at(D(2026, 3, 15)):
        registration = services.registration_grant(organisation=organisation, category=Category.CONSULTANCY)
    with at(D(2028, 3, 15), hour=0):
        services.registrations_expire(today=D(2028, 3, 15))
    [expiry, _grant] = client.get("/en/directory/changes/").context["changes"]
    assert (expiry["date"], expiry["number"], expiry["transition"]) == ("2028-03-15", registration.number, "expire")
    assert expiry["what"] == "Cancelled: the 24 months ended without confirmation (§3.3.3)"


def test_nothing_personal_neither_the_reasons_staff_wrote_nor_who_made_the_change(client, history, officer):
    officer.first_name, officer.last_name = "Tai Man", "Chan"
    officer.save()
    for url in ("/en/directory/changes/", "/en/directory/changes.atom", "/zh-hant/directory/changes/"):
        body = client.get(url).content.decode()
        assert "SECRET" not in body, url
        assert "chan.officer" not in body and "Tai Man" not in body, url


def test_the_atom_feed_in_each_language(client, history):
    response = client.get("/en/directory/changes.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 7
    first = entries[0]
    green = history["green"].number
    assert first.findtext(f"{ATOM}title") == (
        f"{green} Green Tech Limited: Removed on the decision of the Project Management Committee (§6.3)"
    )
    assert first.findtext(f"{ATOM}updated").startswith("2026-07-01T02:00:00")  # 10:00 in Hong Kong
    assert "2026-07-01" in first.findtext(f"{ATOM}summary")
    assert first.find(f"{ATOM}link").get("href").endswith(f"/en/directory/changes/#change-{history_last_id()}")
    # The entries keep their ids from one request to the next (a feed reader's “new” is by id).
    again = ElementTree.fromstring(client.get("/en/directory/changes.atom").content)
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == [
        e.findtext(f"{ATOM}id") for e in entries
    ]

    chinese = ElementTree.fromstring(client.get("/zh-hant/directory/changes.atom").content)
    assert chinese.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-hant"
    title = chinese.find(f"{ATOM}entry").findtext(f"{ATOM}title")
    assert title.startswith(f"{green} 綠色科技有限公司：") and "除名" in title
    simplified = ElementTree.fromstring(client.get("/zh-hans/directory/changes.atom").content)
    assert simplified.find(f"{ATOM}entry").findtext(f"{ATOM}title").startswith(f"{green} 绿色科技有限公司：")


def history_last_id():
    return StateLog.objects.order_by("-timestamp", "-id").values_list("id", flat=True).first()


def test_the_page_in_chinese_shows_names_in_the_pages_script(client, history):
    hant = client.get("/zh-hant/directory/changes/").content.decode()
    assert "綠色科技有限公司" in hant
    assert "<h1>登記冊的變更</h1>" in hant
    assert "按項目管理委員會的決定除名（§6.3）" in hant
    hans = client.get("/zh-hans/directory/changes/").content.decode()
    assert "绿色科技有限公司" in hans
    assert "綠色科技有限公司" not in hans


def make_changes(n):
    """n grants in the log, one a minute from 2026-03-15 09:00 Hong Kong time."""
    content_type = ContentType.objects.get_for_model(Registration)
    organisation = OrganisationFactory()
    registration = services.registration_grant(organisation=organisation, category=Category.CONSULTANCY, imported=True)
    start = datetime.datetime(2026, 3, 15, 9, tzinfo=HKT)
    StateLog.objects.bulk_create(
        [
            StateLog(
                content_type=content_type,
                object_id=registration.pk,
                transition="grant",
                state="provisional",
                timestamp=start + datetime.timedelta(minutes=i),
                by=UserFactory() if i == 0 else None,
            )
            for i in range(n - 1)
        ]
    )


@pytest.mark.parametrize("n", [10, 100])
def test_a_page_of_changes_costs_one_query(client, django_assert_num_queries, n):
    make_changes(n)
    with django_assert_num_queries(1):
        response = client.get("/en/directory/changes/")
    assert len(response.context["changes"]) == min(n, 50)
    with django_assert_num_queries(1):
        response = client.get("/zh-hant/directory/changes.atom")
    assert response.status_code == 200


def test_pages_of_fifty_newer_and_older(client):
    make_changes(120)
    first = client.get("/en/directory/changes/")
    assert (len(first.context["changes"]), first.context["newer"], first.context["older"]) == (50, None, 2)
    assert 'href="/en/directory/changes/?page=2"' in first.content.decode()
    third = client.get("/en/directory/changes/", {"page": 3})
    assert (len(third.context["changes"]), third.context["newer"], third.context["older"]) == (20, 2, None)
    seen = [
        change["id"]
        for page in (1, 2, 3)
        for change in client.get("/en/directory/changes/", {"page": page}).context["changes"]
    ]
    assert len(seen) == len(set(seen)) == 120


@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999999999999999999999999", "1.5"])
def test_any_page_number_answers_without_a_500(client, page):
    make_changes(3)
    response = client.get("/en/directory/changes/", {"page": page})
    assert response.status_code == 200


def test_the_pages_are_public(client, history):
    for url in ("/en/directory/changes/", "/zh-hant/directory/changes.atom", "/zh-hans/directory/changes/"):
        assert client.get(url).status_code == 200
    page = client.get("/en/directory/").content.decode()
    assert 'href="/en/directory/changes/"' in page
    assert 'type="application/atom+xml"' in client.get("/en/directory/changes/").content.decode()
