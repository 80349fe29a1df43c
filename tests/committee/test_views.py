"""Issue 4 §4: the committee area — who sees what, voting from the page, stale and double submits."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse

from committee import services
from committee.models import Motion, Paper, Vote
from cpp_registry.roles import Role

from .factories import OrganisationFactory, UserFactory, member, members, motion, open_motion, pmt, vote_all

pytestmark = pytest.mark.django_db
FOR, AGAINST, ABSTAIN = Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN


@pytest.fixture
def staff():
    return pmt()


@pytest.fixture
def alice():
    return member(email="alice@example.hk", full_name="Alice Chan")


@pytest.fixture
def bob():
    return member(email="bob@example.hk", full_name="Bob Wong")


@pytest.fixture
def the_motion(staff, alice, bob):
    return open_motion(actor=staff, subject=OrganisationFactory(name_en="Green Tech Ltd"))


def url(name, *args):
    return reverse(f"committee:{name}", args=args)


def texts(response):
    """The messages this request added (earlier ones were not shown, since redirects are not followed)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def users():
    return {
        "applicant": UserFactory(email="applicant@example.hk"),
        "factory": UserFactory(email="factory@example.hk"),
        "PTST": UserFactory(email="ptst@example.hk", is_staff=True, roles=[Role.PTST]),
    }


