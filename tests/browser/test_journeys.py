"""Issue 11 §1: the journeys the two long tests (test_annex_a.py, test_complaint.py) do not walk, one test each,
in the real Chromium, each in one of the three languages in turn, each ending with what the next person sees.

The starting data is made with the project's factories and services where a journey does not start from
scratch; the pages are driven where a person would. Words on the pages are read from the catalogues in the
page's language (`words`), so that a test does not break when a translation's wording changes; links and
buttons are found by where they lead."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext, ngettext

from applications import services as applications
from applications.models import Application
from committee.models import Motion, Vote
from complaints import services as complaints
from complaints.models import Case
from cpp_registry.models import Notice
from directory.models import Registration
from directory.services import registration_grant
from tests.applications.factories import complete_application
from tests.browser.conftest import admin_step_at, admin_submit, log_out, open_as, watch_for_errors
from tests.committee.factories import members
from tests.complaints.factories import factory_with_user, funded_project, pmt, provider, ptst
from tests.core.factories import PASSWORD, UserFactory
from tests.directory.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))


def words(language, message, **params):
    """The words a page in `language` shows for `message` (from the catalogue, whatever its wording)."""
    with translation.override(language):
        text = gettext(message)
    return text % params if params else text


def back_office_message(page):
    return page.locator(".messagelist").inner_text()


def portal_message(page):
    return page.locator("main .messages").inner_text()


def directory_row(page, language, registration_number):
    """An anonymous visitor opens the directory from the home page's menu; the row holding the number."""
    page.goto(f"/{language}/")
    with page.expect_navigation():
        page.locator(f"nav.portal-nav a[href='/{language}/directory/']").click()
    return page.locator("table.directory-table tbody tr").filter(has_text=registration_number)


def search_directory(page, language, name):
    """A visitor searches the directory for a provider's name; the result's text."""
    page.goto(f"/{language}/directory/")
    page.fill("#id_q", name)
    with page.expect_navigation():
        page.locator("form.directory-search button[type=submit]").first.click()
    return page.locator("main").inner_text()


def admin_change_page(page, language, staff, model_path, pk):
    """Staff open a record's page in the back office (logging in, with the authenticator app's code)."""
    open_as(page, f"/{language}/admin/{model_path}/{pk}/change/", staff.email, PASSWORD)


def vote(page, choice):
    """A member's vote on the motion's page, and its confirmation where the committee area asks for one."""
    with page.expect_navigation():
        page.locator(f"button[name=choice][value={choice}]").click()
    if page.locator("#vote-to-confirm").count():
        with page.expect_navigation():
            page.locator("main form[action$='/vote/'] button[type=submit]").click()


def committee_decides(page, language, motion, voters, secretariat):
    """The members vote for the motion in the committee area; staff close it and carry out the decision.
    Returns the words the committee area shows once it is carried out."""
    for member in voters:
        open_as(page, f"/{language}/committee/", member.email, PASSWORD)
        with page.expect_navigation():
            page.locator("main table").get_by_role("link", name=motion.reference).click()
        vote(page, Vote.Choice.FOR)
        assert page.get_by_role("status").inner_text() == words(
            language, "Your vote is recorded: %(choice)s.", choice=words(language, Vote.Choice.FOR.label)
        )
        log_out(page)
    open_as(page, f"/{language}/committee/", secretariat.email, PASSWORD)
    with page.expect_navigation():
        page.locator("main table").get_by_role("link", name=motion.reference).click()
    with page.expect_navigation():
        page.locator(f"form[action$='/committee/motions/{motion.pk}/close/'] button[type=submit]").click()
    assert page.get_by_role("status").inner_text() == words(
        language,
        "Motion closed: %(outcome)s — %(for)d for, %(against)d against, %(abstain)d abstaining.",
        outcome=words(language, Motion.Outcome.PASSED.label),
        **{"for": len(voters), "against": 0, "abstain": 0},
    )
    with page.expect_navigation():
        page.locator(f"form[action$='/committee/motions/{motion.pk}/carry-out/'] button[type=submit]").click()
    carried_out = page.get_by_role("status").inner_text()
    log_out(page)
    return carried_out


