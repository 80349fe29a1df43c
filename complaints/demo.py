"""Demo data for `make run` (idempotent: running it again changes nothing).

- Penalties before the PMC about the demo provider of this module (BR numbers starting with 9, so as not
  to meet the directory's demo organisations): an open removal motion the demo PMC member can vote on, and
  a decided warning.
- Cases in several states (§6), through the services, with dates relative to today: a complaint just
  lodged by the demo factory (its 2-working-day notice clock running), one under investigation, one not
  substantiated (closed), one substantiated and waiting for the corrective action of the demo applicant's
  organisation (BR 20000001), one consolidated and with the PMC (an open motion), one carried out with a
  warning, and a substandard-service case on a demo funded project.

Each case is found again by its description; a case whose provider or factory the directory's demo did not
make is left out.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from committee import services
from committee.models import Motion, Vote
from cpp_registry import demo as core_demo
from directory.models import Category, Factory, FundedProject, Organisation, Registration
from directory.services import registration_grant

from . import services as cases
from .models import Case

OPEN_QUESTION = "Should Demo Environmental Services Ltd be removed from the register (§6.3)?"
DECIDED_QUESTION = "Does the PMC support the recommended warning to Demo Environmental Services Ltd (§6.1.4)?"
DEMO_FACTORY = "Dongguan Bright Textiles Factory"

LODGED = "Demo: the energy audit report promised for last month has not arrived, and calls go unanswered."
INVESTIGATED = "Demo: the new dust collector was installed without the filters the contract lists."
NOT_SUBSTANTIATED = "Demo: the consultant's site visit was cut short without explanation."
AWAITING = "Demo: the heat-recovery works were left unfinished and the boiler loses heat as before."
WITH_PMC = "Demo: the wastewater survey was copied from another factory's report."
WARNED = "Demo: the air-compressor retrofit was six weeks late, without agreeing a remedy with us."
SUBSTANDARD = "Demo: the final report does not cover the contracted scope (no measurements after the works)."


def seed(command):
    User = get_user_model()
    staff = User.objects.get(email="pmt@demo.etsp.hk")
    member = User.objects.get(email="pmc@demo.etsp.hk")
    provider = _penalty_motions(staff, member)
    _cases(staff, User.objects.get(email="ptst@demo.etsp.hk"), member, provider)
    if command is not None:
        states = dict(Case.Status.choices)
        counts = [f"{n} {states[s]}" for s in Case.Status.values if (n := Case.objects.filter(status=s).count())]
        open_count = Motion.objects.open().count()
        command.stdout.write(
            f"Complaints: {Case.objects.count()} case(s) ({', '.join(counts) or 'none'}); committee: {open_count} "
            f"open motion(s) for pmc@demo.etsp.hk to vote on."
        )


def _penalty_motions(staff, member):
    provider, _created = Organisation.objects.get_or_create(
        br_number="90000001",
        defaults={
            "name_en": "Demo Environmental Services Ltd",
            "name_zh": "示範環保服務有限公司",
            "email": "info@demo-env.example.hk",
        },
    )
    if not Registration.objects.live().filter(organisation=provider).exists():
        registration_grant(
            organisation=provider,
            category=Category.CONSULTANCY,
            actor=staff,
            granted_on=datetime.date(2026, 3, 2),
            imported=True,
        )

    if not Motion.objects.filter(subject_id=provider.pk, question_en=DECIDED_QUESTION).exists():
        decided = services.motion_create(
            kind=Motion.Kind.WARNING,
            subject=provider,
            actor=staff,
            question_en=DECIDED_QUESTION,
            question_zh="項目管理委員會是否支持向示範環保服務有限公司發出建議的警告（§6.1.4）？",
            recommendation_en="A warning: first substantiated complaint (late final report).",
            recommendation_zh="發出警告：首宗成立的投訴（逾期提交最終報告）。",
        )
        services.motion_open(motion=decided, actor=staff)
        services.vote_cast(motion=decided, member=member, choice=Vote.Choice.FOR)
        services.motion_close(motion=decided, actor=staff)

    if not Motion.objects.filter(subject_id=provider.pk, question_en=OPEN_QUESTION).exists():
        motion = services.motion_create(
            kind=Motion.Kind.REMOVAL,
            subject=provider,
            actor=staff,
            question_en=OPEN_QUESTION,
            question_zh="應否將示範環保服務有限公司從名冊除名（§6.3）？",
            recommendation_en=(
                "Removal: a second substantiated complaint, and corrective action refused without reasonable "
                "explanation (§6.1.4, §6.3.1)."
            ),
            recommendation_zh="除名：第二宗成立的投訴，且無合理解釋拒絕採取改正措施（§6.1.4、§6.3.1）。",
            papers=[{"title_en": "Investigation report (demo)", "title_zh": "調查報告（示範）", "link": ""}],
        )
        services.motion_open(motion=motion, actor=staff)
    return provider


def _cases(staff, ptst, member, demo_provider):
    factory = Factory.objects.filter(name_en=DEMO_FACTORY).first()
    factory_user = factory.users.filter(email=core_demo.FACTORY_EMAIL).first() if factory else None
    if factory is None or factory_user is None:
        return  # the directory's demo made no factory to complain
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    demo_brs = ["20000001", "20000002", "20000003", "20000004"]
    by_br = {o.br_number: o for o in Organisation.objects.filter(br_number__in=demo_brs)}

    def new(description, br, *, source=Case.Source.POST, project=None):
        """The demo case with this description, recorded now unless it exists; None: leave it as it is."""
        organisation = demo_provider if br is None else by_br.get(br)
        if organisation is None or Case.objects.filter(description=description).exists():
            return None
        if source == Case.Source.PORTAL:
            return cases.case_lodge(
                user=factory_user,
                factory=factory,
                organisation=organisation,
                description=description,
                funded_project=project,
            )
        return cases.case_record(
            actor=staff,
            factory=factory,
            organisation=organisation,
            description=description,
            received_on=yesterday,
            source=source,
            funded_project=project,
        )

    def investigated(case):
        case = cases.case_notify_provider(case=case, actor=staff, text="Please send us your account of events.")
        return cases.case_start_investigation(case=case, actor=ptst)

    def substantiated(case, findings, report):
        return cases.case_record_findings(
            case=investigated(case), actor=ptst, substantiated=True, findings=findings, preliminary_report=report
        )

    # A complaint just lodged in the portal: the provider is to be told within 2 working days (§6.1.1).
    new(LODGED, "20000002", source=Case.Source.PORTAL)

    if case := new(INVESTIGATED, "20000004", source=Case.Source.EMAIL):
        investigated(case)

    if case := new(NOT_SUBSTANTIATED, "20000002"):
        cases.case_record_findings(
            case=investigated(case),
            actor=ptst,
            substantiated=False,
            findings="The visit was rescheduled at the factory's request; the provider's log shows the e-mails.",
        )

    # The demo applicant's organisation: its preliminary report waits for its corrective action (§6.1.3).
    project = FundedProject.objects.filter(provider__br_number="20000001", factory=factory).order_by("pk").first()
    if case := new(AWAITING, "20000001", source=Case.Source.PORTAL, project=project):
        substantiated(
            case,
            "The heat exchanger was never connected; the site visit confirmed heat losses as before the works.",
            "Connect the heat exchanger and send the commissioning record within 20 working days.",
        )

    # Consolidated and with the PMC: an open warning motion the demo PMC member can vote on (§6.1.4).
    if case := new(WITH_PMC, None):
        case = substantiated(
            case, "Two thirds of the survey repeat another factory's report.", "Redo the survey on site."
        )
        case = cases.case_consolidate(
            case=case, actor=staff, report="The survey was copied; the provider redid it only in part."
        )
        services.motion_open(motion=cases.case_send_to_pmc(case=case, actor=staff), actor=staff)

    # Carried out: the PMC supported a warning, recorded against the provider (§6.1.4).
    if case := new(WARNED, "20000003"):
        case = substantiated(case, "Six weeks late; no remedy agreed.", "Agree a remedy with the factory.")
        case = cases.case_consolidate(case=case, actor=staff, report="Late by six weeks; first substantiated case.")
        motion = cases.case_send_to_pmc(case=case, actor=staff)
        services.motion_open(motion=motion, actor=staff)
        services.vote_cast(motion=motion, member=member, choice=Vote.Choice.FOR)
        services.motion_close(motion=motion, actor=staff)
        services.motion_carry_out(motion=motion, actor=staff)

    # A substandard service on a demo funded project, raised by the PTST and notified (§6.2).
    project = FundedProject.objects.filter(provider__br_number="20000003").order_by("pk").first()
    if project is not None and not Case.objects.filter(description=SUBSTANDARD).exists():
        case = cases.case_raise_substandard(
            actor=ptst, funded_project=project, grounds=[Case.Ground.REPORT], description=SUBSTANDARD
        )
        cases.case_notify_provider(case=case, actor=staff)
