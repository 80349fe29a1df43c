"""Issue 4, in the real Chromium: a member votes and changes the vote; staff close the motion; the result
shows — with no Content-Security-Policy violation on the way."""

import pytest

from committee.models import Motion, Vote
from cpp_registry.roles import Role
from tests.browser.conftest import log_in
from tests.committee.factories import OrganisationFactory, open_motion
from tests.core.factories import PASSWORD, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_votes_changes_the_vote_and_staff_close_the_motion(page):
    staff = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")
    member = staff_user(Role.PMC_MEMBER, email="member@example.hk", full_name="Alice Chan")
    staff_user(Role.PMC_MEMBER, email="other@example.hk", full_name="Bob Wong")
    motion = open_motion(actor=staff, subject=OrganisationFactory(name_en="Green Tech Ltd"))
    problems = []
    # Errors in the console: CSP violations, failed scripts. (The browser's own favicon probe is not ours.)
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )

    # The member lands on the open motions, votes for — confirming it on the next page — then changes the
    # vote to against (issue 10 §3: nothing counts before it is confirmed).
    log_in(page, member.email, PASSWORD)
    page.wait_for_url("**/en/committee/")
    page.get_by_role("link", name=motion.reference).click()
    assert "removed from the register" in page.locator("#motion-question").inner_text()
    page.get_by_role("button", name="For", exact=True).click()
    assert page.locator("#vote-to-confirm").inner_text() == f"You are voting for motion {motion.reference}."
    assert not Vote.objects.exists()
    page.get_by_role("button", name="Confirm my vote").click()
    assert page.get_by_role("status").inner_text() == "Your vote is recorded: For."
    page.get_by_role("button", name="Against", exact=True).click()
    page.get_by_role("button", name="Confirm my vote").click()
    assert page.get_by_role("status").inner_text() == "Your vote is recorded: Against."
    assert page.get_by_role("button", name="Against", exact=True).get_attribute("aria-pressed") == "true"
    assert Vote.objects.get(motion=motion, member=member).choice == Vote.Choice.AGAINST

    # Staff see who has not voted yet, and close the motion in the back office.
    page.context.clear_cookies()
    log_in(page, staff.email, PASSWORD)
    page.wait_for_url("**/en/admin/")  # staff land on the back office
    page.goto(f"/en/committee/motions/{motion.pk}/")
    assert "Bob Wong" in page.locator("#not-voted + ul").inner_text()
    page.goto(f"/en/admin/committee/motion/{motion.pk}/change/")
    page.get_by_role("button", name="Close and count the votes").click()
    assert "Failed — 0 for, 1 against, 0 abstaining" in page.locator(".messagelist").inner_text()

    # The result shows in the committee area.
    page.goto(f"/en/committee/motions/{motion.pk}/")
    assert page.locator("#motion-status").inner_text() == "Closed"
    assert "Failed — 0 for, 1 against, 0 abstaining" in page.locator("#result").inner_text()
    motion.refresh_from_db()
    assert motion.status == Motion.Status.CLOSED and motion.outcome == Motion.Outcome.FAILED
    assert problems == []
