"""Issue 7 §2: nothing dangerous in what we publish. The directory's export.csv opens in a spreadsheet, and
providers write their own contact details (§5.2.1): no cell may run as a formula (OWASP CSV injection),
and phone numbers stay readable."""

import csv
import io
import json

import pytest

from cpp_registry.csvsafe import csv_safe
from cpp_registry.roles import Role
from directory.exports import SCHEMA_VERSION
from directory.models import CONTACT_FIELDS, ContactChangeRequest
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

CSV_URL = "/en/directory/export.csv"
JSON_URL = "/en/directory/export.json"

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def csv_rows(client, **params):
    response = client.get(CSV_URL, params)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_safe_makes_a_formula_text(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["", "Chan Tai Man", "陳大文", "(852) 2123 4567", "info@green.example.hk", "a=b", " =1", "'quoted"]
)
def test_csv_safe_leaves_everything_else_as_it_is(value):
    assert csv_safe(value) == value


def test_csv_safe_writes_none_as_empty():
    assert csv_safe(None) == ""


@pytest.mark.parametrize("value", FORMULAS)
def test_a_contact_person_that_would_be_a_formula_comes_out_as_text(client, value):
    organisation = OrganisationFactory(contact_person=value)
    RegistrationFactory(organisation=organisation)
    (row,) = csv_rows(client)
    assert row["contact_person"] == "'" + value
    # The JSON is no spreadsheet: it keeps the value as it is.
    assert json.loads(client.get(JSON_URL).content)["results"][0]["contact_person"] == value


def test_every_field_of_the_csv_is_quoted_so_no_separator_starts_a_cell(client):
    organisation = OrganisationFactory(contact_person='Chan; =1+1, "Tai Man"', contact_title="=1+1")
    RegistrationFactory(organisation=organisation)
    raw = client.get(CSV_URL).content.decode("utf-8-sig")
    header, line = raw.split("\r\n")[:2]
    assert header.startswith('"id","name_en",')
    assert '"Chan; =1+1, ""Tai Man""","\'=1+1"' in line
    assert all(cell.startswith('"') for cell in line.split('","')[:1])


def test_phone_and_fax_are_readable_in_the_csv_and_e164_in_the_json(client):
    organisation = OrganisationFactory(phone="+85221234567", fax="+862012345678")
    RegistrationFactory(organisation=organisation)
    (row,) = csv_rows(client)
    assert (row["phone"], row["fax"]) == ("(852) 2123 4567", "(86) 20 1234 5678")
    payload = json.loads(client.get(JSON_URL).content)
    assert payload["schema_version"] == SCHEMA_VERSION == 3
    assert (payload["results"][0]["phone"], payload["results"][0]["fax"]) == ("+85221234567", "+862012345678")


def test_no_phone_no_fax_are_empty_cells(client):
    RegistrationFactory(organisation=OrganisationFactory(phone="", fax=""))
    (row,) = csv_rows(client)
    assert (row["phone"], row["fax"]) == ("", "")


def test_section_5_2_1_a_formula_sent_in_a_contact_change_is_text_once_approved(client):
    """End to end: the provider asks in the portal, the Secretariat approves in the admin, anyone downloads."""
    owner = UserFactory(email="owner@provider.example.hk")
    organisation = OrganisationFactory(name_en="Echo Limited", phone="+85221234567", users=[owner])
    RegistrationFactory(organisation=organisation, status="confirmed")
    details = {name: str(value or "") for name, value in organisation.contact_details().items()}

    client.force_login(owner)
    asked = {
        **details,
        "contact_person": '=HYPERLINK("http://evil","x")',
        "contact_title": "@SUM(A1)",
        "address_en": "-2+3 Example Road",
        "phone": "2123 4567",
        "fax": "2345 6789",
    }
    assert client.post(f"/en/directory/mine/{organisation.pk}/contact-change/", asked).status_code == 302
    change = ContactChangeRequest.objects.get(organisation=organisation)
    client.logout()

    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    url = f"/en/admin/directory/contactchangerequest/{change.pk}/change/"
    data = {name: str(getattr(change, name) or "") for name in CONTACT_FIELDS}
    assert client.post(url, {**data, "decision": "approve", "decision_note": ""}).status_code == 302
    change.refresh_from_db()
    assert change.status == ContactChangeRequest.Status.APPROVED
    client.logout()

    (row,) = csv_rows(client)
    assert row["name_en"] == "Echo Limited"
    assert row["contact_person"] == '\'=HYPERLINK("http://evil","x")'
    assert row["contact_title"] == "'@SUM(A1)"
    assert row["address_en"] == "'-2+3 Example Road"
    assert (row["phone"], row["fax"]) == ("(852) 2123 4567", "(852) 2345 6789")
    # The directory's own pages show the details as written (HTML-escaped by the templates).
    assert "=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)" in client.get("/en/directory/").content.decode()
