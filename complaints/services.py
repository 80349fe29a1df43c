"""Writes of complaint and substandard-service cases (§6). Each service is atomic, runs its transition
through `cpp_registry.transitions.transition_run` (a locked fresh row, django-fsm's state and permission
checks, the log of who, when, from, to and why), keeps what was written on the case, moves the clocks, and
queues the written notices, sent only after commit.

The clocks (§6.1.1, §6.1.4): recording a case starts the 2-working-day clock to tell the provider;
telling it meets that clock and starts the one-calendar-month clock for the consolidated report, met when
the report is consolidated (or when the case closes as not substantiated). The PMC's decision is carried
out within 10 working days — the committee's own clock on the motion.

The recommended penalty (§6.1.4, §6.3.1): proposed from the provider's record — a warning for a first
substantiated case, removal when the provider already has one or more substantiated cases (a case not
substantiated does not count); the Secretariat may recommend otherwise with a written reason, kept on the
case and in its history.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from committee.models import Motion
from committee.services import motion_create
from cpp_registry import deadlines
from cpp_registry.errors import ServiceError
from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import notices_bulk_queue, role_notices
from cpp_registry.roles import Role
from cpp_registry.transitions import transition_run
from directory.models import Factory, FundedProject, Organisation, Registration
from directory.services import provider_notices, registration_cancel_substandard
from directory.services.recipients import factory_notices

from .models import Attachment, Case, Message

NOTIFY = Deadline.Kind.COMPLAINT_NOTIFY
REPORT = Deadline.Kind.COMPLAINT_REPORT
Status = Case.Status


class CaseError(ServiceError):
    """A request about a case that is refused; the message is translated and safe to show."""


# --- who hears ----------------------------------------------------------------------------------------


def _provider_notices(case: Case, template_key: str, event: str, **context: Any) -> list[Notice]:
    return provider_notices(
        organisation=case.organisation,
        template_key=template_key,
        context={"case": case, **context},
        related=case,
        event=f"case:{case.pk}:{event}",
    )


def _factory_notices(case: Case, template_key: str, event: str, **context: Any) -> list[Notice]:
    if case.factory_id is None:
        return []
    return factory_notices(
        factory=case.factory,  # type: ignore[arg-type]
        template_key=template_key,
        context={"case": case, **context},
        related=case,
        event=f"case:{case.pk}:{event}",
    )


def _secretariat_notices(case: Case, template_key: str, event: str, **context: Any) -> list[Notice]:
    """A notice to each member of the Programme Management Team and the PTST."""
    return role_notices(
        roles=[Role.PROGRAMME_MANAGEMENT_TEAM.value, Role.PTST.value],
        template_key=template_key,
        context={"case": case, **context},
        related=case,
        event=f"case:{case.pk}:{event}",
    )


# --- recording a case ---------------------------------------------------------------------------------


def _attach(message: Message, documents: Iterable[UploadedFile]) -> None:
    for document in documents:
        attachment = Attachment(message=message, file=document)
        attachment.full_clean()
        attachment.save()


def _reference(case: Case) -> str:
    return f"CASE-{timezone.localtime(case.created_at):%Y}-{case.pk:05d}"


def _create(
    *,
    kind: str,
    source: str,
    organisation: Organisation,
    factory: Factory | None,
    funded_project: FundedProject | None,
    actor: Any,
    description: str,
    received_on: datetime.date,
    grounds: Iterable[str] = (),
    documents: Iterable[UploadedFile] = (),
) -> Case:
    if not (description or "").strip():
        raise CaseError(_("Describe what happened."))
    if received_on > timezone.localdate():
        raise CaseError(_("A case cannot be received on a future date."))
    if funded_project is not None:
        if funded_project.provider_id != organisation.pk:
            raise CaseError(_("That funded project was carried out by another provider."))
        if factory is not None and funded_project.factory_id != factory.pk:
            raise CaseError(_("That funded project belongs to another factory."))
    case = Case(
        kind=kind,
        source=source,
        organisation=organisation,
        factory=factory,
        funded_project=funded_project,
        lodged_by=actor,
        received_on=received_on,
        description=description.strip(),
        grounds=sorted(set(grounds)),
        reference=f"new-{timezone.now():%f}",
    )
    case._history_user = actor  # type: ignore[attr-defined]
    case.save()
    Case.objects.filter(pk=case.pk).update(reference=_reference(case))
    case.refresh_from_db()
    message = Message.objects.create(
        case=case,
        kind=Message.Kind.COMPLAINT,
        author=actor,
        from_secretariat=kind == Case.Kind.SUBSTANDARD,
        to_provider=True,
        to_factory=True,
        text=case.description,
    )
    _attach(message, documents)
    # §6.1.1: the provider is told within 2 working days of the day the case is recorded.
    deadlines.deadline_start(subject=case, kind=NOTIFY, start_day=received_on, actor=actor, reason="recorded")
    notices = _factory_notices(case, "case_received", "received") if source == Case.Source.PORTAL else []
    notices += _secretariat_notices(case, "case_recorded", "recorded")
    notices_bulk_queue(notices)
    return case


def _live_provider(organisation: Organisation) -> None:
    if not Registration.objects.live().filter(organisation=organisation).exists():
        raise CaseError(_("%(name)s is not a registered provider in the directory.") % {"name": organisation})


@transaction.atomic
def case_lodge(
    *,
    user: Any,
    factory: Factory,
    organisation: Organisation,
    description: str,
    funded_project: FundedProject | None = None,
    documents: Iterable[UploadedFile] = (),
) -> Case:
    """§6.1: a factory's user lodges a written complaint about a provider of the directory."""
    if not factory.users.filter(pk=user.pk, is_active=True).exists():
        raise CaseError(_("You do not act for this factory."))
    _live_provider(organisation)
    return _create(
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.PORTAL,
        organisation=organisation,
        factory=factory,
        funded_project=funded_project,
        actor=user,
        description=description,
        received_on=timezone.localdate(),
        documents=documents,
    )


