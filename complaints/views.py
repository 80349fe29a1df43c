"""The factory's and the provider's pages of a case (§6.1), and the case report the Secretariat and the PMC
read (issue 9 §1, §3).

Thin: a selector finds the case and the side the user reads it from — anyone but its factory, its provider
(once told) answers 404, the Secretariat included (staff work on cases in the back office) —, GET shows, POST
calls one service; a service's refusal is shown on the form, never as an error page.

Decision: /complaints/ and /complaints/new/ are for the users of a factory or of a provider. Anyone else who
is logged in (an applicant, a PMC member, the Secretariat) gets a polite page, answered 403, that says what
the pages are for and where to go instead; nothing of any case shows on it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from committee.models import Motion

from . import selectors, services
from .forms import AnswerForm, LodgeForm, MessageForm
from .models import Case, Message
from .permissions import is_secretariat

Status = Case.Status
FACTORY, PROVIDER = selectors.FACTORY, selectors.PROVIDER

# The state of a case in words, for each side (§6.1); a side missing from a row reads the shared words.
STATE_WORDS = {
    Status.RECORDED: {
        FACTORY: gettext_lazy(
            "Received. The Secretariat records your complaint and tells the provider of it within 2 working "
            "days (§6.1.1)."
        ),
    },
    Status.PROVIDER_NOTIFIED: {
        FACTORY: gettext_lazy(
            "The provider has been told of your complaint. The Project Technical Support Team will investigate "
            "it (§6.1.1)."
        ),
        PROVIDER: gettext_lazy(
            "The Secretariat has told you of this case. The Project Technical Support Team will investigate it "
            "(§6.1.1)."
        ),
    },
    Status.UNDER_INVESTIGATION: {
        FACTORY: gettext_lazy("The Project Technical Support Team is investigating the complaint (§6.1.1)."),
        PROVIDER: gettext_lazy("The Project Technical Support Team is investigating the case (§6.1.1)."),
    },
    Status.NOT_SUBSTANTIATED: {
        FACTORY: gettext_lazy(
            "Not substantiated: the complaint is recorded, without penalty, and the case is closed (§6.1.2)."
        ),
        PROVIDER: gettext_lazy("Not substantiated: the case is recorded, without penalty, and closed (§6.1.2)."),
    },
    Status.SUBSTANTIATED: {
        FACTORY: gettext_lazy(
            "Substantiated. The provider has been sent the preliminary investigation report and asked to take "
            "corrective action (§6.1.3)."
        ),
        PROVIDER: gettext_lazy(
            "Substantiated. Read the preliminary investigation report below and answer with your corrective "
            "action (§6.1.3)."
        ),
    },
    Status.CORRECTIVE_ACTION: {
        FACTORY: gettext_lazy(
            "The provider has answered with its corrective action; the Secretariat assesses its effect (§6.1.3)."
        ),
        PROVIDER: gettext_lazy(
            "The Secretariat is assessing your corrective action (§6.1.3). You can add to it below."
        ),
    },
    Status.REPORT_CONSOLIDATED: {
        FACTORY: gettext_lazy(
            "The Secretariat has consolidated the investigation report, which goes to the Project Management "
            "Committee (§6.1.4)."
        ),
    },
    Status.WITH_PMC: {
        FACTORY: gettext_lazy("The Project Management Committee is deciding on a penalty (§6.1.4)."),
    },
    Status.DECIDED: {
        FACTORY: gettext_lazy(
            "The Project Management Committee has decided. The Secretariat carries out its decision within 10 "
            "working days (§6.1.4)."
        ),
    },
    Status.CARRIED_OUT: {
        FACTORY: gettext_lazy("The decision has been carried out and the case is closed (§6.1.4)."),
    },
}
ANSWERABLE = (Status.SUBSTANTIATED, Status.CORRECTIVE_ACTION)


def state_words(case, role):
    words = STATE_WORDS.get(case.status, {})
    return words.get(role) or words.get(FACTORY, "")


def result_words(case):
    """The result a party may know: not substantiated (§6.1.2), or the PMC's decision (§6.1.4)."""
    if case.status == Status.NOT_SUBSTANTIATED:
        return _("Not substantiated: no penalty (§6.1.2).")
    outcome = getattr(case, "decision_outcome", None)
    if case.status not in (Status.DECIDED, Status.CARRIED_OUT) or not outcome:
        return ""
    if outcome == Motion.Outcome.FAILED:
        return _("No penalty: the PMC did not support the recommendation.")
    if case.decision_kind == Motion.Kind.REMOVAL:
        return str(Case.Penalty.REMOVAL.label)
    return str(Case.Penalty.WARNING.label)


def _refused(form, exc):
    """A service's refusal on the form: it shows in the error summary."""
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


def _nothing_here(request, *, lodging=False):
    """The polite refusal of the decision above (403)."""
    context = {"lodging": lodging, "secretariat_may_view": is_secretariat(request.user)}
    return render(request, "complaints/nothing_here.html", context, status=403)


def _rows(cases):
    """Each case with its state and result in words, for the list."""
    for case in cases:
        case.state_label = case.get_status_display()
        case.result = result_words(case)
    return cases


# --- The lists ---------------------------------------------------------------------------------------


