"""Issue 8, "Done when", in the real Chromium and in English: a new applicant signs up (confirming the address
from the emailed link), fills Annex A over two sittings — logging out between them and resuming from the
dashboard —, submits; the Programme Management Team (with the code of its authenticator app) asks for
information in the back office; the applicant follows the emailed request's link, logs in and answers with a
document; staff approve; an anonymous visitor finds the organisation in the public directory, marked
provisional (P).

Only the pages are driven; the database is read at the end for what no page shows (the written notices, the
processing clock's history)."""

import re

import pytest
from django.core import mail

from applications.models import Application
from cpp_registry.models import Deadline, DeadlineEvent, Notice
from cpp_registry.roles import Role
from tests.browser.conftest import (
    admin_step,
    admin_submit,
    emailed_link,
    log_in,
    log_in_here,
    log_out,
    open_as,
    pdf,
    watch_for_errors,
)
from tests.core.factories import PASSWORD, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT = "wong.tai.man@greenloop.example.hk"
APPLICANT_PASSWORD = "Annex-A-long-passw0rd"
ORGANISATION = "Greenloop Consultants Limited"
STAFF = [
    ("Chan Siu Ming", "Senior Energy Consultant", "6"),
    ("Lee Ka Yan", "Pollution Control Engineer", "4"),
    ("Ho Wing Sze", "Cleaner Production Adviser", "3"),
]
PROJECTS = [
    ("Boiler heat recovery audit", "Bright Textiles Limited", "2023-02-01", "2023-08-31"),
    ("Wastewater reuse study", "Pearl Dyeing Factory", "2023-09-04", "2024-03-29"),
    ("Compressed air leak survey", "Harbour Plastics Company", "2024-05-06", "2024-11-29"),
]


def save_and_continue(page):
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Save and continue").click()


def open_section(page, name):
    with page.expect_navigation():
        page.locator(".task-list").get_by_role("link", name=name, exact=True).click()


def section_status(page, section):
    return page.locator(f"#task-{section}-status").inner_text()


def status_message(page):
    return page.locator("main .messages").inner_text()


def sign_up_and_confirm(page):
    page.goto("/en/")
    page.locator("header").get_by_role("link", name="Create an account").click()
    page.wait_for_url("**/en/accounts/signup/")
    page.fill("#id_email", APPLICANT)
    page.fill("#id_full_name", "Wong Tai Man")
    page.select_option("#id_language", "en")
    page.fill("#id_password1", APPLICANT_PASSWORD)
    page.fill("#id_password2", APPLICANT_PASSWORD)
    page.locator("main").get_by_role("button", name="Create the account").click()
    page.wait_for_url("**/en/accounts/confirm-email/")
    [message] = mail.outbox  # the live server runs in this process: its mail is in this outbox
    assert message.to == [APPLICANT]
    link = re.search(r"https?://\S+/en/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/en/accounts/login/")


def staff_open_application(page, staff, reference):
    """Staff open the back office (logging in on the way), its list of applications, then the application."""
    open_as(page, "/en/admin/", staff.email, PASSWORD)
    page.locator("#content-main").get_by_role("link", name="Applications", exact=True).click()
    page.wait_for_url("**/en/admin/applications/application/")
    with page.expect_navigation():
        page.locator("#result_list").get_by_role("link", name=reference).click()


