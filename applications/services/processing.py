"""Processing an application (§4): submission, the 10-working-day clock with its stops, the decision,
the referral to the PMC and what the PMC decided, withdrawal.

The clock (§4.1.3): 10 working days from the day all required information is received — the day of
submission, when the form holds every section. When the Secretariat asks for information the clock stops;
it starts again, from zero, on the day the complete answer arrives (decision). Approving or reporting the
application to the PMC meets it (decision: the Secretariat's processing ends there; the PMC's vote has no
clock of its own in the guide).
"""

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from committee.models import Motion
from committee.services import motion_create
from cpp_registry import deadlines
from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import notices_bulk_queue, role_notices
from cpp_registry.roles import Role
from cpp_registry.transitions import transition_run
from directory.models import Organisation, Registration
from directory.services import organisation_needs_pmc_view, registration_grant

from .. import criteria
from ..models import Application, Attachment, Message
from .common import ApplicationError, applicant_notices, criteria_check, may_act_for
from .drafting import live_conflicts

CLOCK = Deadline.Kind.APPLICATION_PROCESSING


def missing_sections(application: Application) -> list[str]:
    """The sections not yet completed, in the form's order."""
    done = set(application.sections_done)
    return [section for section in Application.Section.values if section not in done]


def answers_snapshot(application: Application) -> dict[str, Any]:
    """The answers as submitted, kept on the application so the decision can be read against them."""
    organisation = application.organisation
    return {
        "organisation": {
            "name_en": organisation.name_en,
            "name_zh": organisation.name_zh,
            "br_number": organisation.br_number,
            "address_en": organisation.address_en,
            "address_zh": organisation.address_zh,
            "phone": str(organisation.phone or ""),
            "email": organisation.email,
        }
        if organisation
        else {},
        "categories": application.categories,
        "staff": [
            {
                "name": s.name,
                "position": s.position,
                "months": s.total_months,
                "fields": s.fields,
                "proof": s.proof.name,
            }
            for s in application.staff.all()
        ],
        "projects": [
            {
                "title": p.title,
                "client_company": p.client_company,
                "client_contact": p.client_contact,
                "client_phone": str(p.client_phone or ""),
                "client_email": p.client_email,
                "started_on": p.started_on.isoformat(),
                "ended_on": p.ended_on.isoformat() if p.ended_on else "",
                "kind": p.kind,
                "completed": p.completed,
                "areas": p.areas,
                "document": p.document.name,
            }
            for p in application.projects.all()
        ],
        "code_of_conduct": {"kind": application.code_of_conduct_kind, "file": application.code_of_conduct_file.name},
        "signatory": {"name": application.signatory_name, "position": application.signatory_position},
    }


def _record_check(application: Application) -> dict[str, Any]:
    result = criteria_check(application)
    return {"criteria_result": result.as_json(), "criteria_met": result.met}


def _staff_notices(application: Application, template_key: str, event: str, **context: Any) -> list[Notice]:
    """A notice to each member of the Programme Management Team, e.g. that an answer arrived."""
    return role_notices(
        roles=[Role.PROGRAMME_MANAGEMENT_TEAM.value],
        template_key=template_key,
        context={"application": application, **context},
        related=application,
        event=f"application:{application.pk}:{event}",
    )


@transaction.atomic
def application_submit(*, application: Application, user: Any) -> Application:
    """§4.1.2: send the application, every section complete, to the Secretariat. Its answers and the
    criteria check are kept as submitted; the 10-working-day clock starts today (§4.1.3). Submitting twice
    (a double click, two tabs) submits once: the second is told it was already submitted."""

    def check(locked: Application) -> None:
        if not may_act_for(locked, user):
            raise ApplicationError(_("You do not act for the organisation of this application."))
        missing = missing_sections(locked)
        if missing:
            labels = dict(Application.Section.choices)
            raise ApplicationError(
                _("Complete every section before you submit: %(sections)s.")
                % {"sections": ", ".join(str(labels[s]) for s in missing)}
            )
        if locked.organisation_id is None:
            raise ApplicationError(_("Complete the organisation details first."))
        Organisation.objects.select_for_update().filter(pk=locked.organisation_id).first()
        conflicts = live_conflicts(locked, locked.categories)
        if conflicts:
            raise ApplicationError(" ".join(conflicts))

    def already(locked: Application) -> str:
        return _("Application %(ref)s was already submitted on %(when)s; nothing was sent again.") % {
            "ref": locked.reference,
            "when": timezone.localtime(locked.submitted_at).strftime("%Y-%m-%d %H:%M") if locked.submitted_at else "—",
        }

    now = timezone.now()
    application = transition_run(
        error=ApplicationError,
        instance=application,
        name="submit",
        actor=user,
        reason=_("Submitted"),
        check=check,
        changes=lambda a: {"submitted_at": now, "submitted_answers": answers_snapshot(a), **_record_check(a)},
        refusal=already,
    )
    clock = deadlines.deadline_start(subject=application, kind=CLOCK, actor=user, reason="submitted")
    notices_bulk_queue(applicant_notices(application, "application_submitted", "submitted", clock=clock))
    return application