@transaction.atomic
def case_record(
    *,
    actor: Any,
    factory: Factory,
    organisation: Organisation,
    description: str,
    received_on: datetime.date,
    source: str,
    funded_project: FundedProject | None = None,
    documents: Iterable[UploadedFile] = (),
) -> Case:
    """§6.1: the Secretariat records a written complaint received by post or email, naming the factory."""
    _secretariat_only(actor)
    if source not in (Case.Source.POST, Case.Source.EMAIL):
        raise CaseError(_("Say how the complaint was received: by post or by email."))
    return _create(
        kind=Case.Kind.COMPLAINT,
        source=source,
        organisation=organisation,
        factory=factory,
        funded_project=funded_project,
        actor=actor,
        description=description,
        received_on=received_on,
        documents=documents,
    )


@transaction.atomic
def case_raise_substandard(
    *,
    actor: Any,
    funded_project: FundedProject,
    grounds: Iterable[str],
    description: str,
    documents: Iterable[UploadedFile] = (),
) -> Case:
    """§6.2: the PTST raises a substandard-service case on a funded project, ticking the grounds of
    §6.2.1 (a)–(e); it is followed up as a complaint (§6.2.2)."""
    _secretariat_only(actor)
    grounds = [g for g in grounds if g in Case.Ground.values]
    if not grounds:
        raise CaseError(_("Tick at least one ground of §6.2.1."))
    return _create(
        kind=Case.Kind.SUBSTANDARD,
        source=Case.Source.PTST,
        organisation=funded_project.provider,
        factory=funded_project.factory,
        funded_project=funded_project,
        actor=actor,
        description=description,
        received_on=timezone.localdate(),
        grounds=grounds,
        documents=documents,
    )


def _secretariat_only(actor: Any) -> None:
    if not (actor and actor.is_active and actor.is_staff and actor.has_perm("complaints.change_case")):
        raise CaseError(_("You are not allowed to make this change. Nothing was changed."))


# --- notice, investigation, findings -----------------------------------------------------------------