def test_an_applicant_fills_annex_a_in_two_sittings_and_is_listed_provisionally_after_an_information_request(
    page, tmp_path, media_root, notices_link_here
):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk", full_name="Mary Cheung")
    problems = watch_for_errors(page)

    # --- first sitting: sign up, start, organisation details and categories; log out -------------------
    sign_up_and_confirm(page)
    log_in_here(page, APPLICANT, APPLICANT_PASSWORD)  # the log-in page, where confirming the address leads
    page.locator("nav.portal-nav").get_by_role("link", name="My applications").click()
    page.wait_for_url("**/en/applications/")
    assert "You have no application yet." in page.locator("main").inner_text()
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Start a new application").click()
    reference = page.locator(".application-reference strong").inner_text()
    assert re.fullmatch(r"APP-\d{4}-\d{5}", reference)
    assert f"Application {reference} is started." in status_message(page)
    assert section_status(page, "organisation") == "Not started"

    open_section(page, "Organisation details")
    page.fill("#id_name_en", ORGANISATION)
    page.fill("#id_name_zh", "綠環顧問有限公司")
    page.fill("#id_br_number", "61234567")
    page.fill("#id_address_en", "Unit 1203, 18 Harbour Road, Wan Chai, Hong Kong")
    page.select_option("#id_district", "wan_chai")
    page.fill("#id_phone", "2123 4567")
    page.fill("#id_email", "info@greenloop.example.hk")
    page.fill("#id_contact_person", "Wong Tai Man")
    page.fill("#id_contact_title", "Director")
    page.check("input[name=areas][value=a]")
    page.check("input[name=areas][value=c]")
    save_and_continue(page)
    assert "Saved: Organisation details." in status_message(page)
    assert section_status(page, "organisation") == "Completed"

    open_section(page, "Categories applied for")
    page.check("input[name=categories][value='1']")
    save_and_continue(page)
    assert section_status(page, "categories") == "Completed"
    log_out(page)
    assert page.locator("header").get_by_role("link", name="Log in").is_visible()

    # --- second sitting: log in again, resume from the dashboard, the earlier answers are there ---------
    log_in(page, APPLICANT, APPLICANT_PASSWORD)
    page.locator("nav.portal-nav").get_by_role("link", name="My applications").click()
    page.wait_for_url("**/en/applications/")
    row = page.locator("main table tbody tr")
    assert row.count() == 1
    assert ORGANISATION in row.inner_text() and "Draft" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name=reference).click()
    assert section_status(page, "organisation") == "Completed"
    assert section_status(page, "categories") == "Completed"
    assert section_status(page, "staff") == "Not started"
    open_section(page, "Organisation details")
    assert page.input_value("#id_name_en") == ORGANISATION
    assert page.input_value("#id_br_number") == "61234567"
    assert page.input_value("#id_contact_person") == "Wong Tai Man"
    assert page.is_checked("input[name=areas][value=c]")
    page.get_by_role("link", name="Back to the task list").click()
    open_section(page, "Categories applied for")
    assert page.is_checked("input[name=categories][value='1']")
    assert not page.is_checked("input[name=categories][value='2']")
    page.get_by_role("link", name="Back to the task list").click()

    # Staff, each with a proof document (§3.2.2 a: category 1 needs 3 with at least 2 years each).
    open_section(page, "Staff and their experience")
    for number, (name, position, years) in enumerate(STAFF, start=1):
        page.locator("main").get_by_role("link", name=re.compile(r"^Add (a|another) member of staff$")).click()
        page.fill("#id_name", name)
        page.fill("#id_position", position)
        page.fill("#id_years", years)
        page.fill("#id_months", "0")
        page.check("input[name=experience][value=energy]")
        page.check("input[name=experience][value=cleaner_production]")
        page.set_input_files("#id_proof", pdf(tmp_path, f"cv-{number}.pdf"))
        save_and_continue(page)
        assert page.locator("main table tbody tr").count() == number
    assert name in page.locator("main table").inner_text()
    page.check("#id_done")
    save_and_continue(page)
    assert section_status(page, "staff") == "Completed"

    # Project records, each with the client's contact and a supporting document (§4.1.2).
    open_section(page, "Project records")
    for number, (title, client, started, ended) in enumerate(PROJECTS, start=1):
        page.locator("main").get_by_role("link", name=re.compile(r"^Add (a|another) project$")).click()
        page.fill("#id_title", title)
        page.fill("#id_client_company", client)
        page.fill("#id_client_contact", "Ms Lam")
        page.fill("#id_client_phone", f"2987 654{number}")
        page.fill("#id_started_on", started)
        page.fill("#id_ended_on", ended)
        page.check("input[name=kind][value=consultancy]")
        page.check("input[name=completed][value=yes]")
        page.check("input[name=areas][value=b]")
        page.set_input_files("#id_document", pdf(tmp_path, f"completion-{number}.pdf"))
        save_and_continue(page)
        assert page.locator("main table tbody tr").count() == number
    page.check("#id_done")
    save_and_continue(page)
    assert section_status(page, "projects") == "Completed"

    # The signed code of conduct (§7.1), the collection statement and the declaration.
    open_section(page, "Signed code of conduct")
    page.check("input[name=kind][value=template]")
    page.set_input_files("#id_document", pdf(tmp_path, "code-of-conduct-signed.pdf"))
    save_and_continue(page)
    assert section_status(page, "code_of_conduct") == "Completed"
    open_section(page, "Personal information collection statement")
    page.check("#id_acknowledge")
    save_and_continue(page)
    open_section(page, "Declaration")
    page.fill("#id_name", "Wong Tai Man")
    page.fill("#id_position", "Director")
    page.check("#id_confirm")
    save_and_continue(page)
    for section in ("privacy", "declaration"):
        assert section_status(page, section) == "Completed"

    # Check your answers: every answer, every criterion met; submit.
    with page.expect_navigation():
        page.get_by_role("link", name="Check your answers and submit").click()
    answers = page.locator("main").inner_text()
    for expected in [ORGANISATION, "61234567", "Category 1 — Consultancy", *(s[0] for s in STAFF)]:
        assert expected in answers
    assert all(p[0] in answers for p in PROJECTS)
    criteria = page.locator("section[aria-labelledby=criteria-heading] li")
    assert criteria.count() == 2  # every application: 3 project records; category 1: 3 staff of 2 years
    assert [c.inner_text().split(":")[0] for c in criteria.all()] == ["Met", "Met"]
    assert "does not meet every criterion" not in answers
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the application").click()
    assert f"Application {reference} is submitted." in status_message(page)
    assert page.locator("#state-heading").inner_text() == "State: Submitted"
    assert "The Secretariat processes it within 10 working days" in page.locator("main").inner_text()
    log_out(page)

    # --- the Programme Management Team asks for information (§4.1.3) ------------------------------------
    staff_open_application(page, pmt, reference)  # password, then the code of the authenticator app
    assert ORGANISATION in page.locator("#content-main").inner_text()
    admin_step(page, "Ask for information (§4.1.3)")
    page.fill("#id_text", "Please send Chan Siu Ming's professional membership certificate.")
    admin_submit(page)
    assert "the request was sent to the applicant" in page.locator(".messagelist").inner_text()
    assert "Awaiting information" in page.locator(".field-status").inner_text()
    log_out(page)

    # --- the applicant follows the link of the emailed request, logs in, and answers with a document ----
    link = emailed_link(APPLICANT, reference)
    assert link == f"{notices_link_here}/en/applications/{reference}/"
    open_as(page, link, APPLICANT, APPLICANT_PASSWORD)
    state = page.locator("main").inner_text()
    assert "State: Awaiting information" in state
    assert "The 10 working days are stopped while we wait for your answer." in state
    assert "professional membership certificate" in page.locator(".conversation").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Answer the Secretariat").click()
    page.fill("#id_text", "The certificate is attached.")
    page.set_input_files("#id_documents", pdf(tmp_path, "membership-certificate.pdf"))
    with page.expect_navigation():
        page.get_by_role("button", name="Send the answer").click()
    assert "The 10 working days count again from today" in status_message(page)
    assert page.locator("#state-heading").inner_text() == "State: Submitted"
    state = page.locator("main").inner_text()
    assert "The Secretariat processes it within 10 working days" in state  # the clock runs again
    assert "The 10 working days are stopped" not in state
    assert "membership-certificate.pdf" in page.locator(".conversation").inner_text()
    log_out(page)

    # --- staff approve (§4.1.4) -------------------------------------------------------------------------
    staff_open_application(page, pmt, reference)
    assert "membership-certificate.pdf" in page.locator("#content-main").inner_text()
    admin_step(page, "Approve (§4.1.4)")
    page.fill("#id_text", "Approved in category 1.")
    admin_submit(page)
    approved = page.locator(".messagelist").inner_text()
    assert f"{reference}: approved: a provisional registration in category 1" in approved
    log_out(page)

    # --- an anonymous visitor finds the organisation in the directory, marked provisional ---------------
    page.goto("/en/")
    page.locator("nav.portal-nav").get_by_role("link", name="Directory").click()
    page.wait_for_url("**/en/directory/")
    row = page.locator("table.directory-table tbody tr").filter(has_text=ORGANISATION)
    assert row.count() == 1
    assert "P" in row.locator(".p-marker").inner_text()
    assert "Category 1" in row.inner_text()

    # --- what no page shows: the written notices, and the clock stopped and restarted -------------------
    application = Application.objects.get(reference=reference)
    assert application.status == Application.Status.APPROVED
    notices = Notice.objects.filter(subject__contains=reference)
    assert sorted(notices.values_list("template_key", "recipient_email")) == [
        ("application_answered", pmt.email),
        ("application_approved", APPLICANT),
        ("application_information_requested", APPLICANT),
        ("application_submitted", APPLICANT),
    ]
    clock = Deadline.objects.for_subject(application).get(kind=Deadline.Kind.APPLICATION_PROCESSING)
    assert (clock.restarts, clock.stopped_on) == (1, None)
    assert clock.met_at is not None
    events = list(clock.events.order_by("at", "pk").values_list("action", flat=True))
    assert events == [
        DeadlineEvent.Action.STARTED,
        DeadlineEvent.Action.STOPPED,
        DeadlineEvent.Action.RESTARTED,
        DeadlineEvent.Action.MET,
    ]
    assert problems == []