@transaction.atomic
def application_ask_for_information(*, application: Application, actor: Any, text: str) -> Application:
    """§4.1.3: the Secretariat asks for clarification or more documents. The clock stops until the complete
    answer arrives; the request is kept in the conversation and sent to the applicant in writing."""
    if not (text or "").strip():
        raise ApplicationError(_("Write what the applicant should send or clarify."))
    application = transition_run(
        error=ApplicationError, instance=application, name="ask_for_information", actor=actor, reason=text
    )
    message = Message.objects.create(
        application=application, kind=Message.Kind.REQUEST, author=actor, from_secretariat=True, text=text.strip()
    )
    deadlines.deadline_stop(subject=application, kind=CLOCK, actor=actor, reason="information requested")
    notices_bulk_queue(
        applicant_notices(application, "application_information_requested", f"request{message.pk}", message=message)
    )
    return application


@transaction.atomic
def application_answer(
    *, application: Application, user: Any, text: str, documents: Iterable[UploadedFile] = ()
) -> Application:
    """§4.1.3: the applicant's complete answer, with documents. The clock starts again from zero today; the
    answers and the criteria check are taken again."""
    documents = list(documents)
    if not (text or "").strip() and not documents:
        raise ApplicationError(_("Write your answer or attach a document."))

    def check(locked: Application) -> None:
        if not may_act_for(locked, user):
            raise ApplicationError(_("You do not act for the organisation of this application."))

    application = transition_run(
        error=ApplicationError,
        instance=application,
        name="answer",
        actor=user,
        reason=_("Answered"),
        check=check,
        changes=lambda a: {"submitted_answers": answers_snapshot(a), **_record_check(a)},
        refusal=lambda a: (
            _("Application %(ref)s is not waiting for an answer (it is %(status)s).")
            % {"ref": a.reference, "status": a.get_status_display().lower()}
        ),
    )
    message = Message.objects.create(
        application=application, kind=Message.Kind.ANSWER, author=user, text=(text or "").strip()
    )
    for document in documents:
        attachment = Attachment(message=message, file=document)
        attachment.full_clean()
        attachment.save()
    deadlines.deadline_restart(subject=application, kind=CLOCK, actor=user, reason="answer received")
    notices_bulk_queue(_staff_notices(application, "application_answered", f"answer{message.pk}", message=message))
    return application


@transaction.atomic
def application_override_criteria(*, application: Application, actor: Any, categories: str, reason: str) -> Application:
    """§3.2.2 "or equivalent experience": the Secretariat accepts a category's criteria as met on
    equivalent experience, with a written reason; recorded with who and when, and in the history."""
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason the experience is equivalent; it is kept on the record."))
    if not (actor and actor.is_staff and actor.has_perm("applications.change_application")):
        raise ApplicationError(_("You are not allowed to make this change. Nothing was changed."))
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in (Application.Status.SUBMITTED, Application.Status.AWAITING_INFORMATION):
        raise ApplicationError(
            _("Application %(ref)s is %(status)s; the criteria can only be weighed while it is processed.")
            % {"ref": locked.reference, "status": locked.get_status_display().lower()}
        )
    chosen = "".join(sorted(set(categories) & set(locked.category_list)))
    if not chosen:
        raise ApplicationError(_("Choose a category the application applies for."))
    locked.override_categories = chosen
    locked.override_reason = reason.strip()
    locked.override_by = actor
    locked.override_at = timezone.now()
    locked._history_user = actor  # type: ignore[attr-defined]
    locked._change_reason = f"criteria override: {chosen}"  # type: ignore[attr-defined]
    locked.save(update_fields=["override_categories", "override_reason", "override_by", "override_at"])
    return locked


def decision_check(application: Application) -> criteria.CheckResult:
    """The criteria as the Secretariat decides on them: the check of the answers as last submitted."""
    stored = criteria.CheckResult.from_json(application.criteria_result)
    return stored or criteria_check(application)


def categories_met(application: Application) -> dict[str, bool]:
    """Per category applied for: the criteria met, or accepted as equivalent (§3.2.2)."""
    result = decision_check(application)
    return {c: result.category_met(c) or c in application.override_categories for c in application.category_list}


