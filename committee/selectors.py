"""Reads of the committee area, with who may see what (issue 4 §4).

Members see motions once they are open — their question, recommendation and papers — and nothing
beyond them; their own vote; and, once a motion is closed, its result. Staff (the Secretariat and the
Programme Director) also see who has voted and who has not voted yet. A draft is never shown here.
"""

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from . import registry
from .models import Motion, Paper, Vote
from .services import is_pmc_member, pmc_members


def can_use_committee_area(user: Any) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("committee.view_motion")


def sees_vote_roll(user: Any) -> bool:
    """Staff see who voted and who has not voted yet; members see only their own vote."""
    return user.is_staff and user.has_perm("committee.view_vote")


def can_vote(user: Any) -> bool:
    return user.has_perm("committee.add_vote") and is_pmc_member(user)


def can_close(user: Any) -> bool:
    return user.is_staff and user.has_perm("committee.change_motion")


def _visible(user: Any) -> QuerySet[Motion]:
    my_vote = Vote.objects.filter(motion=OuterRef("pk"), member=user)
    qs = Motion.objects.not_draft().annotate(
        my_choice=Subquery(my_vote.values("choice")[:1]), my_vote_at=Subquery(my_vote.values("changed_at")[:1])
    )
    if sees_vote_roll(user):
        qs = qs.annotate(votes_cast=Count("votes", distinct=True))
    return qs


def motion_open_list_visible_to(*, user: Any) -> QuerySet[Motion]:
    return _visible(user).filter(status=Motion.Status.OPEN).order_by("opened_at", "pk")


def motion_decided_list_visible_to(*, user: Any) -> QuerySet[Motion]:
    return _visible(user).filter(status__in=Motion.DECIDED).order_by("-closed_at", "-pk")


def my_votes(*, user: Any) -> QuerySet[Vote]:
    """Every vote the user cast, newest first, with its motion."""
    return (
        Vote.objects.filter(member=user, motion__status__in=[s for s in Motion.Status if s != Motion.Status.DRAFT])
        .select_related("motion", "recorded_by")
        .order_by("-changed_at", "-pk")
    )


def motion_detail_for(*, user: Any, pk: int) -> Motion:
    """The motion with its papers; 404 for a draft or a motion that does not exist."""
    return get_object_or_404(
        _visible(user).prefetch_related(Prefetch("papers", queryset=Paper.objects.order_by("order", "id"))),
        pk=pk,
    )


def vote_roll(*, motion: Motion) -> tuple[list[Vote], list[Any]]:
    """Staff only: every vote with its member, and the members who have not voted yet."""
    votes = list(motion.votes.select_related("member", "recorded_by").order_by("member__email"))
    voted = {v.member_id for v in votes}
    not_voted = [m for m in pmc_members() if m.pk not in voted]
    return votes, not_voted


def paper_for(*, user: Any, pk: int) -> Paper:
    """A paper of a motion the user may see; 404 otherwise (a draft's papers included)."""
    return get_object_or_404(Paper.objects.filter(motion__in=_visible(user).values("pk")), pk=pk)


def subject_shown(*, motion: Motion) -> registry.Shown | None:
    """How the motion's subject shows (staff only: it may link into the back office), or None."""
    subject = motion.subject
    entry = registry.entry_for(model=type(subject), kind=motion.kind) if subject is not None else None
    return entry.show(subject) if entry else None
