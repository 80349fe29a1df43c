"""Writes of the committee (SPEC §9). Each service is atomic, locks the motion row, calls the transition,
saves, logs it (django-fsm-log: who, when, from, to, why) and queues its written notices, sent only after
commit. Views, the admin and other apps all call these; none changes a motion or a vote by itself.

Voting and closing both lock the motion row first, so that a vote cast while the motion closes either
lands before the count (and is counted) or waits and is then refused — never lost, never added after.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cpp_registry.deadlines import deadline_meet, deadline_start
from cpp_registry.models import Deadline
from cpp_registry.notices import build_notice, notices_bulk_queue
from cpp_registry.roles import Role
from directory.services import RegisterError, provider_notices

from . import registry
from .models import Motion, Paper, Vote
from .rules import motion_outcome, pmc_quorum

_UNSET = object()


class CommitteeError(Exception):
    """A request the committee refuses; the message is translated and safe to show."""


class StaleVote(CommitteeError):
    """The vote on record changed since the form was shown; nothing was changed."""


def pmc_members():
    """Every active member of the PMC, the people who vote and receive the result (§9)."""
    return get_user_model().objects.filter(groups__name=Role.PMC_MEMBER.value, is_active=True).order_by("email")


def is_pmc_member(user):
    return bool(user and user.is_active and user.groups.filter(name=Role.PMC_MEMBER.value).exists())


def _locked(motion):
    return Motion.objects.select_for_update().get(pk=motion.pk)


def _when(value):
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _state_refusal(motion):
    """Why a motion in its current state no longer accepts what was asked."""
    if motion.status == Motion.Status.DRAFT:
        return _("This motion is not open for votes yet.")
    if motion.status == Motion.Status.OPEN:
        return _("This motion is still open for votes.")
    return _("This motion was closed by %(name)s at %(when)s; the result is final and nothing more can change.") % {
        "name": motion.closed_by or _("the Secretariat"),
        "when": _when(motion.closed_at),
    }


@transaction.atomic
def motion_create(
    *,
    kind,
    organisation,
    question_en,
    question_zh="",
    recommendation_en="",
    recommendation_zh="",
    subject=None,
    actor=None,
    papers=(),
):
    """Report a question to the PMC as a draft motion (§4.1.5, §3.3.4, §6.1.4, §6.3).

    `subject` is what the motion is about (an application, a case); without one it is the provider.
    `papers` are dicts of Paper fields (title_en, title_zh, link, document).
    """
    motion = Motion(
        kind=Motion.Kind(kind),
        organisation=organisation,
        question_en=question_en,
        question_zh=question_zh,
        recommendation_en=recommendation_en,
        recommendation_zh=recommendation_zh,
        created_by=actor,
    )
    motion.subject = subject if subject is not None else organisation
    motion.full_clean(exclude=["status"])
    motion._history_user = actor
    motion.save()
    Paper.objects.bulk_create([Paper(motion=motion, order=i, **paper) for i, paper in enumerate(papers)])
    return motion


@transaction.atomic
def motion_draft_save(*, motion, actor):
    """Save the Secretariat's edits to a draft. Once a motion is open its question cannot change."""
    if motion.pk:
        current = _locked(motion)
        if current.status != Motion.Status.DRAFT:
            raise CommitteeError(_("Only a draft motion can be edited. %(why)s") % {"why": _state_refusal(current)})
    else:
        motion.created_by = motion.created_by or actor
    if not motion.subject_type_id:
        motion.subject = motion.organisation
    motion._history_user = actor
    motion.save()
    return motion


@transaction.atomic
def motion_open(*, motion, actor):
    """Put the motion to the members and tell each of them it awaits their vote."""
    motion = _locked(motion)
    if motion.status != Motion.Status.DRAFT:
        raise CommitteeError(
            _("This motion was already opened by %(name)s at %(when)s.")
            % {"name": motion.opened_by or _("the Secretariat"), "when": _when(motion.opened_at)}
        )
    motion.open(by=actor, description=_("Opened for votes"))
    motion.opened_at = timezone.now()
    motion.opened_by = actor
    motion._history_user = actor
    motion.save()
    notices_bulk_queue(
        [
            build_notice(
                recipient=member,
                template_key="motion_opened",
                context={"motion": motion},
                related=motion,
                idempotency_key=f"motion:{motion.pk}:opened:user{member.pk}",
            )
            for member in pmc_members()
        ]
    )
    return motion


