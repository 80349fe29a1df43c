"""Issue 10 §4.3: the changelists officers report from — registrations, notices, clocks, applications and
cases — export as CSV and XLSX (django-import-export), export only, for whoever may view the model's
records; the columns people need (references, names, states in words, dates); a cell that would start a
formula comes out as text in both formats."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from applications import services as applications
from complaints import services as complaints
from cpp_registry import deadlines
from cpp_registry.models import Deadline, Notice
from cpp_registry.roles import Role
from directory.models import Registration
from tests.applications.factories import complete_application
from tests.complaints.factories import factory_with_user
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))
EVIL = '=HYPERLINK("http://evil.example/x","Click")'
MODELS = ["directory.registration", "core.notice", "core.deadline", "applications.application", "complaints.case"]
# Measured; a change here must be a deliberate one: the session, the user, their permissions (2), the rows
# (the provider joined).
EXPORT_QUERIES = 5


@pytest.fixture(autouse=True)
def thursday_26_november_2026():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 10, tzinfo=HKT), tick=False):
        yield


@pytest.fixture
def pmt():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")


@pytest.fixture
def records(pmt):
    """One row of each model, the provider's name a formula."""
    organisation = OrganisationFactory(name_en=EVIL, name_zh="+綠色科技", br_number="31234567")
    registration = RegistrationFactory(organisation=organisation, granted_on=D(2026, 3, 2))
    user = UserFactory(email="owner@greentech.example.hk")
    application = applications.application_submit(application=complete_application(user=user, name_en=EVIL), user=user)
    case = complaints.case_record(
        actor=pmt,
        factory=factory_with_user(),
        organisation=organisation,
        description="Never came back.",
        received_on=D(2026, 11, 24),
        source="post",
    )
    Notice.objects.filter(pk=Notice.objects.order_by("pk").first().pk).update(subject=EVIL)
    return {"registration": registration, "application": application, "case": case}


def export_url(label):
    app_label, model = label.split(".")
    return reverse(f"admin:{app_label}_{model}_export")


