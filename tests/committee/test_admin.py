"""Issue 4: the Secretariat's back office — drafts, buttons and actions through the services, a meeting's
votes entered on members' behalf, the transition log and history."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.urls import reverse

from committee import services
from committee.models import Motion, Vote
from cpp_registry.roles import Role
from tests.core.factories import staff_user

from .factories import OrganisationFactory, member, members, motion, open_motion, pmt, vote_all

pytestmark = pytest.mark.django_db
FOR, AGAINST = Vote.Choice.FOR, Vote.Choice.AGAINST


@pytest.fixture
def staff():
    return pmt()


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def admin_url(name, *args):
    return reverse(f"admin:committee_motion_{name}", args=args)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_secretariat_drafts_a_motion_about_a_provider(admin_client, staff):
    org = OrganisationFactory()
    response = admin_client.post(
        admin_url("add"),
        {
            "kind": Motion.Kind.REMOVAL,
            "subject_type": ContentType.objects.get_for_model(org).pk,
            "subject_id": org.pk,
            "question_en": "Remove Green Tech Ltd?",
            "question_zh": "應否將綠色科技除名？",
            "recommendation_en": "Remove.",
            "recommendation_zh": "除名。",
            "papers-TOTAL_FORMS": "0",
            "papers-INITIAL_FORMS": "0",
            "votes-TOTAL_FORMS": "0",
            "votes-INITIAL_FORMS": "0",
            "django_fsm_log-statelog-content_type-object_id-TOTAL_FORMS": "0",
            "django_fsm_log-statelog-content_type-object_id-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    m = Motion.objects.get()
    assert m.status == Motion.Status.DRAFT and m.created_by == staff and m.subject == org


def test_every_stage_page_renders_with_log_and_votes(admin_client, staff):
    voters = members(2)
    draft = motion(actor=staff)
    opened = open_motion(actor=staff)
    vote_all(opened, [(voters[0], FOR)])
    closed = open_motion(actor=staff)
    vote_all(closed, [(voters[0], FOR), (voters[1], AGAINST)])
    services.motion_close(motion=closed, actor=staff)
    for m, button in ((draft, "Open for votes"), (opened, "Close and count the votes"), (closed, "Carry out")):
        page = admin_client.get(admin_url("change", m.pk)).text
        assert button in page
    page = admin_client.get(admin_url("change", closed.pk)).text
    assert "transition log" in page.lower() and "closed" in page
    assert admin_client.get(admin_url("history", closed.pk)).status_code == 200
    assert admin_client.get(admin_url("changelist")).status_code == 200
    assert admin_client.get(reverse("admin:committee_vote_changelist")).status_code == 200
    assert "Record a meeting" in admin_client.get(admin_url("change", opened.pk)).text


def test_buttons_open_close_and_carry_out_through_the_services(admin_client, staff):
    voters = members(3)
    m = motion(actor=staff, subject=OrganisationFactory())
    response = admin_client.post(admin_url("open", m.pk))
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == Motion.Status.OPEN and m.opened_by == staff
    vote_all(m, zip(voters, [FOR, FOR, AGAINST], strict=True))
    response = admin_client.post(admin_url("close", m.pk))
    assert "Passed — 2 for, 1 against" in texts(response)[-1]
    response = admin_client.post(admin_url("close", m.pk))  # pressed twice
    assert "not closed" in texts(response)[-1]
    response = admin_client.post(admin_url("carry_out", m.pk))
    m.refresh_from_db()
    assert m.status == Motion.Status.CARRIED_OUT and m.carried_out_by == staff
    assert admin_client.get(admin_url("close", m.pk)).status_code == 405  # buttons only POST


def test_closing_short_of_the_quorum_from_the_admin_says_why(admin_client, staff, settings):
    settings.PMC_QUORUM = 3
    m = open_motion(actor=staff)
    vote_all(m, [(member(email="m@example.hk"), FOR)])
    response = admin_client.post(admin_url("close", m.pk))
    assert "quorum is 3" in texts(response)[-1]
    m.refresh_from_db()
    assert m.status == Motion.Status.OPEN


def test_list_actions_go_through_the_services(admin_client, staff):
    drafts = [motion(actor=staff) for _ in range(2)]
    admin_client.post(admin_url("changelist"), {"action": "open_selected", "_selected_action": [d.pk for d in drafts]})
    assert set(Motion.objects.values_list("status", flat=True)) == {"open"}
    response = admin_client.post(
        admin_url("changelist"), {"action": "open_selected", "_selected_action": [drafts[0].pk]}
    )
    assert "already opened" in texts(response)[-1]


def test_an_open_motion_cannot_be_edited_even_from_a_stale_form(admin_client, staff):
    m = open_motion(actor=staff)
    response = admin_client.post(
        admin_url("change", m.pk),
        {
            "papers-TOTAL_FORMS": "0",
            "papers-INITIAL_FORMS": "0",
            "votes-TOTAL_FORMS": "0",
            "votes-INITIAL_FORMS": "0",
            "django_fsm_log-statelog-content_type-object_id-TOTAL_FORMS": "0",
            "django_fsm_log-statelog-content_type-object_id-INITIAL_FORMS": "0",
            "question_en": "Changed",
        },
    )
    # The refusal is shown on the same form (the admin re-renders it), and nothing changes.
    assert response.status_code == 200
    assert "Only a draft motion can be edited" in response.content.decode()
    m.refresh_from_db()
    assert m.question_en != "Changed"


def test_a_meetings_votes_are_recorded_on_members_behalf(admin_client, staff):
    alice, bob, carol = members(3)
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=carol, choice=AGAINST)
    page = admin_client.get(admin_url("record_votes", m.pk))
    assert page.status_code == 200 and str(alice) in page.text
    response = admin_client.post(
        admin_url("record_votes", m.pk),
        {f"member_{alice.pk}": FOR, f"member_{bob.pk}": AGAINST, f"member_{carol.pk}": ""},
    )
    assert response.status_code == 302
    assert texts(response)[-1] == "2 vote(s) recorded or changed."
    votes = {v.member_id: v for v in Vote.objects.filter(motion=m)}
    assert votes[alice.pk].choice == FOR and votes[alice.pk].recorded_by == staff
    assert votes[carol.pk].choice == AGAINST and votes[carol.pk].recorded_by is None  # left as it was


def test_recording_votes_on_a_closed_motion_records_none(admin_client, staff):
    alice, bob = members(2)
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=alice, choice=FOR)
    services.motion_close(motion=m, actor=staff)
    response = admin_client.post(admin_url("record_votes", m.pk), {f"member_{bob.pk}": FOR})
    assert response.status_code == 200
    assert "No vote was recorded" in texts(response)[-1]
    assert Vote.objects.filter(motion=m).count() == 1


def test_the_director_reads_but_cannot_press_buttons(client, staff):
    director = staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk")
    m = open_motion(actor=staff)
    client.force_login(director)
    assert client.get(admin_url("change", m.pk)).status_code == 200
    assert client.post(admin_url("close", m.pk)).status_code == 403
    assert client.get(admin_url("record_votes", m.pk)).status_code == 403
    m.refresh_from_db()
    assert m.status == Motion.Status.OPEN


def test_a_pmc_member_has_no_back_office(client, staff):
    m = open_motion(actor=staff)
    client.force_login(member(email="m@example.hk"))
    response = client.get(admin_url("change", m.pk))
    assert response.status_code == 302 and "login" in response["Location"]