@pytest.mark.parametrize("who", ["applicant", "factory", "PTST"])
def test_people_outside_the_committee_are_refused(client, the_motion, who):
    client.force_login(users()[who])
    for path in (url("list"), url("detail", the_motion.pk), url("my_votes")):
        assert client.get(path).status_code == 403
    response = client.post(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_member_sees_open_motions_and_votes(client, the_motion, alice):
    client.force_login(alice)
    response = client.get(url("list"))
    assert response.status_code == 200
    assert the_motion.reference in response.text and "Green Tech Ltd" in response.text
    response = client.get(url("detail", the_motion.pk))
    assert "You have not voted yet." in response.text
    assert "Not voted yet" not in response.text  # the roll is for staff

    response = client.post(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    assert response.status_code == 302 and response["Location"] == the_motion.get_absolute_url()
    assert texts(response) == ["Your vote is recorded: For."]
    assert Vote.objects.get(member=alice).choice == FOR

    response = client.post(url("vote", the_motion.pk), {"choice": AGAINST, "expected": FOR})
    assert texts(response) == ["Your vote is recorded: Against."]
    assert Vote.objects.get(member=alice).choice == AGAINST
    page = client.get(url("detail", the_motion.pk)).text
    assert 'aria-pressed="true">Against</button>' in page


def test_a_double_submit_changes_nothing_and_says_so(client, the_motion, alice):
    client.force_login(alice)
    client.post(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    response = client.post(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    assert texts(response) == ["Your vote was already recorded as For."]
    assert Vote.objects.get(member=alice).history.count() == 1


def test_a_stale_page_changes_nothing_and_says_so(client, the_motion, alice):
    client.force_login(alice)
    client.post(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    response = client.post(url("vote", the_motion.pk), {"choice": ABSTAIN, "expected": ""})
    assert "changed since this page was shown" in texts(response)[0]
    assert Vote.objects.get(member=alice).choice == FOR


def test_a_vote_sent_after_close_is_refused_with_a_message(client, the_motion, alice, staff):
    services.motion_close(motion=the_motion, actor=staff)
    client.force_login(alice)
    response = client.post(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    assert response.status_code == 302
    assert "Your vote was not recorded" in texts(response)[0]
    assert not Vote.objects.exists()


def test_a_broken_vote_form_is_refused_with_a_message(client, the_motion, alice):
    client.force_login(alice)
    response = client.post(url("vote", the_motion.pk), {"choice": "maybe"})
    assert texts(response) == ["Choose for, against or abstain."]
    assert not Vote.objects.exists()


def test_a_draft_is_not_found_and_its_papers_neither(client, staff, alice):
    draft = motion(actor=staff)
    paper = Paper.objects.create(motion=draft, title_en="Investigation report", document=ContentFile(b"x", "r.pdf"))
    client.force_login(alice)
    assert client.get(url("detail", draft.pk)).status_code == 404
    assert client.get(url("paper", paper.pk)).status_code == 404
    assert client.post(url("vote", draft.pk), {"choice": FOR}).status_code == 404
    assert draft.reference not in client.get(url("list")).text


def test_a_member_reads_the_papers_of_an_open_motion(client, the_motion, alice, applicant=None):
    paper = Paper.objects.create(
        motion=the_motion, title_en="Investigation report", document=ContentFile(b"%PDF-1.4 report", "report.pdf")
    )
    Paper.objects.create(motion=the_motion, title_en="The case", link="https://example.hk/admin/case/1/")
    client.force_login(alice)
    page = client.get(url("detail", the_motion.pk)).text
    assert "Investigation report" in page and "https://example.hk/admin/case/1/" in page
    response = client.get(url("paper", paper.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 report"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(UserFactory(email="applicant@example.hk"))
    assert client.get(url("paper", paper.pk)).status_code == 403


def test_staff_see_who_has_not_voted_yet(client, the_motion, staff, alice, bob):
    services.vote_cast(motion=the_motion, member=alice, choice=AGAINST)
    client.force_login(staff)
    page = client.get(url("detail", the_motion.pk)).text
    roll = page.split('id="not-voted"')[1]
    assert "Bob Wong" in roll and "Alice Chan" not in roll
    assert "Alice Chan" in page  # in the votes table
    assert "1 of 2" in client.get(url("list")).text


def test_a_member_cannot_close_or_carry_out(client, the_motion, alice):
    client.force_login(alice)
    assert client.post(url("close", the_motion.pk)).status_code == 403
    assert client.post(url("carry_out", the_motion.pk)).status_code == 403
    the_motion.refresh_from_db()
    assert the_motion.status == Motion.Status.OPEN


def test_staff_close_once_the_second_press_gets_a_clear_message(client, the_motion, staff, alice, bob):
    vote_all(the_motion, [(alice, FOR), (bob, FOR)])
    client.force_login(staff)
    response = client.post(url("close", the_motion.pk))
    assert texts(response) == ["Motion closed: Passed — 2 for, 0 against, 0 abstaining."]
    response = client.post(url("close", the_motion.pk))
    assert "The motion was not closed" in texts(response)[0] and "already" not in texts(response)[0]
    assert "result is final" in texts(response)[0]
    page = client.get(url("detail", the_motion.pk)).text
    assert 'data-outcome="passed"' in page and "2 for, 0 against, 0 abstaining" in page


def test_staff_carry_out_from_the_page(client, the_motion, staff, alice):
    services.vote_cast(motion=the_motion, member=alice, choice=FOR)
    services.motion_close(motion=the_motion, actor=staff)
    client.force_login(staff)
    response = client.post(url("carry_out", the_motion.pk))
    assert texts(response)[0].startswith("Decision carried out:")
    response = client.post(url("carry_out", the_motion.pk))
    assert "already carried out" in texts(response)[0]


def test_closing_short_of_the_quorum_shows_the_message(client, settings, the_motion, staff, alice):
    settings.PMC_QUORUM = 2
    services.vote_cast(motion=the_motion, member=alice, choice=FOR)
    client.force_login(staff)
    response = client.post(url("close", the_motion.pk))
    assert "quorum is 2" in texts(response)[0]


def test_my_votes_lists_only_mine(client, staff, alice, bob):
    first, second = open_motion(actor=staff), open_motion(actor=staff)
    services.vote_cast(motion=first, member=alice, choice=FOR)
    services.vote_cast(motion=second, member=bob, choice=AGAINST)
    services.vote_cast(motion=second, member=alice, choice=ABSTAIN, actor=staff)
    client.force_login(alice)
    page = client.get(url("my_votes")).text
    assert first.reference in page and second.reference in page
    assert "recorded by" in page
    assert "Against" not in page


def test_get_on_a_post_only_url_is_refused(client, the_motion, alice, staff):
    client.force_login(alice)
    assert client.get(url("close", the_motion.pk)).status_code in (403, 405)
    client.force_login(staff)
    assert client.get(url("close", the_motion.pk)).status_code == 405
    assert client.get(url("carry_out", the_motion.pk)).status_code == 405


# --- Issue 10 §3: a vote is confirmed before it counts ---------------------------------------------------


def test_the_motion_pages_buttons_ask_for_a_confirmation_and_record_nothing(client, the_motion, alice):
    client.force_login(alice)
    page = client.get(url("detail", the_motion.pk)).text
    form = page.split('id="vote-heading"')[1].split("</form>")[0]
    assert f'<form method="get" action="{url("vote", the_motion.pk)}">' in form
    assert "csrfmiddlewaretoken" not in form  # a GET: nothing is changed by it
    assert "Choose, then confirm on the next page." in form

    response = client.get(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    assert response.status_code == 200
    assert f"You are voting <strong>for</strong> motion {the_motion.reference}." in response.text
    assert "You may change your vote until the motion closes." in response.text
    confirm = response.text.split("<main")[1].split("</form>")[0]
    assert f'<form method="post" action="{url("vote", the_motion.pk)}"' in confirm
    assert '<input type="hidden" name="choice" value="for">' in confirm
    assert '<input type="hidden" name="expected" value="">' in confirm
    assert "Confirm my vote" in confirm and f'href="{the_motion.get_absolute_url()}#vote-heading"' in confirm
    assert not Vote.objects.exists()

    # Confirming records it.
    response = client.post(url("vote", the_motion.pk), {"choice": FOR, "expected": ""})
    assert texts(response) == ["Your vote is recorded: For."]
    assert Vote.objects.get(member=alice).choice == FOR


@pytest.mark.parametrize(
    ("choice", "words"),
    [
        (AGAINST, "You are voting <strong>against</strong> motion"),
        (ABSTAIN, "You are <strong>abstaining</strong> on motion"),
    ],
)
def test_changing_a_vote_says_what_it_replaces(client, the_motion, alice, choice, words):
    services.vote_cast(motion=the_motion, member=alice, choice=FOR)
    client.force_login(alice)
    page = client.get(url("vote", the_motion.pk), {"choice": choice, "expected": FOR}).text
    assert words in page
    assert "Confirming replaces that vote." in page and "<strong>For</strong>" in page
    assert '<input type="hidden" name="expected" value="for">' in page
    assert Vote.objects.get(member=alice).choice == FOR


def test_a_confirmation_page_for_a_closed_motion_or_a_wrong_choice_sends_back_with_the_reason(
    client, the_motion, alice, staff
):
    client.force_login(alice)
    response = client.get(url("vote", the_motion.pk), {"choice": "maybe"})
    assert response.status_code == 302 and response["Location"] == the_motion.get_absolute_url()
    assert texts(response) == ["Choose for, against or abstain."]
    assert client.get(url("vote", the_motion.pk)).status_code == 302  # no choice at all
    services.motion_close(motion=the_motion, actor=staff)
    response = client.get(url("vote", the_motion.pk), {"choice": FOR})
    assert response.status_code == 302
    assert texts(response) == ["Voting on this motion has ended: it is closed."]


def test_only_members_get_the_confirmation_page(client, the_motion, staff):
    client.force_login(staff)  # staff see the motion, but do not vote
    assert client.get(url("vote", the_motion.pk), {"choice": FOR}).status_code == 403
    client.force_login(UserFactory(email="applicant@example.hk"))
    assert client.get(url("vote", the_motion.pk), {"choice": FOR}).status_code == 403


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hant", ["確認你的表決", "你將表決<strong>贊成</strong>動議", "確認我的表決"]),
        ("zh-hans", ["确认你的表决", "你将表决<strong>赞成</strong>动议", "确认我的表决"]),
    ],
)
def test_the_confirmation_page_is_translated(client, the_motion, alice, language, words):
    client.force_login(alice)
    page = client.get(f"/{language}/committee/motions/{the_motion.pk}/vote/", {"choice": FOR}).text
    for text in words:
        assert text in page


# --- When a motion closes, its meeting, its papers -------------------------------------------------------


def test_a_motion_shows_when_it_closes_and_its_meeting(client, the_motion, alice):
    Motion.objects.filter(pk=the_motion.pk).update(closes_on="2027-03-15", meeting="PMC 3/2027")
    other = open_motion(actor=pmt(), subject=OrganisationFactory(name_en="Blue Sky Ltd"))
    client.force_login(alice)
    listing = client.get(url("list")).text
    row = listing.split(f">{the_motion.reference}</a>")[1].split("</tr>")[0]
    assert "2027-03-15" in row and "Meeting: PMC 3/2027" in row
    other_row = listing.split(f">{other.reference}</a>")[1].split("</tr>")[0]
    assert 'data-label="Closes">—</td>' in other_row
    page = client.get(url("detail", the_motion.pk)).text
    assert '<dd class="col-sm-9" id="motion-closes-on">2027-03-15</dd>' in page
    assert '<dd class="col-sm-9" id="motion-meeting">PMC 3/2027</dd>' in page
    assert "Voting closes on 2027-03-15. Meeting: PMC 3/2027." in page
    assert "motion-closes-on" not in client.get(url("detail", other.pk)).text


def test_the_dates_are_translated(client, the_motion, alice):
    Motion.objects.filter(pk=the_motion.pk).update(closes_on="2027-03-15", meeting="PMC 3/2027")
    client.force_login(alice)
    page = client.get(f"/zh-hant/committee/motions/{the_motion.pk}/").text
    assert '<dt class="col-sm-3">表決截止日期</dt>' in page and "表決於 2027-03-15 截止。" in page
    assert "會議：PMC 3/2027。" in page


def test_papers_are_links(client, the_motion, alice):
    """A paper with a document links to its download; a paper with a link is that link."""
    document = Paper.objects.create(
        motion=the_motion, title_en="Investigation report", document=ContentFile(b"%PDF-1.4 r", "report.pdf")
    )
    Paper.objects.create(motion=the_motion, title_en="The application", link="/en/applications/APP-2027-00001/papers/")
    Paper.objects.create(motion=the_motion, title_en="A note without anything")
    client.force_login(alice)
    papers = client.get(url("detail", the_motion.pk)).text.split('id="papers-heading"')[1].split("</section>")[0]
    assert f'<a href="{url("paper", document.pk)}">Investigation report</a>' in papers
    assert '<a href="/en/applications/APP-2027-00001/papers/">The application</a>' in papers
    assert "A note without anything" in papers and ">A note without anything<" not in papers.replace("<li>", "")


@pytest.mark.parametrize("language", ["zh-hant", "zh-hans"])
def test_the_area_renders_in_both_chinese_scripts(client, the_motion, alice, language):
    client.force_login(alice)
    response = client.get(f"/{language}/committee/motions/{the_motion.pk}/")
    assert response.status_code == 200
    assert "應否將該供應商從名冊除名" in response.text  # the Chinese question


def test_closed_motions_show_the_result_to_members(client, staff):
    voters = members(3)
    m = open_motion(actor=staff)
    vote_all(m, zip(voters, [FOR, AGAINST, AGAINST], strict=True))
    services.motion_close(motion=m, actor=staff)
    client.force_login(voters[0])
    page = client.get(url("list")).text
    assert "Failed" in page and "1 for, 2 against, 0 abstaining" in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hant", ["你尚未表決。", "贊成", "棄權", "項目管理委員會"]),
        ("zh-hans", ["你尚未表决。", "赞成", "弃权", "项目管理委员会"]),
    ],
)
def test_the_area_is_translated(client, the_motion, alice, language, expected):
    client.force_login(alice)
    page = client.get(f"/{language}/committee/motions/{the_motion.pk}/").text
    for text in expected:
        assert text in page


def test_a_chinese_reader_gets_the_result_notice_in_chinese_first(staff):
    from cpp_registry.models import Notice

    reader = member(email="chan@example.hk", language="zh-hant")
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=reader, choice=FOR)
    services.motion_close(motion=m, actor=staff)
    notice = Notice.objects.get(template_key="motion_result", recipient=reader)
    assert notice.subject.startswith(f"項目管理委員會動議 {m.reference}：通過")
    assert "贊成 1 票，反對 0 票，棄權 0 票" in notice.body_text
    assert "1 for, 0 against, 0 abstaining" in notice.body_text  # and in English after it