@transaction.atomic
def case_notify_provider(*, case: Case, actor: Any, text: str = "") -> Case:
    """§6.1.1: tell the provider of the case in writing. Meets the 2-working-day clock and starts the
    one-calendar-month clock for the consolidated report (§6.1.4)."""
    now = timezone.now()
    case = transition_run(
        error=CaseError,
        instance=case,
        name="notify_provider",
        actor=actor,
        reason=text or _("Provider notified"),
        changes={"notified_at": now},
        notices=lambda c: _provider_notices(c, "case_notified", "notified", text=text),
    )
    deadlines.deadline_meet(subject=case, kind=NOTIFY, at=now, actor=actor, reason="provider notified")
    deadlines.deadline_start(
        subject=case, kind=REPORT, start_day=timezone.localdate(now), actor=actor, reason="provider notified"
    )
    return case


@transaction.atomic
def case_start_investigation(*, case: Case, actor: Any) -> Case:
    """§6.1.1: the PTST takes the case up."""
    return transition_run(
        error=CaseError, instance=case, name="investigate", actor=actor, reason=_("Investigation started")
    )


@transaction.atomic
def case_record_findings(
    *,
    case: Case,
    actor: Any,
    substantiated: bool,
    findings: str,
    preliminary_report: str = "",
    documents: Iterable[UploadedFile] = (),
) -> Case:
    """The PTST's findings decide (§6.1.1). Not substantiated → recorded, no penalty, the factory and the
    provider told the result, the case closed (§6.1.2). Substantiated → the preliminary investigation report
    goes to the provider, which answers with its corrective action (§6.1.3)."""
    if not (findings or "").strip():
        raise CaseError(_("Write the findings."))
    if substantiated and not (preliminary_report or "").strip():
        raise CaseError(_("Write the preliminary investigation report for the provider (§6.1.3)."))
    now = timezone.now()
    if not substantiated:
        result = _("Not substantiated: no penalty (§6.1.2).")
        case = transition_run(
            error=CaseError,
            instance=case,
            name="find_not_substantiated",
            actor=actor,
            reason=findings,
            changes={
                "findings": findings.strip(),
                "substantiated": False,
                "found_at": now,
                "outcome_note": result,
            },
        )
        message = Message.objects.create(
            case=case, kind=Message.Kind.RESULT, author=actor, from_secretariat=True, to_provider=True,
            to_factory=True, text=f"{result}\n\n{findings.strip()}",
        )  # fmt: skip
        _attach(message, documents)
        deadlines.deadline_meet(subject=case, kind=REPORT, actor=actor, reason="not substantiated")
        notices_bulk_queue(
            _provider_notices(case, "case_not_substantiated", "not_substantiated")
            + _factory_notices(case, "case_not_substantiated", "not_substantiated")
        )
        return case
    case = transition_run(
        error=CaseError,
        instance=case,
        name="find_substantiated",
        actor=actor,
        reason=findings,
        changes={
            "findings": findings.strip(),
            "substantiated": True,
            "found_at": now,
            "preliminary_report": preliminary_report.strip(),
        },
    )
    Message.objects.create(
        case=case, kind=Message.Kind.FINDINGS, author=actor, from_secretariat=True, text=findings.strip()
    )
    report = Message.objects.create(
        case=case, kind=Message.Kind.PRELIMINARY_REPORT, author=actor, from_secretariat=True, to_provider=True,
        text=preliminary_report.strip(),
    )  # fmt: skip
    _attach(report, documents)
    notices_bulk_queue(
        _provider_notices(case, "case_preliminary_report", "preliminary_report")
        + _factory_notices(case, "case_substantiated", "substantiated")
    )
    return case


# --- corrective action --------------------------------------------------------------------------------


