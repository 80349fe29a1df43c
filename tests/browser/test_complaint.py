"""Issue 9, "Done when", in the real Chromium and in 繁體中文 (/zh-hant/): a factory's user lodges a complaint; the
Programme Management Team notifies the provider in the back office; the PTST investigates and finds it
substantiated with a preliminary report; the provider's user follows the emailed link to it and answers with
its corrective action; staff assess it, consolidate the report (the record proposes a warning) and send it to
the PMC; three members vote, two for and one against; staff close the motion and carry out the decision; the
warning shows on the provider's page in the back office, and the provider's user got each written notice once.

Staff and PMC members log in with the code of their authenticator app. Buttons and links are found by where
they lead (an href, a form's action, a button's value) and the words on the pages are read from the
catalogue in Traditional Chinese, so that the test does not break when a translation's wording changes."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from committee.models import Motion, Vote
from complaints.models import Case
from cpp_registry.models import Notice
from directory.models import Warning
from tests.browser.conftest import (
    admin_step_at,
    admin_submit,
    emailed_link,
    log_out,
    open_as,
    pdf,
    watch_for_errors,
)
from tests.committee.factories import members
from tests.complaints.factories import factory_with_user, pmt, provider, ptst
from tests.core.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "zh-hant"
CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(message, **params):
    """The words a page in Traditional Chinese shows for `message` (from the catalogue, whatever its wording)."""
    with translation.override(LANGUAGE):
        text = gettext(message)
    return text % params if params else text


def as_person(page, user, path):
    """`user` opens the page at `path` (in Chinese) and logs in on the way, with the authenticator app's code
    for staff and PMC members."""
    open_as(page, f"/{LANGUAGE}{path}", user.email, PASSWORD)


def menu(page, path):
    """A link of the portal's main menu, by where it leads (/complaints/, /committee/, /admin/)."""
    with page.expect_navigation():
        page.locator(f"nav.portal-nav a[href='/{LANGUAGE}{path}']").click()


def open_case_in_back_office(page, staff, reference):
    """Staff open the back office's list of cases (logging in on the way), then the case."""
    as_person(page, staff, "/admin/")
    with page.expect_navigation():
        page.locator(f"#content-main a[href='/{LANGUAGE}/admin/complaints/case/']").first.click()
    with page.expect_navigation():
        page.locator("#result_list").get_by_role("link", name=reference).click()
    assert reference in page.locator("#content").inner_text()


def take_step(page, step):
    """A step of the case (§6.1) in the back office: its button above the case, then its page's form."""
    admin_step_at(page, f"/{step}/")


def vote(page, choice):
    """A member's vote on the motion's page: the button of the choice, then its confirmation where the
    committee area asks for one (issue 10: "You are voting for motion …")."""
    with page.expect_navigation():
        page.locator(f"button[name=choice][value={choice}]").click()
    if page.locator("#vote-to-confirm").count():
        with page.expect_navigation():
            page.locator("main form[action$='/vote/'] button[type=submit]").click()


def back_office_message(page):
    return page.locator(".messagelist").inner_text()


def portal_message(page):
    return page.locator("main .messages").inner_text()


