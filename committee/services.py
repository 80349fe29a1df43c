"""Writes of the committee (§6.1.4). Each service is atomic, locks the motion row, calls the transition, saves,
logs it (django-fsm-log: who, when, from, to, why) and queues its written notices, sent only after commit.
Views, the admin and other apps all call these; none changes a motion or a vote by itself.

Voting and closing both lock the motion row first, so that a vote cast while the motion closes either
lands before the count (and is counted) or waits and is then refused — never lost, never added after.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cpp_registry.deadlines import deadline_meet, deadline_start
from cpp_registry.errors import ServiceError
from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import build_notice, notices_bulk_queue
from cpp_registry.roles import Role
from cpp_registry.transitions import transition_run

from . import registry
from .models import Motion, Paper, Vote
from .rules import motion_outcome, pmc_quorum

_UNSET: Any = object()


class CommitteeError(ServiceError):
    """A request the committee refuses; the message is translated and safe to show."""


class StaleVote(CommitteeError):
    """The vote on record changed since the form was shown; nothing was changed."""


def pmc_members() -> QuerySet[Any]:
    """Every active member of the PMC, the people who vote and receive the result (§9)."""
    return get_user_model().objects.filter(groups__name=Role.PMC_MEMBER.value, is_active=True).order_by("email")


def is_pmc_member(user: Any) -> bool:
    return bool(user and user.is_active and user.groups.filter(name=Role.PMC_MEMBER.value).exists())


def _locked(motion: Motion) -> Motion:
    return Motion.objects.select_for_update().get(pk=motion.pk)


def _when(value: Any) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _state_refusal(motion: Motion) -> str:
    """Why a motion in its current state no longer accepts what was asked."""
    if motion.status == Motion.Status.DRAFT:
        return _("This motion is not open for votes yet.")
    if motion.status == Motion.Status.OPEN:
        return _("This motion is still open for votes.")
    return _("This motion was closed by %(name)s at %(when)s; the result is final and nothing more can change.") % {
        "name": motion.closed_by or _("the Secretariat"),
        "when": _when(motion.closed_at),
    }


def subject_entry(*, subject: models.Model, kind: str) -> registry.SubjectKind:
    """What the registry says of motions of `kind` about `subject`; refused when nobody registered it."""
    entry = registry.entry_for(model=type(subject), kind=kind)
    if entry is None:
        raise CommitteeError(
            _("No part of the portal handles motions of this kind (%(kind)s) about a %(subject)s.")
            % {"kind": Motion.Kind(kind).label, "subject": subject._meta.verbose_name}
        )
    return entry


def _label(motion: Motion, subject: models.Model) -> None:
    shown = subject_entry(subject=subject, kind=motion.kind).show(subject)
    motion.subject_label_en = shown.title_en[:300]
    motion.subject_label_zh = (shown.title_zh or shown.title_en)[:300]


@transaction.atomic
def motion_create(
    *,
    kind: str,
    subject: models.Model,
    question_en: str,
    question_zh: str = "",
    recommendation_en: str = "",
    recommendation_zh: str = "",
    actor: Any = None,
    papers: Iterable[Mapping[str, Any]] = (),
) -> Motion:
    """Report a question to the PMC as a draft motion (§4.1.5, §3.3.4, §6.1.4, §6.3).

    `subject` is what the motion is about (an application, a case, a provider); its app must have
    registered motions of this kind about it (committee.registry). `papers` are dicts of Paper fields
    (title_en, title_zh, link, document).
    """
    motion = Motion(
        kind=Motion.Kind(kind),
        question_en=question_en,
        question_zh=question_zh,
        recommendation_en=recommendation_en,
        recommendation_zh=recommendation_zh,
        created_by=actor,
    )
    motion.subject = subject
    _label(motion, subject)
    motion.full_clean(exclude=["status"])
    motion._history_user = actor  # type: ignore[attr-defined]
    motion.save()
    Paper.objects.bulk_create([Paper(motion=motion, order=i, **paper) for i, paper in enumerate(papers)])
    return motion


@transaction.atomic
def motion_draft_save(*, motion: Motion, actor: Any) -> Motion:
    """Save the Secretariat's edits to a draft (the admin's form). Once a motion is open its question,
    subject and papers cannot change."""
    if motion.pk:
        current = _locked(motion)
        if current.status != Motion.Status.DRAFT:
            raise CommitteeError(_("Only a draft motion can be edited. %(why)s") % {"why": _state_refusal(current)})
    else:
        motion.created_by = motion.created_by or actor
    subject = motion.subject
    if subject is None:
        raise CommitteeError(_("Choose what the motion is about: a subject that exists."))
    _label(motion, subject)
    motion._history_user = actor  # type: ignore[attr-defined]
    motion.save()
    return motion


def _opened_refusal(motion: Motion) -> str:
    if motion.opened_at:
        return _("This motion was already opened by %(name)s at %(when)s.") % {
            "name": motion.opened_by or _("the Secretariat"),
            "when": _when(motion.opened_at),
        }
    return _state_refusal(motion)


@transaction.atomic
def motion_open(*, motion: Motion, actor: Any) -> Motion:
    """Put the motion to the members and tell each of them it awaits their vote."""

    def notices(opened: Motion) -> list[Notice]:
        return [
            build_notice(
                recipient=member,
                template_key="motion_opened",
                context={"motion": opened},
                related=opened,
                idempotency_key=f"motion:{opened.pk}:opened:user{member.pk}",
            )
            for member in pmc_members()
        ]

    return transition_run(
        error=CommitteeError,
        instance=motion,
        name="open",
        actor=actor,
        reason=_("Opened for votes"),
        changes=lambda m: {"opened_at": timezone.now(), "opened_by": actor},
        notices=notices,
        refusal=_opened_refusal,
    )


@transaction.atomic
def vote_cast(
    *, motion: Motion, member: Any, choice: str, actor: Any = None, expected: Any = _UNSET
) -> tuple[Vote, bool]:
    """§9: record `member`'s vote, or change it, while the motion is open. Returns (vote, changed).

    `actor` is who enters it: the member, or a Secretariat officer recording a meeting's vote on the
    member's behalf (kept as `recorded_by`). `expected` is the vote the form showed ("" for none): when
    the vote on record has changed since, nothing changes and StaleVote says so. Submitting the vote
    already on record changes nothing (a double submit).
    """
    actor = actor or member
    try:
        choice = Vote.Choice(choice)
    except ValueError:
        raise CommitteeError(_("Choose for, against or abstain.")) from None
    motion = _locked(motion)
    if motion.status != Motion.Status.OPEN:
        raise CommitteeError(_("Your vote was not recorded. %(why)s") % {"why": _state_refusal(motion)})
    if not is_pmc_member(member):
        raise CommitteeError(_("%(name)s is not a member of the Project Management Committee.") % {"name": member})
    if actor.pk != member.pk and not actor.has_perm("committee.record_vote"):
        raise CommitteeError(_("Only the Secretariat may record a vote on a member's behalf."))

    vote = Vote.objects.filter(motion=motion, member=member).first()
    if vote is not None and vote.choice == choice:
        return vote, False
    on_record = vote.choice if vote is not None else ""
    if expected is not _UNSET and (expected or "") != on_record:
        raise StaleVote(
            _(
                "The vote on record changed since this page was shown; nothing was changed. "
                "Please check it and vote again."
            )
        )
    now = timezone.now()
    if vote is None:
        vote = Vote(motion=motion, member=member, choice=choice, cast_at=now, changed_at=now)
        vote._change_reason = "cast"  # type: ignore[attr-defined]
    else:
        vote.choice = choice
        vote.changed_at = now
        vote._change_reason = f"changed from {on_record}"  # type: ignore[attr-defined]
    vote.recorded_by = actor if actor.pk != member.pk else None
    # The audit names who entered it (django-simple-history).
    vote._history_user = actor  # type: ignore[attr-defined]
    vote.save()
    return vote, True


def _counts(motion: Motion) -> tuple[int, int, int]:
    rows = dict(Vote.objects.filter(motion=motion).values_list("choice").annotate(n=Count("id")).order_by())
    return rows.get(Vote.Choice.FOR, 0), rows.get(Vote.Choice.AGAINST, 0), rows.get(Vote.Choice.ABSTAIN, 0)


def _closed_refusal(motion: Motion) -> str:
    return _("The motion was not closed. %(why)s") % {"why": _state_refusal(motion)}


@transaction.atomic
def motion_close(*, motion: Motion, actor: Any) -> Motion:
    """§9: count the votes, decide by simple majority, freeze the result.

    Short of the quorum (PMC_QUORUM), the motion stays open with a clear message. Closing starts the
    10-working-day clock for carrying out the decision (§6.1.4), owned by the Programme Management Team,
    and sends every member the result and the subject's audience (the provider, the factory — as the
    subject's app registered) the decision.
    """
    counted: dict[str, Any] = {}

    def count(locked: Motion) -> None:
        # On the locked row: a vote waiting on the lock is refused after this, never added to a frozen count.
        votes_for, votes_against, votes_abstain = _counts(locked)
        cast, quorum = votes_for + votes_against + votes_abstain, pmc_quorum()
        if cast < quorum:
            raise CommitteeError(
                _(
                    "The motion cannot be closed: %(cast)d vote(s) cast, and the quorum is %(quorum)d. "
                    "It stays open for votes."
                )
                % {"cast": cast, "quorum": quorum}
            )
        counted.update(
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstain=votes_abstain,
            outcome=motion_outcome(votes_for=votes_for, votes_against=votes_against),
        )

    closed = transition_run(
        error=CommitteeError,
        instance=motion,
        name="close",
        actor=actor,
        check=count,
        reason=lambda m: "{outcome}: {votes_for} for, {votes_against} against, {votes_abstain} abstaining".format(
            **counted
        ),
        changes=lambda m: {**counted, "closed_at": timezone.now(), "closed_by": actor},
        refusal=_closed_refusal,
    )
    clock = deadline_start(
        subject=closed,
        kind=Deadline.Kind.DECISION_CARRY_OUT,
        start_day=timezone.localdate(closed.closed_at),
        actor=actor,
        reason=_("motion closed"),
    )
    context = {"motion": closed, "clock": clock}
    notices: list[Any] = [
        build_notice(
            recipient=member,
            template_key="motion_result",
            context=context,
            related=closed,
            idempotency_key=f"motion:{closed.pk}:result:user{member.pk}",
        )
        for member in pmc_members()
    ]
    subject = closed.subject
    if subject is not None:
        entry = subject_entry(subject=subject, kind=closed.kind)
        if entry.on_close is not None:
            entry.on_close(motion=closed, subject=subject, actor=actor)
        notices += entry.audience(
            subject=subject,
            template_key="motion_decided",
            context=context,
            related=closed,
            event=f"motion:{closed.pk}:decided",
        )
    notices_bulk_queue(notices)
    return closed


def _carry_out_refusal(motion: Motion) -> str:
    if motion.status == Motion.Status.CARRIED_OUT:
        return _("This decision was already carried out by %(name)s at %(when)s.") % {
            "name": motion.carried_out_by or _("the Secretariat"),
            "when": _when(motion.carried_out_at),
        }
    return _("Only a closed motion can be carried out. %(why)s") % {"why": _state_refusal(motion)}


@transaction.atomic
def motion_carry_out(*, motion: Motion, actor: Any) -> Motion:
    """§6.1.4: carry out a closed motion's decision — one press of a button.

    What carrying out means is looked up in `committee.registry` by subject and kind, then outcome; the
    handler does the work through its own app's services, which send their written notices. The clock
    started at closing is met. A handler's refusal leaves everything as it was.
    """
    now = timezone.now()
    done: dict[str, str] = {}

    def carry_out(locked: Motion) -> None:
        subject = locked.subject
        if subject is None:
            raise CommitteeError(_("The subject of this motion no longer exists; nothing was changed."))
        handler = subject_entry(subject=subject, kind=locked.kind).outcomes.get(str(locked.outcome))
        if handler is None:
            raise CommitteeError(
                _(
                    "Nothing is set up to carry out a decision of this kind (%(kind)s — %(outcome)s). "
                    "Nothing was changed."
                )
                % {"kind": locked.get_kind_display(), "outcome": locked.get_outcome_display()}
            )
        try:
            done["note"] = str(handler(motion=locked, subject=subject, actor=actor) or "")
        except ServiceError as exc:
            raise CommitteeError(str(exc)) from exc

    # The handler runs as the transition's check: on the locked row, after django-fsm allowed it, before the
    # transition is logged with what was done as its description. A refusal there changes nothing.
    motion = transition_run(
        error=CommitteeError,
        instance=motion,
        name="carry_out",
        actor=actor,
        check=carry_out,
        reason=lambda m: done["note"],
        changes=lambda m: {"carried_out_at": now, "carried_out_by": actor, "carry_out_note": done["note"]},
        refusal=_carry_out_refusal,
    )
    deadline_meet(
        subject=motion, kind=Deadline.Kind.DECISION_CARRY_OUT, at=now, actor=actor, reason=motion.carry_out_note
    )
    return motion
