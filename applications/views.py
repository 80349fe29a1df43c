"""The applicant's pages of Annex A online (issue 8 §2), and the paper the Secretariat and the PMC read.

Thin: a selector finds the application (another organisation's answers 404, whatever the URL), GET shows a
form, POST calls one service; a service's refusal is shown on the form, never as an error page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.models import Category, District, Organisation, area_labels

from . import selectors, services
from .criteria import EVERY
from .forms import (
    AnswerForm,
    CategoriesForm,
    CodeOfConductForm,
    DeclarationForm,
    ListDoneForm,
    OrganisationForm,
    PrivacyForm,
    ProjectRecordForm,
    RemoveForm,
    StaffMemberForm,
    StartForm,
    SubmitForm,
    WithdrawForm,
)
from .models import Application, ExperienceField, Message, ProjectRecord

Status = Application.Status
Section = Application.Section

# The state of an application, in words the applicant reads.
STATE_WORDS = {
    Status.DRAFT: gettext_lazy("Not sent yet: you are still filling it in."),
    Status.SUBMITTED: gettext_lazy("Received: the Secretariat is processing your application."),
    Status.AWAITING_INFORMATION: gettext_lazy(
        "Waiting for your answer: the Secretariat has asked you for more information."
    ),
    Status.APPROVED: gettext_lazy("Approved: a provisional registration is granted."),
    Status.REFERRED: gettext_lazy(
        "With the Project Management Committee: the application does not meet every criterion and the "
        "Committee decides whether to accept it."
    ),
    Status.ACCEPTED: gettext_lazy(
        "Accepted by the Project Management Committee: a provisional registration is granted."
    ),
    Status.REFUSED: gettext_lazy("Not accepted by the Project Management Committee. Its decision is final."),
    Status.WITHDRAWN: gettext_lazy("Withdrawn: the application is not processed further."),
}


def _application(request, reference):
    return selectors.application_for_applicant(user=request.user, reference=reference)


def _tasks_url(application):
    return reverse("applications:tasks", kwargs={"reference": application.reference})


def _not_editable(request, application):
    """A page that changes the answers, for an application whose answers can no longer change: back to
    the task list with a word why (the service would refuse it anyway)."""
    if application.status in services.EDITABLE:
        return None
    messages.info(
        request,
        _("Application %(ref)s is %(status)s; its answers cannot be changed now.")
        % {"ref": application.reference, "status": application.get_status_display().lower()},
    )
    return redirect(_tasks_url(application))


def _posted(request):
    """The form's data: bound on a POST even when empty (an empty POST is an answer too)."""
    return request.POST if request.method == "POST" else None


def _sent(request):
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _refused(form, exc):
    """A service's refusal on the form: it shows in the error summary."""
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(exc))


def _saved(request, application, section):
    messages.success(request, _("Saved: %(section)s.") % {"section": dict(Section.choices)[section]})
    return redirect(_tasks_url(application))


# --- The dashboard and starting ------------------------------------------------------------------------


def _dashboard(request, start_form=None, status=200):
    organisations = selectors.organisations_for_start(user=request.user)
    if start_form is None and organisations:
        start_form = StartForm(organisations=organisations)
    applications = selectors.application_list_visible_to(user=request.user, organisations=organisations)
    for application in applications:
        application.state_words = STATE_WORDS.get(application.status, "")
    context = {"applications": applications, "form": start_form}
    return render(request, "applications/dashboard.html", context, status=status)


@require_GET
def dashboard(request):
    return _dashboard(request)


@require_POST
def start(request):
    """Start a new application: for an organisation the user acts for, or for a new one."""
    organisations = selectors.organisations_for_start(user=request.user)
    form = StartForm(request.POST, organisations=organisations) if organisations else None
    if form is not None and not form.is_valid():
        return _dashboard(request, form)
    try:
        application = services.application_start(user=request.user, organisation=form.chosen() if form else None)
    except services.ApplicationError as exc:
        if form is None:
            messages.error(request, str(exc))
            return redirect("applications:dashboard")
        form.add_error(None, str(exc))
        return _dashboard(request, form)
    messages.success(request, _("Application %(ref)s is started.") % {"ref": application.reference})
    return redirect(_tasks_url(application))


# --- The task list -------------------------------------------------------------------------------------


def _clock_context(application):
    clock = getattr(application, "clock", None)
    return {
        "clock": clock,
        "clock_stopped": bool(clock and clock.met_at is None and clock.stopped_on),
        "clock_running": bool(clock and clock.met_at is None and not clock.stopped_on),
    }