def open_motion(page, language, where=".messagelist"):
    """After a step that puts a motion: its link (in the message, or on the record), then "open for votes"."""
    with page.expect_navigation():
        page.locator(f"{where} a[href*='/admin/committee/motion/']").first.click()
    with page.expect_navigation():
        page.locator(".object-tools form[action$='/open/'] button[type=submit]").click()
    assert words(language, "opened for votes; every member has been told.") in back_office_message(page)


# --- 1. a funded project's final report approved → confirmed (§3.3.2), in 简体中文 ---------------------------


def test_a_provisional_provider_is_listed_as_confirmed_once_staff_approve_its_funded_projects_final_report(page):
    language = "zh-hans"
    organisation = provider(name_en="Harbour Energy Services Limited", name_zh="海港能源服務有限公司")
    registration = Registration.objects.get(organisation=organisation)
    project = funded_project(organisation, factory_with_user())
    secretariat = pmt(full_name="Mary Cheung")
    problems = watch_for_errors(page)

    row = directory_row(page, language, registration.number)
    assert row.locator(".p-marker").inner_text() == "P"  # provisional before the decision

    # --- staff approve the final report in the back office, dated by hand ---------------------------------
    admin_change_page(page, language, secretariat, "directory/fundedproject", project.pk)
    page.select_option("#id_decision", "approve")
    page.fill("#id_decided_on", "2026-10-15")
    page.fill("#id_note", "最终报告符合要求。")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    assert words(
        language,
        "Final report approved; confirmed: %(categories)s (§3.3.2).",
        categories=words(language, registration.get_category_display()),
    ) in back_office_message(page)
    log_out(page)

    # --- what the next visitor sees: confirmed on the day of the decision, no "P" ------------------------
    row = directory_row(page, language, registration.number)
    assert row.count() == 1
    assert row.locator(".p-marker").count() == 0
    assert row.locator(".registration-confirmed").inner_text() == words(
        language, "Confirmed on %(date)s", date="2026-10-15"
    )
    registration.refresh_from_db()
    assert (registration.status, registration.confirmed_on) == (Registration.Status.CONFIRMED, D(2026, 10, 15))
    assert problems == []


# --- 2. the expiry job the day after the 24 months end (§3.3.3), in English --------------------------------


def test_the_expiry_job_the_day_after_the_validity_ends_takes_the_provider_off_the_directory_and_tells_it(page):
    language = "en"
    owner = UserFactory(email="owner@lapsed.example.hk", language="en")
    organisation = OrganisationFactory(name_en="Lapsed Audit Partners Limited", name_zh="逾期審計夥伴有限公司")
    organisation.users.add(owner)
    registration_grant(organisation=organisation, category="1", granted_on=D(2024, 6, 3), imported=True)
    registration = Registration.objects.get(organisation=organisation)
    assert registration.valid_until == D(2026, 6, 2)  # 24 months from the grant (§3.3.1)
    problems = watch_for_errors(page)

    row = directory_row(page, language, registration.number)
    assert "Provisional, valid until 2026-06-02" in row.inner_text()

    # --- the daily job runs on the day after the validity ended (as beat runs it at 00:05) --------------
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2026, 6, 3, 0, 5, tzinfo=HKT), tick=False):
        call_command("registrations_expire")
        call_command("registrations_expire")  # safe to run twice: nothing more happens

    # --- what the next visitor sees: the provider is gone, and the expiry is in the change feed ---------
    assert "No provider matches your search." in search_directory(page, language, "Lapsed Audit Partners")
    assert directory_row(page, language, registration.number).count() == 0
    page.goto(f"/{language}/directory/changes/")
    changes = page.locator("table.register-changes tbody tr").filter(has_text=registration.number)
    assert changes.count() == 2  # the grant, and the expiry — once, though the job ran twice
    expiry = changes.and_(page.locator("tr.change-expire"))
    assert "2026-06-03" in expiry.inner_text()

    # --- and what the provider's user reads: one notice, sent, naming the registration -------------------
    registration.refresh_from_db()
    assert (registration.status, registration.ended_on) == (Registration.Status.CANCELLED_EXPIRED, D(2026, 6, 3))
    [notice] = Notice.objects.filter(template_key="registration_expired", recipient=owner)
    assert notice.delivery == Notice.Delivery.SENT
    [message] = [m for m in mail.outbox if m.to == [owner.email]]
    assert registration.number in message.subject + message.body
    assert problems == []