@transaction.atomic
def case_provider_answer(*, case: Case, user: Any, text: str, documents: Iterable[UploadedFile] = ()) -> Case:
    """§6.1.3: the provider answers the preliminary report with its corrective actions and evidence (the
    first answer moves the case to "corrective action"; later ones add to the conversation)."""
    documents = list(documents)
    if not (text or "").strip() and not documents:
        raise CaseError(_("Describe your corrective action, or attach your evidence."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.organisation.users.filter(pk=user.pk, is_active=True).exists():
        raise CaseError(_("You do not act for the provider of this case."))
    if locked.status == Status.SUBSTANTIATED:
        locked = transition_run(
            error=CaseError, instance=locked, name="answer", actor=user, reason=_("Corrective action reported")
        )
    elif locked.status != Status.CORRECTIVE_ACTION:
        raise CaseError(
            _("Case %(ref)s is %(status)s; it is not waiting for your corrective action.")
            % {"ref": locked.reference, "status": locked.get_status_display().lower()}
        )
    message = Message.objects.create(
        case=locked, kind=Message.Kind.CORRECTIVE_ACTION, author=user, to_provider=True, text=(text or "").strip()
    )
    _attach(message, documents)
    notices_bulk_queue(_secretariat_notices(locked, "case_corrective_action", f"corrective{message.pk}"))
    return locked


@transaction.atomic
def case_assess_corrective_action(*, case: Case, actor: Any, text: str, complete: bool) -> Case:
    """§6.1.3: the Secretariat assesses the effect of the corrective action (complete, or not yet), tells the
    provider, and helps both sides resolve the matter."""
    _secretariat_only(actor)
    if not (text or "").strip():
        raise CaseError(_("Write your assessment of the corrective action."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in (Status.SUBSTANTIATED, Status.CORRECTIVE_ACTION):
        raise CaseError(
            _("Case %(ref)s is %(status)s; there is no corrective action to assess now.")
            % {"ref": locked.reference, "status": locked.get_status_display().lower()}
        )
    locked.corrective_action_assessment = text.strip()
    locked.corrective_action_complete = complete
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=["corrective_action_assessment", "corrective_action_complete"])
    Message.objects.create(
        case=locked, kind=Message.Kind.ASSESSMENT, author=actor, from_secretariat=True, to_provider=True,
        text=text.strip(),
    )  # fmt: skip
    notices_bulk_queue(_provider_notices(locked, "case_assessed", f"assessed{locked.history.count()}"))
    return locked


@transaction.atomic
def case_message(
    *,
    case: Case,
    author: Any,
    text: str,
    to_provider: bool = False,
    to_factory: bool = False,
    documents: Iterable[UploadedFile] = (),
) -> Message:
    """A message on the case. The Secretariat writes to the provider, the factory or both (or a note for
    itself); a party writes to the Secretariat, and the provider's messages are its own (§6.1.3)."""
    if not (text or "").strip():
        raise CaseError(_("Write the message."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    staff = bool(author.is_staff and author.has_perm("complaints.change_case"))
    if not staff:
        if locked.organisation.users.filter(pk=author.pk).exists() and locked.status in Case.VISIBLE_TO_PROVIDER:
            to_provider, to_factory = True, False
        elif locked.factory_id and locked.factory.users.filter(pk=author.pk).exists():  # type: ignore[union-attr]
            to_provider, to_factory = False, True
        else:
            raise CaseError(_("You are not a party to this case."))
    if locked.is_closed and not staff:
        raise CaseError(_("Case %(ref)s is closed.") % {"ref": locked.reference})
    message = Message.objects.create(
        case=locked, kind=Message.Kind.NOTE, author=author, from_secretariat=staff, to_provider=to_provider,
        to_factory=to_factory, text=text.strip(),
    )  # fmt: skip
    _attach(message, documents)
    notices: list[Notice] = []
    if staff:
        if to_provider:
            notices += _provider_notices(locked, "case_message", f"message{message.pk}", message=message)
        if to_factory:
            notices += _factory_notices(locked, "case_message", f"message{message.pk}", message=message)
    else:
        notices += _secretariat_notices(locked, "case_message_received", f"message{message.pk}", message=message)
    notices_bulk_queue(notices)
    return message


# --- the consolidated report, the recommended penalty, the PMC ------------------------------------------


def proposed_penalty(case: Case) -> str:
    """§6.1.4, §6.3.1: a warning for the provider's first substantiated case; removal when it already has
    one or more (a case not substantiated does not count)."""
    earlier = Case.objects.filter(organisation_id=case.organisation_id, substantiated=True).exclude(pk=case.pk)
    return Case.Penalty.REMOVAL if earlier.exists() else Case.Penalty.WARNING


@transaction.atomic
def case_consolidate(*, case: Case, actor: Any, report: str, recommended_penalty: str = "", reason: str = "") -> Case:
    """§6.1.4: consolidate the investigation report — the findings, the corrective actions and their effect,
    and the recommended penalty — when the corrective action is done, and at the latest one calendar month
    after the provider was notified (the clock). The code proposes the penalty from the provider's record;
    recommending another needs a written reason."""
    if not (report or "").strip():
        raise CaseError(_("Write the consolidated investigation report."))
    chosen: dict[str, str] = {}

    def check(locked: Case) -> None:
        proposed = proposed_penalty(locked)
        recommended = recommended_penalty or proposed
        if recommended not in Case.Penalty.values:
            raise CaseError(_("Recommend a warning or removal."))
        if recommended != proposed and not (reason or "").strip():
            raise CaseError(
                _(
                    "The provider's record proposes %(proposed)s (§6.1.4); give the reason for recommending "
                    "%(recommended)s instead."
                )
                % {
                    "proposed": Case.Penalty(proposed).label.lower(),
                    "recommended": Case.Penalty(recommended).label.lower(),
                }
            )
        chosen.update(proposed=proposed, recommended=recommended)

    case = transition_run(
        error=CaseError,
        instance=case,
        name="consolidate",
        actor=actor,
        check=check,
        reason=lambda c: (
            _("Report consolidated; recommended: %(penalty)s") % {"penalty": Case.Penalty(chosen["recommended"]).label}
        ),
        changes=lambda c: {
            "report": report.strip(),
            "proposed_penalty": chosen["proposed"],
            "recommended_penalty": chosen["recommended"],
            "recommendation_reason": (reason or "").strip() if chosen["recommended"] != chosen["proposed"] else "",
            "consolidated_at": timezone.now(),
        },
    )
    deadlines.deadline_meet(subject=case, kind=REPORT, actor=actor, reason="report consolidated")
    return case


def _question(case: Case, kind: str) -> tuple[str, str]:
    names = {"ref": case.reference, "en": case.organisation.name_en, "zh": case.organisation.name_zh}
    names["zh"] = names["zh"] or names["en"]
    if kind == Motion.Kind.WARNING:
        return (
            "Does the PMC support the recommended warning to {en} on case {ref} (§6.1.4)?".format(**names),
            "項目管理委員會是否支持就個案 {ref} 向{zh}發出建議的警告（§6.1.4）？".format(**names),
        )
    return (
        "Should {en} be removed from the register on case {ref} (§6.1.4, §6.3)?".format(**names),
        "應否就個案 {ref} 將{zh}從名冊除名（§6.1.4、§6.3）？".format(**names),
    )


def _open_motion(case: Case, actor: Any, kind: str, recommendation: str) -> Motion:
    question_en, question_zh = _question(case, kind)
    return motion_create(
        kind=kind,
        subject=case,
        question_en=question_en,
        question_zh=question_zh,
        recommendation_en=recommendation,
        actor=actor,
        papers=[
            {
                "title_en": f"Case {case.reference}: investigation report",
                "title_zh": f"個案 {case.reference}：調查報告",
                "link": reverse("complaints:paper", kwargs={"case_ref": case.reference}),
            }
        ],
    )


@transaction.atomic
def case_send_to_pmc(*, case: Case, actor: Any) -> Motion:
    """§6.1.4: report the consolidated report and its recommended penalty to the PMC: a motion (a warning
    or a removal) with the report as its papers, for the PMC to support or reject by simple majority."""
    box: dict[str, Motion] = {}

    def check(locked: Case) -> None:
        kind = Motion.Kind.REMOVAL if locked.recommended_penalty == Case.Penalty.REMOVAL else Motion.Kind.WARNING
        text = locked.report
        if locked.recommendation_reason:
            text += "\n\n" + _("Why the recommendation differs from the record's proposal: %(why)s") % {
                "why": locked.recommendation_reason
            }
        box["motion"] = _open_motion(locked, actor, kind, text)

    transition_run(
        error=CaseError, instance=case, name="send_to_pmc", actor=actor, check=check, reason=_("Sent to the PMC")
    )
    return box["motion"]


REMOVAL_GROUNDS = {
    "a": "§6.3.1 (a): a breach of the code of conduct",
    "b": "§6.3.1 (b): substandard service, and corrective action refused without reasonable explanation",
    "c": "§6.3.1 (c): misconduct, such as a conviction for corruption or a criminal offence in programme work",
}


@transaction.atomic
def case_propose_removal(*, case: Case, actor: Any, grounds: Iterable[str], reason: str) -> Motion:
    """§6.3.1: on a breach of the code of conduct (a), corrective action refused without reasonable
    explanation (b), or misconduct such as a conviction (c), staff propose removal directly: a removal
    motion from the case."""
    grounds = [g for g in grounds if g in REMOVAL_GROUNDS]
    if not grounds:
        raise CaseError(_("Tick the grounds of §6.3.1 for removal."))
    if not (reason or "").strip():
        raise CaseError(_("Give the facts on which removal is proposed."))
    text = "\n".join(REMOVAL_GROUNDS[g] for g in sorted(grounds)) + "\n\n" + reason.strip()
    box: dict[str, Motion] = {}

    def check(locked: Case) -> None:
        box["motion"] = _open_motion(locked, actor, Motion.Kind.REMOVAL, text)

    transition_run(
        error=CaseError,
        instance=case,
        name="propose_removal",
        actor=actor,
        check=check,
        reason=text,
        changes={"recommended_penalty": Case.Penalty.REMOVAL, "removal_grounds": text},
    )
    return box["motion"]


def case_decided(*, motion: Motion, subject: Case, actor: Any) -> None:
    """The PMC's motion on the case closed (registered as the committee's `on_close`): the case is decided."""
    transition_run(
        error=CaseError,
        instance=subject,
        name="decide",
        actor=actor,
        reason=_("PMC motion %(ref)s: %(outcome)s")
        % {"ref": motion.reference, "outcome": motion.get_outcome_display()},
    )


def case_carried_out(*, case: Case, motion: Motion, actor: Any, note: str) -> Case:
    """§6.1.4: the decision was carried out; the factory is told the result (the provider has its own notice
    of the warning, the removal or "no penalty")."""
    return transition_run(
        error=CaseError,
        instance=case,
        name="carry_out",
        actor=actor,
        reason=note,
        changes={"outcome_note": note},
        notices=lambda c: _factory_notices(c, "case_result", "result", motion=motion, note=note),
    )


@transaction.atomic
def case_cancel_registration_as_substandard(*, case: Case, actor: Any, reason: str) -> Registration:
    """§3.3.4: a provisional registration whose funded project's report or service failed the standard is
    cancelled as substandard from the case (any new application from the provider then goes to the PMC).
    The registration is the provider's provisional one in the category of its role in the case's project."""
    _secretariat_only(actor)
    # FOR UPDATE of the case only: PostgreSQL refuses to lock the nullable side of the join to the project.
    locked = Case.objects.select_for_update(of=("self",)).select_related("funded_project").get(pk=case.pk)
    if locked.substantiated is not True:
        raise CaseError(_("Only a substantiated case can cancel a registration as substandard (§3.3.4)."))
    if locked.funded_project is None:
        raise CaseError(_("The case names no funded project, so no registration follows from it (§3.3.4)."))
    registration = Registration.objects.filter(
        organisation_id=locked.organisation_id,
        category=locked.funded_project.role_category,
        status=Registration.Status.PROVISIONAL,
    ).first()
    if registration is None:
        raise CaseError(
            _("The provider holds no provisional registration in the category of its role in %(project)s.")
            % {"project": locked.funded_project.reference}
        )
    return registration_cancel_substandard(
        registration=registration, actor=actor, reason=f"{locked.reference} (§3.3.4): {reason.strip()}"
    )


def case_clocks(case: Case) -> Mapping[str, Deadline | None]:
    """The case's clocks: to notify the provider, and for the consolidated report."""
    clocks = {c.kind: c for c in Deadline.objects.for_subject(case).order_by("created_at")}
    return {"notify": clocks.get(NOTIFY), "report": clocks.get(REPORT)}