def tasks(request, reference):
    application = _application(request, reference)  # another organisation's: 404 whatever the method
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    task_list = selectors.application_tasks(application)
    context = {
        "application": application,
        "tasks": task_list,
        "status_labels": selectors.STATUS_LABELS,
        "all_done": all(t.status == selectors.COMPLETED for t in task_list),
        "editable": application.status in services.EDITABLE,
        "state_words": STATE_WORDS.get(application.status, ""),
        "conversation": list(application.messages.all()),
        **_clock_context(application),
    }
    return render(request, "applications/tasks.html", context)


# --- The sections ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def organisation(request, reference):
    """Annex A part 1. An existing provider's details are the register's: shown, changed only by a
    contact-change request (§5.2.1)."""
    application = _application(request, reference)
    if back := _not_editable(request, application):
        return back
    if application.is_provider:
        return render(
            request,
            "applications/organisation_provider.html",
            {"application": application, "details": _organisation_answers(application.organisation)},
        )
    current = application.organisation
    initial = {name: getattr(current, name) for name in services.ORGANISATION_FIELDS} if current else {}
    form = OrganisationForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save_organisation(application=application, user=request.user, details=form.details())
        except services.ApplicationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, application, Section.ORGANISATION)
    return render(request, "applications/organisation.html", {"application": application, "form": form})


@require_http_methods(["GET", "POST"])
def categories(request, reference):
    """§3.1.3: category 1, 2 or both; §5.2.3: an existing provider, a category it does not hold."""
    application = _application(request, reference)
    if back := _not_editable(request, application):
        return back
    held = selectors.categories_held(application=application)
    form = CategoriesForm(_posted(request), held=held, initial={"categories": application.category_list})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save_categories(application=application, user=request.user, categories=form.chosen())
        except services.ApplicationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, application, Section.CATEGORIES)
    labels = dict(Category.choices)
    context = {
        "application": application,
        "form": form,
        "held": [labels[c] for c in sorted(held)],
        "nothing_left": not form.fields["categories"].choices,
    }
    return render(request, "applications/categories.html", context)


def _list_page(request, reference, kind):
    """The staff or project-record list: add, change, remove, and "I have added all of them"."""
    application = _application(request, reference)
    if back := _not_editable(request, application):
        return back
    section = Section.STAFF if kind == "staff" else Section.PROJECTS
    form = ListDoneForm(_posted(request), initial={"done": section in application.sections_done})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_finish_list(application=application, user=request.user, section=section)
        except services.ApplicationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, application, section)
    records = application.staff.all() if kind == "staff" else application.projects.all()
    context = {"application": application, "form": form, "records": records, "kind": kind}
    return render(request, f"applications/{kind}_list.html", context)


@require_http_methods(["GET", "POST"])
def staff(request, reference):
    return _list_page(request, reference, "staff")


@require_http_methods(["GET", "POST"])
def projects(request, reference):
    return _list_page(request, reference, "projects")