# --- 3. a contact change (§5.2.1–5.2.2), then a withdrawal (§5.2.4), in 繁體中文 ---------------------------


def test_a_provider_changes_its_phone_through_the_secretariat_then_withdraws_and_leaves_the_directory(page):
    language = "zh-hant"
    organisation = provider(name_en="Kowloon Clean Air Limited", name_zh="九龍潔淨空氣有限公司")
    owner = organisation.users.get()
    owner.language = language
    owner.save(update_fields=["language"])
    registration = Registration.objects.get(organisation=organisation)
    secretariat = pmt(full_name="Mary Cheung")
    problems = watch_for_errors(page)

    # --- the provider's user asks to change the phone number in "my organisation" ------------------------
    open_as(page, f"/{language}/directory/mine/", owner.email, PASSWORD)
    with page.expect_navigation():
        page.locator(f"main a[href$='/mine/{organisation.pk}/contact-change/']").click()
    page.fill("#id_phone", "2345 6789")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(f"/{language}/directory/mine/")
    log_out(page)
    assert "2345 6789" not in directory_row(page, language, registration.number).inner_text()  # not yet

    # --- staff approve it in the back office -------------------------------------------------------------
    open_as(page, f"/{language}/admin/directory/contactchangerequest/", secretariat.email, PASSWORD)
    with page.expect_navigation():
        page.locator("#result_list tbody tr a").first.click()
    page.select_option("#id_decision", "approve")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    assert words(language, "Approved: the directory shows the new details.") in back_office_message(page)
    log_out(page)

    # --- a visitor sees the new phone number --------------------------------------------------------------
    row = directory_row(page, language, registration.number)
    assert "2345 6789" in row.inner_text()
    assert "2123 4567" not in row.inner_text()

    # --- the provider's user withdraws the registration in writing ---------------------------------------
    open_as(page, f"/{language}/directory/mine/", owner.email, PASSWORD)
    with page.expect_navigation():
        page.locator(f"main a[href$='/mine/registrations/{registration.pk}/withdraw/']").click()
    page.fill("#id_reason", "本公司將停止提供顧問服務。")
    page.check("#id_confirm")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert words(language, "The registration is withdrawn and no longer appears in the directory.") in (
        portal_message(page)
    )
    log_out(page)

    # --- what the next visitor sees: the provider is gone -------------------------------------------------
    assert directory_row(page, language, registration.number).count() == 0
    result = search_directory(page, language, "九龍潔淨空氣")
    assert words(language, "No provider matches your search.") in result
    registration.refresh_from_db()
    assert registration.status == Registration.Status.WITHDRAWN
    assert problems == []


# --- 4. a substantiated case → removal supported by the PMC → carried out (§6.3), in 简体中文 ---------------