@transaction.atomic
def vote_cast(*, motion, member, choice, actor=None, expected=_UNSET):
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
        vote._change_reason = "cast"
    else:
        vote.choice = choice
        vote.changed_at = now
        vote._change_reason = f"changed from {on_record}"
    vote.recorded_by = actor if actor.pk != member.pk else None
    vote._history_user = actor  # the audit names who entered it (simple-history)
    vote.save()
    return vote, True


def _counts(motion):
    rows = dict(Vote.objects.filter(motion=motion).values_list("choice").annotate(n=Count("id")).order_by())
    return rows.get(Vote.Choice.FOR, 0), rows.get(Vote.Choice.AGAINST, 0), rows.get(Vote.Choice.ABSTAIN, 0)


@transaction.atomic
def motion_close(*, motion, actor):
    """§9: count the votes, decide by simple majority, freeze the result.

    Short of the quorum (PMC_QUORUM), the motion stays open with a clear message. Closing starts the
    10-working-day clock for carrying out the decision (§6.1.4), owned by the Programme Management Team,
    and sends every member and the provider the result.
    """
    motion = _locked(motion)
    if motion.status != Motion.Status.OPEN:
        raise CommitteeError(_("The motion was not closed. %(why)s") % {"why": _state_refusal(motion)})
    votes_for, votes_against, votes_abstain = _counts(motion)
    cast, quorum = votes_for + votes_against + votes_abstain, pmc_quorum()
    if cast < quorum:
        raise CommitteeError(
            _(
                "The motion cannot be closed: %(cast)d vote(s) cast, and the quorum is %(quorum)d. "
                "It stays open for votes."
            )
            % {"cast": cast, "quorum": quorum}
        )
    outcome = motion_outcome(votes_for=votes_for, votes_against=votes_against)
    motion.close(
        by=actor,
        description=f"{outcome}: {votes_for} for, {votes_against} against, {votes_abstain} abstaining",
    )
    motion.outcome = outcome
    motion.votes_for, motion.votes_against, motion.votes_abstain = votes_for, votes_against, votes_abstain
    motion.closed_at = timezone.now()
    motion.closed_by = actor
    motion._history_user = actor
    motion.save()
    clock = deadline_start(
        subject=motion, kind=Deadline.Kind.DECISION_CARRY_OUT, start_day=timezone.localdate(motion.closed_at)
    )
    context = {"motion": motion, "clock": clock}
    notices = [
        build_notice(
            recipient=member,
            template_key="motion_result",
            context=context,
            related=motion,
            idempotency_key=f"motion:{motion.pk}:result:user{member.pk}",
        )
        for member in pmc_members()
    ]
    notices += provider_notices(
        organisation=motion.organisation,
        template_key="motion_decided",
        context=context,
        related=motion,
        event=f"motion:{motion.pk}:decided",
    )
    notices_bulk_queue(notices)
    return motion


@transaction.atomic
def motion_carry_out(*, motion, actor):
    """§6.1.4: carry out a closed motion's decision — one press of a button.

    What carrying out means is looked up in `committee.registry` by kind and outcome; the handler does
    the work through its own app's services, which send the provider its written notice. The clock
    started at closing is met.
    """
    motion = _locked(motion)
    if motion.status == Motion.Status.CARRIED_OUT:
        raise CommitteeError(
            _("This decision was already carried out by %(name)s at %(when)s.")
            % {"name": motion.carried_out_by or _("the Secretariat"), "when": _when(motion.carried_out_at)}
        )
    if motion.status != Motion.Status.CLOSED:
        raise CommitteeError(_("Only a closed motion can be carried out. %(why)s") % {"why": _state_refusal(motion)})
    entry = registry.handler_for(kind=motion.kind, outcome=motion.outcome)
    if entry is None:
        raise CommitteeError(
            _(
                "Nothing is set up yet to carry out a decision of this kind (%(kind)s — %(outcome)s): the part "
                "of the portal that handles it is not installed. Nothing was changed."
            )
            % {"kind": motion.get_kind_display(), "outcome": motion.get_outcome_display()}
        )
    try:
        note = entry.handler(motion=motion, actor=actor)
    except RegisterError as exc:
        raise CommitteeError(str(exc)) from exc
    now = timezone.now()
    motion.carry_out(by=actor, description=str(note or ""))
    motion.carried_out_at = now
    motion.carried_out_by = actor
    motion.carry_out_note = str(note or "")
    motion._history_user = actor
    motion.save()
    deadline_meet(subject=motion, kind=Deadline.Kind.DECISION_CARRY_OUT, at=now)
    return motion