@require_http_methods(["GET", "POST"])
def staff_edit(request, reference, pk=None):
    """Add a member of staff (a proof document is required) or change one."""
    application = _application(request, reference)
    member = selectors.record_of(application, "staff", pk) if pk is not None else None
    if back := _not_editable(request, application):
        return back
    form = StaffMemberForm(*_sent(request), member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_member_save(
                application=application,
                user=request.user,
                data=form.data_for_service(),
                proof=form.cleaned_data.get("proof") or None,
                member=member,
            )
        except (services.ApplicationError, ValidationError) as exc:
            _refused(form, exc)
        else:
            return redirect("applications:staff", reference=application.reference)
    return render(request, "applications/staff_form.html", {"application": application, "form": form, "member": member})


@require_http_methods(["GET", "POST"])
def project_edit(request, reference, pk=None):
    """Add a project record (a supporting document is required) or change one."""
    application = _application(request, reference)
    record = selectors.record_of(application, "projects", pk) if pk is not None else None
    if back := _not_editable(request, application):
        return back
    form = ProjectRecordForm(*_sent(request), record=record)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_record_save(
                application=application,
                user=request.user,
                data=form.data_for_service(),
                document=form.cleaned_data.get("document") or None,
                record=record,
            )
        except (services.ApplicationError, ValidationError) as exc:
            _refused(form, exc)
        else:
            return redirect("applications:projects", reference=application.reference)
    return render(
        request, "applications/project_form.html", {"application": application, "form": form, "record": record}
    )


def _remove(request, reference, pk, kind):
    application = _application(request, reference)
    record = selectors.record_of(application, kind, pk)
    if back := _not_editable(request, application):
        return back
    form = RemoveForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.record_remove(application=application, user=request.user, record=record)
        except services.ApplicationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Removed: %(name)s.") % {"name": str(record)})
            return redirect(f"applications:{kind}", reference=application.reference)
    context = {"application": application, "form": form, "record": record, "kind": kind}
    return render(request, "applications/remove.html", context)


@require_http_methods(["GET", "POST"])
def staff_remove(request, reference, pk):
    return _remove(request, reference, pk, "staff")


@require_http_methods(["GET", "POST"])
def project_remove(request, reference, pk):
    return _remove(request, reference, pk, "projects")


@require_http_methods(["GET", "POST"])
def code_of_conduct(request, reference):
    """§7.1: which code of conduct was signed, and the signed copy."""
    application = _application(request, reference)
    if back := _not_editable(request, application):
        return back
    has_file = bool(application.code_of_conduct_file)
    form = CodeOfConductForm(
        *_sent(request),
        has_file=has_file,
        initial={"kind": application.code_of_conduct_kind or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save_code_of_conduct(
                application=application,
                user=request.user,
                kind=form.cleaned_data["kind"],
                document=form.cleaned_data.get("document") or None,
            )
        except (services.ApplicationError, ValidationError) as exc:
            _refused(form, exc)
        else:
            return _saved(request, application, Section.CODE_OF_CONDUCT)
    return render(
        request, "applications/code_of_conduct.html", {"application": application, "form": form, "has_file": has_file}
    )


@require_http_methods(["GET", "POST"])
def privacy(request, reference):
    """The Personal Information Collection Statement, read and acknowledged."""
    application = _application(request, reference)
    if back := _not_editable(request, application):
        return back
    form = PrivacyForm(_posted(request), initial={"acknowledge": bool(application.privacy_acknowledged_at)})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_acknowledge_privacy(application=application, user=request.user)
        except services.ApplicationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, application, Section.PRIVACY)
    return render(request, "applications/privacy.html", {"application": application, "form": form})


@require_http_methods(["GET", "POST"])
def declaration(request, reference):
    """The declaration by an authorised signatory."""
    application = _application(request, reference)
    if back := _not_editable(request, application):
        return back
    initial = {"name": application.signatory_name, "position": application.signatory_position}
    form = DeclarationForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_declare(
                application=application,
                user=request.user,
                name=form.cleaned_data["name"],
                position=form.cleaned_data["position"],
            )
        except services.ApplicationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, application, Section.DECLARATION)
    return render(request, "applications/declaration.html", {"application": application, "form": form})


# --- Check your answers, and submit ---------------------------------------------------------------------


def _organisation_answers(organisation):
    """(label, value) of each detail of the organisation, as the applicant gave it."""
    if organisation is None:
        return []
    rows = []
    for name in services.ORGANISATION_FIELDS:
        field = Organisation._meta.get_field(name)
        value = getattr(organisation, name)
        if name == "district":
            value = dict(District.choices).get(value, "")
        elif name in ("phone", "fax"):
            value = value.as_national if value else ""
        elif name == "areas":
            value = ", ".join(str(label) for label in area_labels(value))
        rows.append((field.verbose_name, value))
    return rows


def _criteria_rows(result):
    """Each category's criteria, met or not, with the reason, in the page's language."""
    labels = dict(Category.choices)
    return [
        {
            "title": _("Every application") if r.category == EVERY else labels.get(r.category, r.category),
            "met": r.met,
            "criteria": [{"label": c.label, "met": c.met, "reason": c.reason} for c in r.criteria],
        }
        for r in result.results
    ]


def _check_page(request, application, form, status=200):
    result = services.criteria_check(application)
    context = {
        "application": application,
        "form": form,
        "organisation_answers": _organisation_answers(application.organisation),
        "is_provider": application.is_provider,
        "staff": application.staff.all(),
        "projects": application.projects.all(),
        "criteria": _criteria_rows(result),
        "criteria_met": result.met,
        "missing": [dict(Section.choices)[s] for s in services.missing_sections(application)],
        "editable": application.status in services.EDITABLE,
        "can_submit": application.is_draft,
        "experience_labels": dict(ExperienceField.choices),
    }
    return render(request, "applications/check.html", context, status=status)


@require_http_methods(["GET", "POST"])
def check_answers(request, reference):
    """Every answer with a "Change" link, the criteria per category, and the button that submits. A second
    submission (a double click, another tab) is refused by the service and told as a message."""
    application = _application(request, reference)
    form = SubmitForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(application=application, user=request.user)
        except services.ApplicationError as exc:
            application = _application(request, reference)
            if not application.is_draft:  # submitted meanwhile: nothing was sent again
                messages.warning(request, str(exc))
                return redirect(_tasks_url(application))
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("Application %(ref)s is submitted. We have sent you a confirmation by email.")
                % {"ref": application.reference},
            )
            return redirect(_tasks_url(application))
    return _check_page(request, application, form)


