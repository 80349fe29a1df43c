"""`make run`'s demo applications: one in every state, made through the services; running it twice changes
nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_fsm_log.models import StateLog

from applications import services
from applications.models import Application, Attachment, Message, ProjectRecord, StaffMember
from committee import services as committee
from committee.models import Motion, Vote
from cpp_registry.demo import APPLICANT_EMAIL
from cpp_registry.models import Deadline, Notice
from directory.models import Organisation, Registration

pytestmark = pytest.mark.django_db


def counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in (
            Application, StaffMember, ProjectRecord, Message, Attachment, Organisation, Registration, Motion, Vote,
            Deadline, StateLog, Notice,
        )
    }  # fmt: skip


def test_the_demo_has_an_application_in_every_state_and_running_it_twice_changes_nothing():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert set(Application.objects.values_list("status", flat=True)) == set(Application.Status.values)
    assert "Applications: 9 (1 draft, 2 submitted, 1 awaiting information, 1 approved" in out.getvalue()
    before = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == before

    by_status = {a.status: a for a in Application.objects.select_related("organisation")}
    # The applicants are their own organisations (BR 4xxxxxxx), but for the demo applicant's draft.
    assert {a.organisation.br_number[0] for a in by_status.values() if not a.is_draft} == {"4"}
    # Clocks: running when submitted, stopped while information is owed, met once decided.
    assert services.application_clock(by_status["submitted"]).stopped_on is None
    assert services.application_clock(by_status["awaiting_information"]).stopped_on is not None
    assert by_status["awaiting_information"].messages.get().kind == Message.Kind.REQUEST
    for decided in ("approved", "accepted", "refused", "withdrawn", "referred"):
        assert services.application_clock(by_status[decided]).met_at is not None, decided
    # Approved and accepted: a provisional registration; refused: none.
    for status, granted in (("approved", 1), ("accepted", 1), ("refused", 0)):
        registrations = Registration.objects.filter(organisation=by_status[status].organisation)
        assert [r.status for r in registrations] == ["provisional"] * granted, status
    # The evidence is real (small) PDFs, served through /documents/.
    proof = StaffMember.objects.filter(application=by_status["submitted"]).first().proof
    assert proof.url.startswith("/documents/applications/")
    with proof.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_the_demo_applicant_sees_a_draft_and_a_submitted_application():
    call_command("seed_demo", stdout=io.StringIO())
    mine = Application.objects.filter(organisation__users__email=APPLICANT_EMAIL)
    assert {"draft", "submitted"} <= set(mine.values_list("status", flat=True))
    draft = mine.get(status=Application.Status.DRAFT)
    # Its organisation holds live registrations in both categories: the draft names none (§3.1.3).
    assert draft.organisation.br_number == "20000001"
    assert draft.categories == ""
    assert services.live_conflicts(draft, draft.categories) == []
    assert "organisation" in draft.sections_done and "categories" not in draft.sections_done


def test_the_referred_application_has_an_open_motion_the_demo_member_can_vote_on():
    call_command("seed_demo", stdout=io.StringIO())
    referred = Application.objects.get(status=Application.Status.REFERRED)
    motion = services.application_motion(referred)
    assert (motion.kind, motion.status) == (Motion.Kind.ACCEPT_APPLICATION, Motion.Status.OPEN)
    member = get_user_model().objects.get(email="pmc@demo.etsp.hk")
    _vote, changed = committee.vote_cast(motion=motion, member=member, choice=Vote.Choice.FOR)
    assert changed
    for status, outcome in (("accepted", Motion.Outcome.PASSED), ("refused", Motion.Outcome.FAILED)):
        decided = services.application_motion(Application.objects.get(status=status))
        assert (decided.status, decided.outcome) == (Motion.Status.CARRIED_OUT, outcome)


def test_the_pmt_reads_every_demo_application_in_the_back_office(client):
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(get_user_model().objects.get(email="pmt@demo.etsp.hk"))
    for application in Application.objects.all():
        response = client.get(f"/en/admin/applications/application/{application.pk}/change/")
        assert response.status_code == 200, application.status
        assert application.reference in response.content.decode()