def download(client, label, file_format, query=""):
    response = client.post(export_url(label) + query, {"format": file_format})
    assert response.status_code == 200, response.content[:500]
    return response


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def xlsx_sheet(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


@pytest.mark.parametrize("label", MODELS)
def test_each_list_exports_as_csv_and_xlsx(client, pmt, records, label):
    client.force_login(pmt)
    changelist = client.get(reverse(f"admin:{label.replace('.', '_')}_changelist")).content.decode()
    assert f'href="{export_url(label)}' in changelist and "Export (CSV, XLSX)" in changelist
    page = client.get(export_url(label))
    assert page.status_code == 200 and "XLSX" in page.content.decode()
    rows = csv_rows(download(client, label, "0"))
    assert len(rows) >= 2 and all(rows[0])
    sheet = xlsx_sheet(download(client, label, "1"))
    assert [cell.value for cell in sheet[1]] == rows[0]
    assert sheet.max_row == len(rows)


def test_the_registrations_export_has_the_columns_people_need(client, pmt, records):
    client.force_login(pmt)
    header, row = csv_rows(download(client, "directory.registration", "0"))
    assert header == [
        "Registration number", "Provider (English)", "Provider (Chinese)", "BR number", "Category", "Status",
        "Granted on", "Provisional until", "Confirmed on", "Ended on", "Reason it ended",
    ]  # fmt: skip
    registration = records["registration"]
    assert row[0] == registration.number
    assert row[3:8] == ["31234567", "Category 1 — Consultancy", "Provisional (P)", "2026-03-02", "2028-03-01"]
    sheet = xlsx_sheet(download(client, "directory.registration", "1"))
    assert sheet["G2"].value == datetime.datetime(2026, 3, 2)  # a date cell, not text


def test_a_formula_comes_out_as_text_in_csv_and_in_xlsx(client, pmt, records):
    """OWASP's CSV injection: `=HYPERLINK(…)` (and `+`, `-`, `@`) is written after a quote, so that the
    spreadsheet shows the text; in XLSX the cell is a text cell, not a formula."""
    client.force_login(pmt)
    for label, column in [("directory.registration", 1), ("applications.application", None), ("complaints.case", 3)]:
        rows = csv_rows(download(client, label, "0"))
        values = [cell for row in rows[1:] for cell in row]
        assert "'" + EVIL in values, label
        assert EVIL not in values
        assert "'+綠色科技" in values or label == "applications.application"
        sheet = xlsx_sheet(download(client, label, "1"))
        cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
        assert not [cell for cell in cells if cell.data_type == "f"], label
        if column is not None:
            assert sheet.cell(row=2, column=column + 1).value == "'" + EVIL
    notices = csv_rows(download(client, "core.notice", "0"))
    assert "'" + EVIL in [cell for row in notices for cell in row]
    sheet = xlsx_sheet(download(client, "core.notice", "1"))
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_the_export_is_the_list_as_filtered(client, pmt, records):
    confirmed = RegistrationFactory(status=Registration.Status.CONFIRMED, confirmed_on=D(2026, 9, 1))
    client.force_login(pmt)
    rows = csv_rows(download(client, "directory.registration", "0", "?status__exact=confirmed"))
    assert [row[0] for row in rows[1:]] == [confirmed.number]
    overdue = deadlines.deadline_start(
        subject=OrganisationFactory(), kind=Deadline.Kind.CONTACT_CHANGE, start_day=D(2026, 11, 2)
    )
    rows = csv_rows(download(client, "core.deadline", "0", "?status=overdue"))
    assert len(rows) == 2 and rows[1][0] == "Process a contact-detail change (§5.2.2)"
    assert rows[1][2:6] == [str(overdue.subject), "2026-11-02", "2026-11-09", "Overdue"]


def test_the_applications_and_cases_exports_say_states_in_words(client, pmt, records):
    client.force_login(pmt)
    header, row = csv_rows(download(client, "applications.application", "0"))
    assert row[header.index("Reference")] == records["application"].reference
    assert row[header.index("Status")] == "Submitted"
    assert row[header.index("Due day")] == "2026-12-10"  # 10 working days from Thu 11-26
    header, row = csv_rows(download(client, "complaints.case", "0"))
    assert row[header.index("Reference")] == records["case"].reference
    assert (row[header.index("Status")], row[header.index("Received on")]) == ("Recorded", "2026-11-24")
    assert row[header.index("Notify by")] == "2026-11-26"  # 2 working days from Tue 11-24


@pytest.mark.parametrize("label", MODELS)
def test_only_those_who_may_view_the_records_export_them(client, records, label):
    """A member of staff without the model's view permission is refused (403) and gets no file; a PMC
    member, not staff, is sent to log in; the Programme Director, who reads, exports."""
    client.force_login(UserFactory(email="staff@example.hk", is_staff=True))
    assert client.get(export_url(label)).status_code == 403
    assert client.post(export_url(label), {"format": "0"}).status_code == 403
    client.force_login(staff_user(Role.PMC_MEMBER, email="member@example.hk"))
    assert client.post(export_url(label), {"format": "0"}).status_code == 302
    client.force_login(staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk"))
    assert client.post(export_url(label), {"format": "0"}).status_code == 200


@pytest.mark.parametrize("label", MODELS)
def test_export_only_no_import(client, pmt, label):
    app_label, model = label.split(".")
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:{app_label}_{model}_import")
    client.force_login(pmt)
    assert "import_link" not in client.get(reverse(f"admin:{app_label}_{model}_changelist")).content.decode()


@pytest.mark.parametrize("n", [3, 30])
def test_the_export_costs_the_same_at_n_and_10n(client, pmt, django_assert_num_queries, n):
    for _ in range(n):
        RegistrationFactory()
    client.force_login(pmt)
    client.get(reverse("admin:index"))
    with django_assert_num_queries(EXPORT_QUERIES):
        response = download(client, "directory.registration", "0")
    assert len(csv_rows(response)) == n + 1
