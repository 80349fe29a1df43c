"""`make run`'s demo data: penalty motions about the demo provider, and cases in several states (§6) that
the demo factory, the demo applicant, the demo PMC member and the Secretariat each find; running it twice
changes nothing."""

import io
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.db import models
from django_fsm_log.models import StateLog

from committee import services
from committee.models import Motion, Vote
from complaints import demo
from complaints.models import Case, Message
from cpp_registry import demo as core_demo
from cpp_registry.models import Deadline, Notice
from directory import demo as directory_demo
from directory.models import Warning

pytestmark = pytest.mark.django_db
S = Case.Status


def seed():
    """The demo's seeds in `seed_demo`'s order, printing as that command does (a line per write)."""
    printed = io.StringIO()
    command = SimpleNamespace(stdout=OutputWrapper(printed))
    core_demo.seed(command)
    directory_demo.seed(command)
    demo.seed(command)
    return printed.getvalue()


def everything():
    """Every row the demo writes, to compare two runs."""
    return {
        model._meta.label: model._default_manager.count()
        for model in (Case, Message, Motion, Vote, Warning, Deadline, Notice, StateLog)
    } | {"states": sorted(Case.objects.values_list("reference", "status"))}


def user(email):
    return get_user_model().objects.get(email=email)


def test_the_demo_has_cases_in_each_stage_and_running_it_again_changes_nothing():
    printed = seed()
    states = set(Case.objects.values_list("status", flat=True))
    assert {
        S.RECORDED,
        S.PROVIDER_NOTIFIED,
        S.UNDER_INVESTIGATION,
        S.NOT_SUBSTANTIATED,
        S.SUBSTANTIATED,
        S.WITH_PMC,
        S.CARRIED_OUT,
    } <= states
    assert Case.objects.filter(kind=Case.Kind.SUBSTANDARD, funded_project__isnull=False).exists()
    printed_line = [line for line in printed.splitlines() if line.startswith("Complaints:")]
    assert len(printed_line) == 1 and "open motion(s) for pmc@demo.etsp.hk" in printed_line[0]

    before = everything()
    seed()
    assert everything() == before


def test_the_demo_factory_lodged_a_complaint_whose_notice_clock_is_running():
    seed()
    factory_user = user(core_demo.FACTORY_EMAIL)
    case = Case.objects.get(status=S.RECORDED, source=Case.Source.PORTAL)
    assert case.lodged_by == factory_user and case.factory.users.filter(pk=factory_user.pk).exists()
    clock = Deadline.objects.for_subject(case).get()
    assert (clock.kind, clock.met_at) == (Deadline.Kind.COMPLAINT_NOTIFY, None)


def test_the_demo_applicants_organisation_is_waiting_to_answer_a_preliminary_report():
    seed()
    applicant = user(core_demo.APPLICANT_EMAIL)
    case = Case.objects.get(status=S.SUBSTANTIATED)
    assert case.organisation.br_number == "20000001"
    assert case.organisation.users.filter(pk=applicant.pk).exists()
    assert case.messages.filter(kind=Message.Kind.PRELIMINARY_REPORT, to_provider=True).exists()


def test_the_demo_pmc_member_can_vote_on_the_case_with_the_pmc():
    seed()
    case = Case.objects.get(status=S.WITH_PMC)
    motion = Motion.objects.open().get(subject_id=case.pk, subject_type__model="case")
    assert motion.kind == Motion.Kind.WARNING
    _vote, changed = services.vote_cast(motion=motion, member=user("pmc@demo.etsp.hk"), choice=Vote.Choice.FOR)
    assert changed
    # And the provider's own penalty motions: one open, one decided.
    provider_motions = Motion.objects.filter(subject_type__model="organisation")
    assert provider_motions.filter(status=Motion.Status.OPEN).count() == 1
    assert provider_motions.filter(outcome=Motion.Outcome.PASSED).count() == 1


def test_the_demo_case_carried_out_left_a_warning_on_its_provider():
    seed()
    case = Case.objects.get(status=S.CARRIED_OUT)
    warning = Warning.objects.get(case_id=case.pk, case_type__model="case")
    assert warning.organisation == case.organisation
    assert case.messages.exclude(kind=Message.Kind.NOTE).exists()
    assert Case.objects.filter(status=S.NOT_SUBSTANTIATED).aggregate(n=models.Count("pk"))["n"] == 1