@require_GET
def case_list(request):
    """The list: "Our complaints" for a factory's users, "Cases about us" for a provider's (from notice on);
    both for a user who is both."""
    factories = selectors.factories_of(user=request.user)
    provider = selectors.acts_for_organisation(user=request.user)
    if not factories and not provider:
        return _nothing_here(request)
    context = {
        "factories": factories,
        "factory_cases": _rows(selectors.cases_for_factory(user=request.user)) if factories else None,
        "provider_cases": (_rows(selectors.cases_against_provider(user=request.user)) if provider else None),
    }
    return render(request, "complaints/list.html", context)


# --- Lodging -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def lodge(request):
    """§6.1: a factory's user lodges a written complaint about a provider of the directory."""
    factories = selectors.factories_of(user=request.user)
    if not factories:
        return _nothing_here(request, lodging=True)
    posted = request.method == "POST"
    form = LodgeForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        factories=factories,
        providers=selectors.providers_to_complain_about(),
        projects=selectors.funded_projects_of(user=request.user),
    )
    if posted and form.is_valid():
        try:
            case = services.case_lodge(
                user=request.user,
                description=form.cleaned_data["description"],
                documents=form.cleaned_data["documents"],
                **form.chosen(),
            )
        except (services.CaseError, ValidationError) as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your complaint is received. Its reference is %(ref)s: quote it when you write to the "
                    "Secretariat. The Secretariat tells the provider within 2 working days (§6.1.1)."
                )
                % {"ref": case.reference},
            )
            return redirect(case)
    return render(request, "complaints/lodge.html", {"form": form, "several_factories": len(factories) > 1})


# --- A case ------------------------------------------------------------------------------------------


def _detail_page(request, case, role, *, answer_form=None, message_form=None):
    conversation = selectors.messages_visible_to(case=case, role=role)
    can_answer = role == PROVIDER and case.status in ANSWERABLE
    report = None
    if can_answer:
        report = next((m for m in conversation if m.kind == Message.Kind.PRELIMINARY_REPORT), None)
    context = {
        "case": case,
        "role": role,
        "state_words": state_words(case, role),
        "result": result_words(case),
        "clocks": selectors.case_clocks(case=case),
        "conversation": conversation,
        "preliminary_report": report,
        "can_answer": can_answer,
        "answer_form": answer_form or (AnswerForm(prefix="answer") if can_answer else None),
        "message_form": message_form or (MessageForm(prefix="message") if not case.is_closed else None),
    }
    return render(request, "complaints/detail.html", context)


def _case(request, case_ref):
    return selectors.case_for_party(user=request.user, case_ref=case_ref)


# The case pages answer anyone who may not see the case 404 whatever the method, so that a POST where only a
# GET is meant tells an outsider no more than a GET does; a party gets 405.
READ_ONLY = ["GET", "HEAD", "POST"]


@require_http_methods(READ_ONLY)
def detail(request, case_ref):
    case, role = _case(request, case_ref)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _detail_page(request, case, role)


@require_http_methods(["GET", "POST"])
def answer(request, case_ref):
    """§6.1.3: the provider's corrective action and its evidence, in answer to the preliminary report."""
    case, role = _case(request, case_ref)
    if role != PROVIDER:
        raise Http404
    if request.method == "GET":
        return redirect(case)
    form = AnswerForm(request.POST, request.FILES, prefix="answer")
    if form.is_valid():
        try:
            services.case_provider_answer(
                case=case, user=request.user, text=form.cleaned_data["text"], documents=form.cleaned_data["documents"]
            )
        except (services.CaseError, ValidationError) as exc:
            _refused(form, exc)
        else:
            messages.success(
                request, _("Your corrective action is sent to the Secretariat, which assesses its effect (§6.1.3).")
            )
            return redirect(case)
    return _detail_page(request, case, role, answer_form=form)


@require_http_methods(["GET", "POST"])
def message(request, case_ref):
    """A message from either side to the Secretariat, while the case is open."""
    case, role = _case(request, case_ref)
    if request.method == "GET":
        return redirect(case)
    form = MessageForm(request.POST, request.FILES, prefix="message")
    if form.is_valid():
        try:
            services.case_message(
                case=case, author=request.user, text=form.cleaned_data["text"], documents=form.cleaned_data["documents"]
            )
        except (services.CaseError, ValidationError) as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Your message is sent to the Secretariat."))
            return redirect(case)
    return _detail_page(request, case, role, message_form=form)


# --- The case report -----------------------------------------------------------------------------------


@require_http_methods(READ_ONLY)
def paper(request, case_ref):
    """The case report, read-only, for the Secretariat and for the PMC members voting on it (the motion's
    paper links here): the findings, the preliminary report, the corrective actions and their assessment,
    the consolidated report and the recommended penalty with its reason (§6.1.3, §6.1.4)."""
    case = selectors.case_for_paper(user=request.user, case_ref=case_ref)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET", "HEAD"])
    parts = {kind: [] for kind in Message.Kind.values}
    for each in case.messages.all():
        parts[each.kind].append(each)
    context = {
        "case": case,
        "parts": parts,
        "result": result_words(case),
        "state_label": case.get_status_display(),
    }
    return render(request, "complaints/paper.html", context)