def _grant(application: Application, actor: Any) -> list[Registration]:
    """Copy the signed code of conduct to the organisation (§7.1) and grant a provisional registration in
    each category applied for (§3.3.1, listed at once §5.1.2)."""
    if application.organisation_id is None:
        raise ApplicationError(_("The application names no organisation."))
    organisation = Organisation.objects.select_for_update().get(pk=application.organisation_id)
    if not application.code_of_conduct_file:
        raise ApplicationError(_("No registration is granted without a signed code of conduct on record (§7.1)."))
    organisation.code_of_conduct_kind = application.code_of_conduct_kind
    organisation.code_of_conduct_file = application.code_of_conduct_file.name
    organisation.code_of_conduct_received_on = timezone.localdate(application.submitted_at or timezone.now())
    organisation.version += 1
    organisation._history_user = actor  # type: ignore[attr-defined]
    organisation.save()
    reason = _("Application %(ref)s (§4.1.4)") % {"ref": application.reference}
    return [
        registration_grant(organisation=organisation, category=category, actor=actor, reason=reason, notify=False)
        for category in application.category_list
    ]


@transaction.atomic
def application_approve(*, application: Application, actor: Any, text: str = "") -> Application:
    """§4.1.4: every criterion met (or accepted as equivalent) → a provisional registration in each category
    applied for, valid 24 months and listed at once, with the decision in writing. Refused — and nothing
    changes — when a criterion is not met (it goes to the PMC, §4.1.5), when a registration of the
    organisation was cancelled as substandard (§3.3.4), or without a signed code of conduct (§7.1)."""
    granted: list[Registration] = []

    def check(locked: Application) -> None:
        if locked.organisation_id and organisation_needs_pmc_view(organisation=locked.organisation):  # type: ignore[arg-type]
            raise ApplicationError(
                _(
                    "A registration of this organisation was cancelled as substandard: its new application goes "
                    "to the PMC before it can be accepted (§3.3.4). Report it to the PMC."
                )
            )
        unmet = [c for c, met in categories_met(locked).items() if not met]
        if unmet:
            raise ApplicationError(
                _(
                    "Category %(categories)s: the criteria are not met. Report the application to the PMC "
                    "(§4.1.5), or record why the experience is equivalent (§3.2.2)."
                )
                % {"categories": ", ".join(unmet)}
            )
        if not locked.code_of_conduct_file:
            raise ApplicationError(_("No registration is granted without a signed code of conduct on record (§7.1)."))
        granted.extend(_grant(locked, actor))

    application = transition_run(
        error=ApplicationError,
        instance=application,
        name="approve",
        actor=actor,
        reason=text or _("Approved (§4.1.4)"),
        check=check,
        changes=lambda a: {"decided_at": timezone.now(), "decided_by": actor, "decision_text": text},
    )
    _decided(application, actor, "application_approved", "approved", registrations=granted)
    return application


def _decided(application: Application, actor: Any, template_key: str, event: str, **context: Any) -> None:
    if application.decision_text:
        Message.objects.create(
            application=application,
            kind=Message.Kind.DECISION,
            author=actor,
            from_secretariat=True,
            text=application.decision_text,
        )
    deadlines.deadline_meet(subject=application, kind=CLOCK, actor=actor, reason=event)
    notices_bulk_queue(applicant_notices(application, template_key, event, **context))


def _motion_question(application: Application, after_substandard: bool) -> tuple[str, str]:
    organisation = application.organisation
    assert organisation is not None  # a submitted application names its organisation
    names = {
        "ref": application.reference,
        "en": organisation.name_en,
        "zh": organisation.name_zh or organisation.name_en,
    }
    if after_substandard:
        return (
            "Should application {ref} of {en} be accepted, a registration of the organisation having been "
            "cancelled as substandard (§3.3.4)?".format(**names),
            "應否接納{zh}的申請 {ref}（該機構曾有登記因服務未達標準而被取消，§3.3.4）？".format(**names),
        )
    return (
        "Should application {ref} of {en} be accepted although it does not meet the criteria (§4.1.5)?".format(**names),
        "{zh}的申請 {ref} 未符合準則，應否接納（§4.1.5）？".format(**names),
    )


def _criteria_summary(application: Application, language: str) -> str:
    with override(language):
        result = decision_check(application)
        lines = []
        for category_result in result.results:
            for criterion in category_result.criteria:
                mark = "✓" if criterion.met else "✗"
                lines.append(f"{mark} {criterion.label}: {criterion.reason}")
        return "\n".join(lines)