# --- After submission: answer the Secretariat, withdraw ------------------------------------------------


@require_http_methods(["GET", "POST"])
def answer(request, reference):
    """§4.1.3: the applicant's answer to the Secretariat's request, with documents; the clock starts again."""
    application = _application(request, reference)
    if application.status != Status.AWAITING_INFORMATION:
        messages.info(
            request,
            _("Application %(ref)s is not waiting for an answer (it is %(status)s).")
            % {"ref": application.reference, "status": application.get_status_display().lower()},
        )
        return redirect(_tasks_url(application))
    form = AnswerForm(*_sent(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_answer(
                application=application,
                user=request.user,
                text=form.cleaned_data["text"],
                documents=form.cleaned_data["documents"],
            )
        except (services.ApplicationError, ValidationError) as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("Your answer is sent. The 10 working days count again from today (§4.1.3)."),
            )
            return redirect(_tasks_url(application))
    requests = [m for m in application.messages.all() if m.kind == Message.Kind.REQUEST]
    return render(request, "applications/answer.html", {"application": application, "form": form, "requests": requests})


@require_http_methods(["GET", "POST"])
def withdraw(request, reference):
    """The applicant withdraws the application before a decision."""
    application = _application(request, reference)
    if not application.can_withdraw:
        messages.info(
            request,
            _("Application %(ref)s is %(status)s; it can no longer be withdrawn.")
            % {"ref": application.reference, "status": application.get_status_display().lower()},
        )
        return redirect(_tasks_url(application))
    form = WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ApplicationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Application %(ref)s is withdrawn.") % {"ref": application.reference})
            return redirect(_tasks_url(application))
    return render(request, "applications/withdraw.html", {"application": application, "form": form})


# --- The paper ------------------------------------------------------------------------------------------


def _document(name):
    """A stored document's link (served only to those entitled by /documents/<name>) and its file name."""
    if not name:
        return None
    return {"url": default_storage.url(name), "name": name.rsplit("/", 1)[-1]}


def _paper_answers(snapshot):
    """The answers as submitted, with labels for the codes and a link for each document."""
    kinds = dict(ProjectRecord.Kind.choices)
    experience = dict(ExperienceField.choices)
    codes = dict(Application.CodeOfConduct.choices)
    categories = dict(Category.choices)
    staff = [
        {
            **s,
            "years": s.get("months", 0) // 12,
            "extra_months": s.get("months", 0) % 12,
            "fields": ", ".join(str(experience.get(f, f)) for f in s.get("fields", [])),
            "proof": _document(s.get("proof")),
        }
        for s in snapshot.get("staff", [])
    ]
    project_rows = [
        {
            **p,
            "kind": kinds.get(p.get("kind"), p.get("kind")),
            "areas": ", ".join(str(label) for label in area_labels(p.get("areas"))),
            "document": _document(p.get("document")),
        }
        for p in snapshot.get("projects", [])
    ]
    conduct = snapshot.get("code_of_conduct", {})
    return {
        "organisation": snapshot.get("organisation", {}),
        "categories": [categories[c] for c in snapshot.get("categories", "") if c in categories],
        "staff": staff,
        "projects": project_rows,
        "code_of_conduct": {"kind": codes.get(conduct.get("kind"), ""), "file": _document(conduct.get("file"))},
        "signatory": snapshot.get("signatory", {}),
    }


def paper(request, reference):
    """The application as submitted, read-only, for the Secretariat and for the PMC members voting on it
    (the motion's paper links here), with its documents."""
    application = selectors.application_for_paper(user=request.user, reference=reference)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    result = services.decision_check(application) if application.submitted_at else None
    context = {
        "application": application,
        "answers": _paper_answers(application.submitted_answers or {}),
        "criteria": _criteria_rows(result) if result else [],
        "criteria_as_of": result.as_of if result else None,
        "state_words": STATE_WORDS.get(application.status, ""),
        "conversation": list(application.messages.all()),
        "override_categories": [
            dict(Category.choices)[c] for c in application.override_categories if c in dict(Category.choices)
        ],
        **_clock_context(application),
    }
    return render(request, "applications/paper.html", context)