def test_the_pmc_supports_removal_on_a_substantiated_case_and_the_provider_leaves_the_directory(page):
    language = "zh-hans"
    organisation = provider(name_en="Delta Boiler Works Limited", name_zh="三角洲鍋爐工程有限公司")
    registration = Registration.objects.get(organisation=organisation)
    factory = factory_with_user()
    secretariat, technical_team = pmt(full_name="Mary Cheung"), ptst(full_name="Peter Tsang")
    committee = members(2)  # a simple majority of those voting (§6.1.4); no quorum set
    # The case as far as substantiated, through the services (test_complaint.py drives those steps).
    case = complaints.case_lodge(
        user=factory.users.get(), factory=factory, organisation=organisation, description="锅炉从未完成调试。"
    )
    case = complaints.case_notify_provider(case=case, actor=secretariat)
    case = complaints.case_start_investigation(case=case, actor=technical_team)
    case = complaints.case_record_findings(
        case=case, actor=technical_team, substantiated=True, findings="未完成调试。", preliminary_report="须改正。"
    )
    problems = watch_for_errors(page)

    # --- staff propose removal in the back office (§6.3.1 b) and open the motion for votes ----------------
    admin_change_page(page, language, secretariat, "complaints/case", case.pk)
    admin_step_at(page, "/propose-removal/")
    page.check("input[name=grounds][value=b]")
    page.fill("#id_reason", "供应商拒绝改正，亦无合理解释。")
    admin_submit(page)
    assert words(language, "removal proposed to the PMC.") in back_office_message(page)
    open_motion(page, language)
    log_out(page)
    motion = Motion.objects.get()
    assert motion.kind == Motion.Kind.REMOVAL

    # --- the members support it; staff close the motion and carry it out ----------------------------------
    carried_out = committee_decides(page, language, motion, committee, secretariat)
    with translation.override(language):
        removed = ngettext(
            "%(count)d registration removed from the register (%(categories)s).",
            "%(count)d registrations removed from the register (%(categories)s).",
            1,
        ) % {"count": 1, "categories": registration.get_category_display()}
    assert removed in carried_out

    # --- what the next visitor sees: gone from the directory, the removal in the change feed --------------
    assert directory_row(page, language, registration.number).count() == 0
    page.goto(f"/{language}/directory/")
    with page.expect_navigation():
        page.locator(f"main a[href='/{language}/directory/changes/']").click()
    newest = page.locator("table.register-changes tbody tr").first
    assert registration.number in newest.inner_text()
    assert "change-remove" in newest.get_attribute("class")
    registration.refresh_from_db()
    case.refresh_from_db()
    assert (registration.status, case.status) == (Registration.Status.REMOVED, Case.Status.CARRIED_OUT)
    assert problems == []


# --- 5. an application below the criteria → the PMC accepts it (§4.1.5) → listed, in English --------------


def test_pmc_members_accept_an_application_below_the_criteria_and_the_provider_is_listed(page):
    language = "en"
    applicant = UserFactory(email="applicant@shortfall.example.hk", language="en")
    application = complete_application(
        user=applicant, staff_months=(24, 24, 23), name_en="Shortfall Energy Consultants Limited"
    )
    application = applications.application_submit(application=application, user=applicant)
    secretariat = pmt(full_name="Mary Cheung")
    committee = members(2)  # a simple majority of those voting (§6.1.4); no quorum set
    problems = watch_for_errors(page)

    # --- staff see the criterion not met and report the application to the PMC ----------------------------
    admin_change_page(page, language, secretariat, "applications/application", application.pk)
    assert "23" in page.locator("#content-main").inner_text()  # the third consultant's months
    admin_step_at(page, "/refer/")
    page.fill(
        "#id_recommendation_en", "The third consultant is one month short of 24; the team's record is otherwise strong."
    )
    admin_submit(page)
    assert f"{application.reference}: reported to the PMC in motion" in back_office_message(page)
    open_motion(page, language, where="#content-main")  # the application's page links to its motion
    log_out(page)
    motion = Motion.objects.get()
    assert motion.kind == Motion.Kind.ACCEPT_APPLICATION

    # --- the members vote for; staff close the motion and carry it out ----------------------------------
    carried_out = committee_decides(page, language, motion, committee, secretariat)
    assert f"Application {application.reference} accepted: 1 provisional registration granted" in carried_out

    # --- what the next visitor sees: the provider listed, provisional -------------------------------------
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    registration = Registration.objects.get(organisation=application.organisation)
    result = search_directory(page, language, "Shortfall Energy")
    assert "Shortfall Energy Consultants Limited" in result
    row = page.locator("table.directory-table tbody tr").filter(has_text=registration.number)
    assert row.count() == 1
    assert row.locator(".p-marker").inner_text() == "P"
    assert problems == []
