"""The committee area (issue 4 §4): thin views over the selectors and services."""

import os
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import VoteForm
from .models import Vote


def committee_area(view):
    """Members of the PMC and staff who may view motions; anyone else is refused (deny by default)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.can_use_committee_area(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@committee_area
def motion_list(request):
    user = request.user
    decided = Paginator(selectors.motion_decided_list_visible_to(user=user), 25).get_page(request.GET.get("page"))
    context = {
        "open_motions": list(selectors.motion_open_list_visible_to(user=user)),
        "decided": decided,
        "sees_roll": selectors.sees_vote_roll(user),
        "can_vote": selectors.can_vote(user),
    }
    if context["sees_roll"]:
        context["member_count"] = services.pmc_members().count()
    return render(request, "committee/motion_list.html", context)


@committee_area
def motion_detail(request, pk):
    user = request.user
    motion = selectors.motion_detail_for(user=user, pk=pk)
    context = {
        "motion": motion,
        "papers": list(motion.papers.all()),
        "can_vote": selectors.can_vote(user) and motion.is_open,
        "can_close": selectors.can_close(user),
        "sees_roll": selectors.sees_vote_roll(user),
        "choices": Vote.Choice.choices,
    }
    if context["sees_roll"]:
        context["votes"], context["not_voted"] = selectors.vote_roll(motion=motion)
        context["shown"] = selectors.subject_shown(motion=motion)
    return render(request, "committee/motion_detail.html", context)


@committee_area
@require_http_methods(["GET", "POST"])
def motion_vote(request, pk):
    """A member's vote, in two steps (issue 10 §3): the motion page's buttons ask for this page with GET —
    "You are voting for motion PMC-0003" — and its one button sends the vote with POST, which records it.

    Decision: a confirmation step rather than one-click voting with an undo. It needs no script and no
    service to take a vote back (a member who had not voted could not "undo" to nothing), and a stray tap
    records nothing. A vote can still be changed until the motion closes, through the same two steps; the
    pages say so. The POST carries the vote the page showed (`expected`), so that a vote changed meanwhile
    in another tab is not overwritten. A choice that is not for, against or abstain, or a motion no longer
    open, sends the member back to the motion with the reason.
    """
    motion = selectors.motion_detail_for(user=request.user, pk=pk)
    if not selectors.can_vote(request.user):
        raise PermissionDenied
    if request.method == "GET":
        return _vote_confirm(request, motion)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose for, against or abstain."))
        return redirect(motion)
    try:
        vote, changed = services.vote_cast(
            motion=motion,
            member=request.user,
            choice=form.cleaned_data["choice"],
            expected=form.cleaned_data["expected"],
        )
    except services.StaleVote as exc:
        messages.warning(request, str(exc))
    except services.CommitteeError as exc:
        messages.error(request, str(exc))
    else:
        if changed:
            messages.success(request, _("Your vote is recorded: %(choice)s.") % {"choice": vote.get_choice_display()})
        else:
            messages.info(
                request, _("Your vote was already recorded as %(choice)s.") % {"choice": vote.get_choice_display()}
            )
    return redirect(motion)


def _vote_confirm(request, motion):
    """The confirmation page: changes nothing."""
    form = VoteForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose for, against or abstain."))
        return redirect(motion)
    if not motion.is_open:
        messages.error(
            request,
            _("Voting on this motion has ended: it is %(status)s.") % {"status": motion.get_status_display().lower()},
        )
        return redirect(motion)
    choice = Vote.Choice(form.cleaned_data["choice"])
    context = {
        "motion": motion,
        "choice": choice,
        "expected": form.cleaned_data["expected"] or "",
        "replaces": Vote.Choice(motion.my_choice).label if motion.my_choice and motion.my_choice != choice else "",
    }
    return render(request, "committee/vote_confirm.html", context)


def _secretariat_action(request, pk, service, success):
    """Close or carry out: staff only, through the service; a refusal is a message, never a 500."""
    motion = selectors.motion_detail_for(user=request.user, pk=pk)
    if not selectors.can_close(request.user):
        raise PermissionDenied
    try:
        motion = service(motion=motion, actor=request.user)
    except services.CommitteeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success(motion))
    return redirect(motion)


@committee_area
@require_POST
def motion_close(request, pk):
    return _secretariat_action(request, pk, services.motion_close, result_message)


@committee_area
@require_POST
def motion_carry_out(request, pk):
    return _secretariat_action(
        request,
        pk,
        services.motion_carry_out,
        lambda motion: _("Decision carried out: %(note)s") % {"note": motion.carry_out_note},
    )


@committee_area
def my_votes(request):
    return render(request, "committee/my_votes.html", {"votes": list(selectors.my_votes(user=request.user))})


@committee_area
def paper_download(request, pk):
    paper = selectors.paper_for(user=request.user, pk=pk)
    if not paper.document:
        raise Http404
    return FileResponse(paper.document.open("rb"), as_attachment=True, filename=os.path.basename(paper.document.name))


def result_message(motion):
    return _("Motion closed: %(outcome)s — %(for)d for, %(against)d against, %(abstain)d abstaining.") % {
        "outcome": motion.get_outcome_display(),
        "for": motion.votes_for,
        "against": motion.votes_against,
        "abstain": motion.votes_abstain,
    }