def test_a_substantiated_complaint_ends_in_a_warning_voted_by_the_pmc(page, tmp_path, media_root, notices_link_here):
    organisation = provider(name_en="Green Tech Engineering Limited", name_zh="綠色科技工程有限公司")
    owner = organisation.users.get()
    owner.language = LANGUAGE  # the provider reads its notices in Traditional Chinese first
    owner.save(update_fields=["language"])
    factory = factory_with_user("factory@example.hk")
    factory_user = factory.users.get()
    secretariat, technical_team = pmt(full_name="Mary Cheung"), ptst(full_name="Peter Tsang")
    committee = members(3)
    problems = watch_for_errors(page)

    # --- the factory's user lodges the complaint (§6.1) --------------------------------------------------
    as_person(page, factory_user, "/complaints/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"
    with page.expect_navigation():
        page.locator("#our-complaints a[href$='/complaints/new/']").click()
    assert CJK.search(page.get_by_role("heading", level=1).inner_text())
    page.select_option("#id_organisation", label="綠色科技工程有限公司")
    page.fill("#id_description", "鍋爐熱回收系統安裝後三個月仍未完成調試，供應商亦未回覆我們的查詢。")
    page.set_input_files("#id_documents", pdf(tmp_path, "site-photos.pdf"))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    reference = page.locator("#case-reference").inner_text()
    assert re.fullmatch(r"CASE-\d{4}-\d{5}", reference)
    assert reference in portal_message(page)
    assert zh(Case.Status.RECORDED.label) in page.locator("#case-state").inner_text()
    log_out(page)

    # --- the Programme Management Team tells the provider (§6.1.1) ---------------------------------------
    open_case_in_back_office(page, secretariat, reference)
    take_step(page, "notify")
    page.fill("#id_text", "請於兩個工作天內聯絡工廠。")
    admin_submit(page)
    assert zh("the provider is told in writing; the one-month clock for the report is running.") in (
        back_office_message(page)
    )
    log_out(page)

    # --- the PTST investigates and finds it substantiated, with a preliminary report (§6.1.3) -------------
    open_case_in_back_office(page, technical_team, reference)
    take_step(page, "investigate")
    admin_submit(page)
    assert zh("the investigation has started.") in back_office_message(page)
    take_step(page, "findings")
    page.check("input[name=substantiated][value=yes]")
    page.fill("#id_findings", "現場視察確認系統未完成調試。")
    page.fill("#id_preliminary_report", "初步調查報告：供應商須於一個月內完成調試並提交測試紀錄。")
    page.set_input_files("#id_documents", pdf(tmp_path, "inspection-report.pdf"))
    admin_submit(page)
    found = back_office_message(page)
    assert zh("substantiated; the preliminary report was sent to the provider (§6.1.3).") in found
    log_out(page)

    # --- the provider's user follows the emailed link, reads the preliminary report, and answers ---------
    link = emailed_link(owner.email, reference)
    assert link == f"{notices_link_here}/{LANGUAGE}/complaints/{reference}/"
    open_as(page, link, owner.email, PASSWORD)
    assert "初步調查報告：供應商須於一個月內完成調試" in page.locator("#preliminary-report").inner_text()
    assert "inspection-report.pdf" in page.locator("#preliminary-report").inner_text()
    page.fill("#id_answer-text", "我們已於本週完成調試，並附上測試紀錄。")
    page.set_input_files("#id_answer-documents", pdf(tmp_path, "commissioning-test.pdf"))
    with page.expect_navigation():
        page.locator(f"form[action$='/complaints/{reference}/answer/'] button[type=submit]").click()
    assert zh("Your corrective action is sent to the Secretariat, which assesses its effect (§6.1.3).") in (
        portal_message(page)
    )
    assert zh(Case.Status.CORRECTIVE_ACTION.label) in page.locator("#case-state").inner_text()
    log_out(page)

    # --- staff assess it, consolidate the report (a warning, as the record proposes), send it to the PMC --
    open_case_in_back_office(page, secretariat, reference)
    assert "commissioning-test.pdf" in page.locator("#content").inner_text()
    take_step(page, "assess")
    page.fill("#id_text", "調試已完成，測試紀錄顯示系統運作正常。")
    page.check("input[name=complete][value=yes]")
    admin_submit(page)
    assert zh("the assessment was sent to the provider.") in back_office_message(page)
    take_step(page, "consolidate")
    warning_choice = page.locator("input[name=recommended_penalty][value=warning]")
    assert warning_choice.is_checked()  # the provider's first substantiated case: a warning (§6.1.4)
    page.fill("#id_report", "綜合調查報告：投訴成立；供應商延遲三個月完成調試，其後已作出改正。")
    admin_submit(page)
    assert zh("report consolidated; recommended: %(penalty)s.", penalty=zh(Case.Penalty.WARNING.label)) in (
        back_office_message(page)
    )
    take_step(page, "send-to-pmc")
    admin_submit(page)
    assert zh("sent to the PMC.") in back_office_message(page)
    with page.expect_navigation():
        page.locator(".messagelist a[href*='/admin/committee/motion/']").click()  # the motion, a draft
    motion = Motion.objects.get()
    assert motion.kind == Motion.Kind.WARNING
    with page.expect_navigation():
        page.locator(".object-tools form[action$='/open/'] button[type=submit]").click()
    assert zh("opened for votes; every member has been told.") in back_office_message(page)
    log_out(page)

    # --- three members of the PMC vote in the committee area: two for, one against (§6.1.4) --------------
    for member, choice in zip(committee, [Vote.Choice.FOR, Vote.Choice.FOR, Vote.Choice.AGAINST], strict=True):
        as_person(page, member, "/committee/")
        with page.expect_navigation():
            page.locator("main table").get_by_role("link", name=motion.reference).click()
        assert reference in page.locator("#motion-question").inner_text()
        vote(page, choice)
        assert page.get_by_role("status").inner_text() == zh(
            "Your vote is recorded: %(choice)s.", choice=zh(choice.label)
        )
        log_out(page)

    # --- staff close the motion and carry out the decision, in the committee area ------------------------
    as_person(page, secretariat, "/committee/")
    with page.expect_navigation():
        page.locator("main table").get_by_role("link", name=motion.reference).click()
    with page.expect_navigation():
        page.locator(f"form[action$='/committee/motions/{motion.pk}/close/'] button[type=submit]").click()
    motion.refresh_from_db()
    assert page.get_by_role("status").inner_text() == zh(
        "Motion closed: %(outcome)s — %(for)d for, %(against)d against, %(abstain)d abstaining.",
        outcome=zh(Motion.Outcome.PASSED.label),
        **{"for": 2, "against": 1, "abstain": 0},
    )
    with page.expect_navigation():
        page.locator(f"form[action$='/committee/motions/{motion.pk}/carry-out/'] button[type=submit]").click()
    assert zh("Warning recorded against the provider.") in page.get_by_role("status").inner_text()

    # --- what the next person sees: the warning on the provider's page in the back office ----------------
    menu(page, "/admin/")
    with page.expect_navigation():
        page.locator(f"#content-main a[href='/{LANGUAGE}/admin/directory/organisation/']").first.click()
    with page.expect_navigation():
        page.locator("#result_list").get_by_role("link", name="Green Tech Engineering Limited").click()
    warnings = page.locator("#warnings-group")
    assert warnings.locator("tbody tr.has_original").count() == 1
    assert warnings.get_by_role("link", name=reference).is_visible()  # the case it was recorded from
    assert motion.reference in warnings.inner_text()
    log_out(page)

    # --- the record: the case closed with a warning; the provider's user told of each step once ----------
    case = Case.objects.get(reference=reference)
    assert case.status == Case.Status.CARRIED_OUT
    assert (motion.outcome, motion.votes_for, motion.votes_against) == (Motion.Outcome.PASSED, 2, 1)
    assert Warning.objects.get().organisation == organisation
    assert list(organisation.users.all()) == [owner]
    for template_key in ["case_notified", "case_preliminary_report", "motion_decided", "warning_recorded"]:
        assert Notice.objects.filter(template_key=template_key, recipient=owner).count() == 1, template_key
    assert problems == []
