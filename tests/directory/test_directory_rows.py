"""The directory list's rows, written in Python for speed (directory/rows.py, issue 11 §4): the same
content as the template wrote, every value escaped, phone numbers in the national format."""

import datetime
import re

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from directory import services, text
from directory.models import Category, FundedProject
from directory.rows import options_html, rows_html
from tests.directory.factories import FundedProjectFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
D = datetime.date
LABELS = {"registrations": "Registrations", "areas": "Areas of work", "contact": "Contact", "provisional": "P title"}


def table_rows(html):
    return re.findall(r"<tr><th scope=\"row\".*?</tr>", html, flags=re.S)


def test_a_row_shows_name_other_name_registrations_areas_and_contact(client):
    organisation = OrganisationFactory(
        name_en="Green Tech Limited",
        name_zh="綠色科技有限公司",
        areas="a",
        contact_person="Chan Tai Man",
        contact_title="Manager",
        phone="+85221234567",
        fax="+85223456789",
        email="info@greentech.example.hk",
    )
    services.registration_grant(
        organisation=organisation, category=Category.CONSULTANCY_ENGINEERING, granted_on=D(2026, 3, 15)
    )
    services.registration_grant(organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15))
    FundedProjectFactory(provider=organisation, areas="e", report_status=FundedProject.ReportStatus.APPROVED)
    [row] = table_rows(client.get("/en/directory/").content.decode())
    assert f'<a href="/en/directory/{organisation.pk}/">Green Tech Limited</a>' in row
    assert '<div class="small fw-normal">綠色科技有限公司</div>' in row
    # Category 1 before category 2, each with its number and its state in words beside the P marker.
    first, second = re.findall(r'class="registration-number">(ETSP-\d-\d{6})<', row)
    assert (first[5], second[5]) == ("1", "2")
    assert row.count('<span class="badge p-marker" title="Provisional registration (§3.3.1)">P</span>') == 2
    assert row.count("Provisional, valid until 2028-03-14") == 2
    # Areas declared (a) and shown by an approved funded project (e), in order.
    assert re.findall(r"<li>(\([ae]\)[^<]*)</li>", row)[0].startswith("(a)")
    assert re.findall(r"<li>(\([ae]\)[^<]*)</li>", row)[1].startswith("(e)")
    assert "Chan Tai Man, Manager<br>Phone: 2123 4567; Fax: 2345 6789<br>" in row
    assert '<a href="mailto:info@greentech.example.hk">info@greentech.example.hk</a>' in row
    assert 'data-label="Registrations"' in row and 'data-label="Contact"' in row


def test_a_row_in_chinese_puts_the_chinese_name_first_with_full_width_punctuation(client):
    organisation = OrganisationFactory(
        name_en="Green Tech Limited", name_zh="綠色科技有限公司", phone="+85221234567", contact_person="陳大文"
    )
    services.registration_grant(organisation=organisation, category=Category.CONSULTANCY, granted_on=D(2026, 3, 15))
    [row] = table_rows(client.get("/zh-hant/directory/").content.decode())
    assert f'<a href="/zh-hant/directory/{organisation.pk}/">綠色科技有限公司</a>' in row
    assert '<div class="small fw-normal">Green Tech Limited</div>' in row
    assert "陳大文<br>電話：2123 4567<br>" in row
    [simplified] = table_rows(client.get("/zh-hans/directory/").content.decode())
    assert ">绿色科技有限公司</a>" in simplified


def test_every_value_in_a_row_is_escaped():
    row = {
        "pk": 7,
        "name": "<script>alert(1)</script>",
        "other": 'A "quoted" & <b>bold</b> name',
        "registrations": [
            {"number": "<i>", "category": "<u>", "provisional": True, "state": "<img src=x onerror=alert(1)>"},
            {"number": "N", "category": "C", "provisional": False, "state": "</td>"},
        ],
        "areas": ["<svg onload=alert(1)>"],
        "person": "<b>Chan</b>",
        "phones": "<i>2123</i>",
        "email": '"><script>x</script>',
    }
    labels = {"registrations": '"><x>', "areas": "<a>", "contact": "&", "provisional": '" onmouseover="x'}
    html = rows_html([row], detail_prefix='/en/directory/"x/', labels=labels)
    for tag in ("<script", "<b>", "<img", "<svg", "<u>", "<x>", "</td>\n", '" onmouseover'):
        assert tag not in html.replace("</td><td", "").replace("</td></tr>\n", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt; name" in html
    assert 'href="mailto:&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert 'title="&quot; onmouseover=&quot;x"' in html


def test_a_row_without_areas_or_contact_shows_a_dash_and_nothing_else():
    row = {"pk": 1, "name": "A", "other": "", "registrations": [], "areas": [], "person": "", "phones": "", "email": ""}
    html = rows_html([row], detail_prefix="/en/directory/", labels=LABELS)
    assert '<td data-label="Areas of work" class="small">—</td>' in html
    assert '<td data-label="Contact" class="small"></td>' in html
    assert "fw-normal" not in html


@pytest.mark.parametrize(
    "stored",
    [
        "+85221234567",
        "+85291234567",
        "+85261234567",
        "+85239876543",
        "+862012345678",
        "+8675512345678",
        "+8613812345678",
    ],
)
def test_phone_numbers_show_as_the_phonenumbers_library_formats_them(stored):
    assert text.national(stored) == PhoneNumber.from_string(stored).as_national


def test_a_phone_number_the_library_finds_invalid_shows_as_stored_and_none_shows_nothing():
    assert text.national("+85200000000") == "+85200000000"
    assert text.national("") == ""
    assert text.national(None) == ""


def test_the_search_forms_options_mark_the_chosen_one_and_escape_everything(client):
    html = client.get("/en/directory/?district=kwun_tong&sort=category").content.decode()
    assert '<option value="kwun_tong" selected>Kwun Tong</option>' in html
    assert '<option value="category" selected>Category</option>' in html
    assert '<option value="" selected>Any category</option>' in html  # a filter not chosen: its "any"
    assert html.count(" selected>") == 5  # one per drop-down
    assert options_html([("<x>", 'A "b" & <c>')], "<x>") == (
        '<option value="&lt;x&gt;" selected>A &quot;b&quot; &amp; &lt;c&gt;</option>'
    )