@transaction.atomic
def application_refer(
    *, application: Application, actor: Any, recommendation_en: str, recommendation_zh: str = ""
) -> Application:
    """§4.1.5: an application that does not meet the criteria is reported to the PMC, which decides whether
    to accept it; §3.3.4: so is every new application after a substandard cancellation, whatever the
    criteria say. A motion is opened with the application as its papers; the applicant is told."""
    if not (recommendation_en or "").strip():
        raise ApplicationError(_("Write the Secretariat's report to the PMC."))
    motion_box: dict[str, Motion] = {}

    def check(locked: Application) -> None:
        after_substandard = bool(
            locked.organisation_id and organisation_needs_pmc_view(organisation=locked.organisation)  # type: ignore[arg-type]
        )
        if not after_substandard and all(categories_met(locked).values()):
            raise ApplicationError(
                _("The application meets the criteria: approve it (§4.1.4). Only one that does not goes to the PMC.")
            )
        question_en, question_zh = _motion_question(locked, after_substandard)
        summary_en, summary_zh = _criteria_summary(locked, "en"), _criteria_summary(locked, "zh-hant")
        motion_box["motion"] = motion_create(
            kind=Motion.Kind.ACCEPT_AFTER_SUBSTANDARD if after_substandard else Motion.Kind.ACCEPT_APPLICATION,
            subject=locked,
            question_en=question_en,
            question_zh=question_zh,
            recommendation_en=f"{recommendation_en.strip()}\n\n{summary_en}",
            recommendation_zh=f"{(recommendation_zh or '').strip()}\n\n{summary_zh}".strip(),
            actor=actor,
            papers=[
                {
                    "title_en": f"Application {locked.reference} (Annex A, as submitted)",
                    "title_zh": f"申請 {locked.reference}（附件甲，按提交內容）",
                    "link": reverse("applications:paper", kwargs={"reference": locked.reference}),
                }
            ],
        )

    application = transition_run(
        error=ApplicationError,
        instance=application,
        name="refer",
        actor=actor,
        reason=recommendation_en,
        check=check,
    )
    deadlines.deadline_meet(subject=application, kind=CLOCK, actor=actor, reason="reported to the PMC")
    notices_bulk_queue(applicant_notices(application, "application_referred", "referred", motion=motion_box["motion"]))
    return application


def application_motion(application: Application) -> Motion | None:
    """The PMC motion the application was reported in, if any."""
    from django.contrib.contenttypes.models import ContentType

    return (
        Motion.objects.filter(subject_type=ContentType.objects.get_for_model(Application), subject_id=application.pk)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def application_pmc_accept(*, application: Application, motion: Motion, actor: Any) -> list[Registration]:
    """§4.1.5: the PMC accepted the application: granted as an approval is (§4.1.4), told in writing."""
    granted: list[Registration] = []
    text = _("The Project Management Committee accepted the application (motion %(ref)s, §4.1.5).") % {
        "ref": motion.reference
    }
    application = transition_run(
        error=ApplicationError,
        instance=application,
        name="pmc_accept",
        actor=actor,
        reason=text,
        check=lambda locked: granted.extend(_grant(locked, actor)),
        changes=lambda a: {"decided_at": timezone.now(), "decided_by": actor, "decision_text": text},
    )
    _decided(application, actor, "application_approved", "accepted", registrations=granted, motion=motion)
    return granted


@transaction.atomic
def application_pmc_refuse(*, application: Application, motion: Motion, actor: Any) -> Application:
    """§4.1.5: the PMC refused the application. The applicant is told the final decision in writing, and
    why: the criteria not met, and the Secretariat's report to the PMC. There is no appeal."""
    with override("en"):
        summary = _criteria_summary(application, "en")
    text = (
        f"The Project Management Committee did not accept the application (motion {motion.reference}, §4.1.5). "
        f"Its decision is final.\n\n{motion.recommendation_en}\n\n{summary}"
    ).strip()
    application = transition_run(
        error=ApplicationError,
        instance=application,
        name="pmc_refuse",
        actor=actor,
        reason=text,
        changes=lambda a: {"decided_at": timezone.now(), "decided_by": actor, "decision_text": text},
    )
    _decided(application, actor, "application_refused", "refused", motion=motion)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user: Any, reason: str = "") -> Application:
    """The applicant withdraws the application before a decision (or staff record its letter). Once
    reported to the PMC it is the PMC's to decide (decision)."""
    application = transition_run(
        error=ApplicationError,
        instance=application,
        name="withdraw",
        actor=user,
        reason=reason or _("Withdrawn by the applicant"),
        refusal=lambda a: (
            _("Application %(ref)s is %(status)s; it can no longer be withdrawn.")
            % {"ref": a.reference, "status": a.get_status_display().lower()}
        ),
    )
    deadlines.deadline_meet(subject=application, kind=CLOCK, actor=user, reason="withdrawn")
    notices_bulk_queue(applicant_notices(application, "application_withdrawn", "withdrawn", reason=reason))
    return application


def application_clock(application: Application) -> Deadline | None:
    """The processing clock (open or met) of the application, newest first."""
    return Deadline.objects.for_subject(application).filter(kind=CLOCK).order_by("-created_at", "-id").first()
