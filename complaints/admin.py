"""The Secretariat's back office for complaint and substandard-service cases (issue 9 §4, §6). Every change
goes through `complaints.services`.

Decisions:
- A case is never edited in the admin: what was written on it is the parties' and the Secretariat's record.
  The change page is a page to read (a POST to it is refused); there is no model add form.
- A new case has its own page: "Record a complaint received by post or email" (`services.case_record`) and
  "Raise a substandard-service case" (`services.case_raise_substandard`), linked from the list.
- Each step of a case is a button above it, shown only when the case's state allows the step and the user
  may take it (complaints.change_case: the Programme Management Team and the PTST; the Programme Director
  reads). Each opens the step's page with its form (`complaints.admin_forms`); its POST calls the service,
  which locks a fresh row and checks everything again. A refusal (another officer took the step a moment
  ago, the state moved on) is shown as a message on the same page, the input kept, and nothing changes.
- The page shows the clocks (`services.case_clocks`), the conversation with its documents and who may read
  each message, the PMC's motions on the case, the warning recorded from it, the transition log and the
  history — at a fixed number of queries, whatever the number of messages.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed
from import_export.fields import Field

from committee.models import Motion
from cpp_registry import dashboard
from cpp_registry.admin_base import (
    ExportAdminMixin,
    ExportResource,
    RegisterAdmin,
    TransitionLogInline,
    date_column,
    datetime_column,
    text_column,
)
from cpp_registry.errors import ServiceError
from cpp_registry.models import Deadline
from directory.models import Organisation, Registration, Warning

from . import admin_forms, services
from .models import Case, Message

NOTIFY = Deadline.Kind.COMPLAINT_NOTIFY
REPORT = Deadline.Kind.COMPLAINT_REPORT


def _day(value):
    return f"{value:%Y-%m-%d}" if value else "—"


def _case_type():
    return ContentType.objects.get_for_model(Case)


def _clocks(kind):
    """A case's clocks of one kind (a correlated subquery of the changelist), the latest first."""
    return Deadline.objects.filter(content_type=_case_type(), object_id=OuterRef("pk"), kind=kind).order_by(
        "-created_at", "-id"
    )


# --- read-only inlines: the conversation and the log --------------------------------------------------


class MessageInline(admin.TabularInline):
    """The conversation: the complaint, the findings and reports, the provider's answers, the messages —
    each with its documents and who may read it besides the Secretariat. Nobody edits it here."""

    model = Message
    extra = 0
    can_delete = False
    verbose_name = _("message")
    verbose_name_plural = _("conversation")
    fields = ["created_at", "kind", "author", "readers", "text", "documents"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # The case too: each row's title names it.
        return super().get_queryset(request).select_related("author", "case").prefetch_related("attachments")

    @admin.display(description=_("who may read it"))
    def readers(self, obj):
        readers = [gettext("the Secretariat")]
        if obj.to_provider:
            readers.append(gettext("the provider"))
        if obj.to_factory:
            readers.append(gettext("the factory"))
        return ", ".join(readers)

    @admin.display(description=_("documents"))
    def documents(self, obj):
        links = [(a.file.url, str(a)) for a in obj.attachments.all()]
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links) if links else "—"


class CaseStateLogInline(TransitionLogInline):
    transition_labels = {
        "notify_provider": _("Provider notified (§6.1.1)"),
        "investigate": _("Investigation started (§6.1.1)"),
        "find_not_substantiated": _("Found not substantiated (§6.1.2)"),
        "find_substantiated": _("Found substantiated (§6.1.3)"),
        "answer": _("Corrective action reported by the provider (§6.1.3)"),
        "consolidate": _("Report consolidated (§6.1.4)"),
        "send_to_pmc": _("Sent to the PMC (§6.1.4)"),
        "propose_removal": _("Removal proposed to the PMC (§6.3.1)"),
        "decide": _("Decided by the PMC (§6.1.4)"),
        "carry_out": _("Decision carried out (§6.1.4)"),
    }


# --- changelist filters ------------------------------------------------------------------------------


class ProviderFilter(admin.SimpleListFilter):
    """The cases about one provider (`?organisation__id__exact=<id>`, as links to them carry it). Only the
    provider chosen is offered: Django's list of every provider with a case was 10,000 links and most of
    the page's second at 20,000 cases (issue 11 §4); a provider is found by the search box, which reads
    its names and BR number."""

    title = _("provider")
    parameter_name = "organisation__id__exact"

    def lookups(self, request, model_admin):
        chosen = self.value()
        if not (chosen and chosen.isdigit()):
            return []
        organisation = Organisation.objects.filter(pk=int(chosen)).only("name_en", "name_zh").first()
        return [(chosen, str(organisation))] if organisation else []

    def queryset(self, request, queryset):
        chosen = self.value()
        if chosen and chosen.isdigit():
            return queryset.filter(organisation_id=int(chosen))
        if chosen:
            return queryset.none()
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """The case's clocks past their due day and still running (as cpp_registry.admin.DeadlineStatusFilter
    counts "overdue"): the 2-working-day notice to the provider (§6.1.1), the one-month consolidated report
    (§6.1.4), or either."""

    title = _("overdue clock")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [
            ("notify", _("Notice to the provider (2 working days)")),
            ("report", _("Consolidated report (one month)")),
            ("any", _("Either")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()

        def overdue(kind):
            return Exists(_clocks(kind).filter(met_at__isnull=True, stopped_on__isnull=True, due_day__lt=today))

        match self.value():
            case "notify":
                return queryset.filter(overdue(NOTIFY))
            case "report":
                return queryset.filter(overdue(REPORT))
            case "any":
                return queryset.filter(Q(overdue(NOTIFY)) | Q(overdue(REPORT)))
        return queryset


# --- the export and the dashboard (cpp_registry.dashboard) --------------------------------------------------


class CaseResource(ExportResource):
    """Cases as officers report on them: reference, kind, the parties, the state in words, the dates."""

    reference = text_column("reference", _("reference"))
    kind = text_column("get_kind_display", _("kind"))
    source = text_column("get_source_display", _("received"))
    organisation_en = text_column("organisation__name_en", _("provider (English)"))
    organisation_zh = text_column("organisation__name_zh", _("provider (Chinese)"))
    br_number = text_column("organisation__br_number", _("BR number"))
    factory = text_column("factory__name_en", _("factory"))
    funded_project = text_column("funded_project__reference", _("funded project"))
    received_on = date_column("received_on", _("received on"))
    status = text_column("get_status_display", _("status"))
    notify_by = date_column("notify_due", _("notify by"))
    notified_at = datetime_column("notified_at", _("provider notified at"))
    substantiated = Field(column_name=_("substantiated"))
    report_due = date_column("report_due", _("report due"))
    recommended_penalty = text_column("get_recommended_penalty_display", _("recommended penalty"))

    class Meta:
        model = Case
        fields = ["reference", "kind", "source", "organisation_en", "organisation_zh", "br_number", "factory",
                  "funded_project", "received_on", "status", "notify_by", "notified_at", "substantiated",
                  "report_due", "recommended_penalty"]  # fmt: skip

    def dehydrate_substantiated(self, case):
        if case.substantiated is None:
            return ""
        return gettext("Yes") if case.substantiated else gettext("No")


def register_back_office():
    """What the Secretariat's home page shows of cases: complaints to notify, cases awaiting findings,
    consolidation and the PMC, each with its clock (called by ComplaintsConfig.ready)."""

    def cases(*statuses, since, clock=None):
        def items():
            queryset = Case.objects.filter(status__in=statuses).annotate(queue_since=since)
            if clock is not None:
                running = _clocks(clock).filter(met_at__isnull=True)
                queryset = queryset.annotate(queue_due=Subquery(running.values("due_day")[:1]))
            return queryset

        return items

    def status_filter(*statuses):
        return f"status__exact={statuses[0]}" if len(statuses) == 1 else f"status__in={','.join(statuses)}"

    S = Case.Status
    queues = [
        ("to_notify", _("Complaints to notify to the provider (§6.1.1)"), (S.RECORDED,), F("received_on"), NOTIFY),
        (
            "awaiting_findings",
            _("Cases awaiting findings (§6.1.1–§6.1.3)"),
            (S.PROVIDER_NOTIFIED, S.UNDER_INVESTIGATION),
            F("notified_at"),
            REPORT,
        ),
        (
            "awaiting_consolidation",
            _("Cases awaiting the consolidated report (§6.1.4)"),
            (S.SUBSTANTIATED, S.CORRECTIVE_ACTION),
            F("found_at"),
            REPORT,
        ),
        ("to_send", _("Reports to send to the PMC (§6.1.4)"), (S.REPORT_CONSOLIDATED,), F("consolidated_at"), None),
    ]
    for order, (key, label, statuses, since, clock) in enumerate(queues, start=30):
        dashboard.register_queue(
            key=f"complaints.{key}",
            label=label,
            model=Case,
            items=cases(*statuses, since=since, clock=clock),
            filters=status_filter(*statuses),
            order=order,
        )
    dashboard.register_notice_kinds(
        {
            "case_received": _("Complaint received"),
            "case_recorded": _("Case recorded: tell the provider"),
            "case_notified": _("Complaint notified to the provider"),
            "case_preliminary_report": _("Case: preliminary investigation report"),
            "case_substantiated": _("Case substantiated"),
            "case_not_substantiated": _("Case not substantiated"),
            "case_corrective_action": _("Case: corrective action reported"),
            "case_assessed": _("Case: corrective action assessed"),
            "case_message": _("Case: a message from the Secretariat"),
            "case_message_received": _("Case: a new message"),
            "case_result": _("Case: the result"),
            "penalty_not_imposed": _("No penalty: the PMC's decision"),
        }
    )


# --- the steps ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    label: Any
    form: type
    intro: Any = ""


STEPS = {
    step.name: step
    for step in [
        Step(
            "notify",
            _("Notify the provider"),
            admin_forms.NotifyForm,
            _("§6.1.1: the provider is told of the case in writing, within 2 working days of its recording."),
        ),
        Step(
            "investigate",
            _("Start the investigation"),
            admin_forms.ConfirmForm,
            _("§6.1.1: the PTST investigates the case."),
        ),
        Step(
            "findings",
            _("Record the findings"),
            admin_forms.FindingsForm,
            _(
                "Not substantiated: recorded without penalty, both sides told, the case closed (§6.1.2). "
                "Substantiated: the preliminary report goes to the provider for its corrective action (§6.1.3)."
            ),
        ),
        Step(
            "assess",
            _("Assess the corrective action"),
            admin_forms.AssessForm,
            _("§6.1.3: the Secretariat assesses the effect of the provider's corrective action and tells it."),
        ),
        Step(
            "message",
            _("Write to the provider or the factory"),
            admin_forms.MessageForm,
            _("The message is kept on the case; whoever may read it is told by email."),
        ),
        Step(
            "consolidate",
            _("Consolidate the report"),
            admin_forms.ConsolidateForm,
            _(
                "§6.1.4: when the corrective action is done, and at the latest one calendar month after the "
                "provider was notified, the report is consolidated with the recommended penalty."
            ),
        ),
        Step(
            "send_to_pmc",
            _("Send to the PMC"),
            admin_forms.ConfirmForm,
            _(
                "§6.1.4: the consolidated report and its recommended penalty go to the PMC as a motion (a draft: "
                "the Programme Management Team opens it for votes)."
            ),
        ),
        Step(
            "propose_removal",
            _("Propose removal"),
            admin_forms.ProposeRemovalForm,
            _("§6.3.1: staff propose the provider's removal to the PMC directly, on the grounds ticked."),
        ),
        Step(
            "cancel_registration",
            _("Cancel the provisional registration as substandard"),
            admin_forms.CancelRegistrationForm,
            _(
                "§3.3.4: the provider's provisional registration in the category of its role in the case's "
                "funded project is cancelled as substandard; a new application from it then goes to the PMC."
            ),
        ),
    ]
}


def _transition_possible(case, name):
    return can_proceed(getattr(case, name))


# A step's button is shown when the case's state allows it (the service checks again on a locked row).
STEP_ALLOWED = {
    "notify": lambda case: _transition_possible(case, "notify_provider"),
    "investigate": lambda case: _transition_possible(case, "investigate"),
    "findings": lambda case: _transition_possible(case, "find_substantiated"),
    "assess": lambda case: case.status in (Case.Status.SUBSTANTIATED, Case.Status.CORRECTIVE_ACTION),
    "message": lambda case: True,
    "consolidate": lambda case: _transition_possible(case, "consolidate"),
    "send_to_pmc": lambda case: _transition_possible(case, "send_to_pmc"),
    "propose_removal": lambda case: _transition_possible(case, "propose_removal"),
    "cancel_registration": lambda case: _provisional_registration_to_cancel(case),
}


def _provisional_registration_to_cancel(case):
    """§3.3.4: a substantiated case on a funded project whose provider still holds a provisional
    registration in the category of its role in the project."""
    if case.substantiated is not True or case.funded_project_id is None:
        return False
    return Registration.objects.filter(
        organisation_id=case.organisation_id,
        category=case.funded_project.role_category,
        status=Registration.Status.PROVISIONAL,
    ).exists()


# --- the admin ---------------------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(ExportAdminMixin, RegisterAdmin):
    """Cases: read the record, its clocks and its conversation; record or raise a case; take each step
    through its service (module docstring)."""

    change_form_template = "admin/complaints/case/change_form.html"
    change_list_template = "admin/complaints/case/change_list.html"
    list_display = ["reference", "kind", "organisation", "factory", "received_on", "status", "notify_by", "report_due"]
    list_filter = ["status", "kind", OverdueFilter, ProviderFilter]
    list_select_related = ["organisation", "factory"]
    resource_classes = [CaseResource]
    search_fields = [
        "reference",
        "organisation__name_en",
        "organisation__name_zh",
        "organisation__search_text",
        "organisation__br_number",
    ]
    inlines = [MessageInline, CaseStateLogInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference", "kind", "source", "status", "organisation", "organisation_br_number", "factory",
                    "funded_project", "lodged_by", "received_on", "created_at",
                ]
            },
        ),
        (_("The complaint"), {"fields": ["description", "grounds_display"]}),
        (
            _("Investigation (§6.1.1–§6.1.3)"),
            {
                "fields": [
                    "notified_at", "substantiated", "findings", "found_at", "preliminary_report",
                    "corrective_action_assessment", "corrective_action_complete",
                ]
            },
        ),
        (
            _("Consolidated report and penalty (§6.1.4, §6.3.1)"),
            {
                "fields": [
                    "report", "proposed_penalty", "recommended_penalty", "recommendation_reason", "removal_grounds",
                    "consolidated_at", "outcome_note",
                ]
            },
        ),
    ]  # fmt: skip
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    # --- permissions: the record is read; steps for those who may change cases ------------------------------

    def has_add_permission(self, request):
        return False  # a new case has its own pages (module docstring)

    def has_change_permission(self, request, obj=None):
        # The record itself is never edited (its change page is for reading); the list still offers it.
        return obj is None and super().has_change_permission(request)

    def may_act(self, request):
        """The Secretariat's steps: complaints.change_case (the Programme Management Team, the PTST)."""
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_perm("complaints.change_case"))

    # --- queries -----------------------------------------------------------------------------------------

    def get_queryset(self, request):
        notify, report = _clocks(NOTIFY), _clocks(REPORT)
        return (
            super()
            .get_queryset(request)
            .select_related("organisation", "factory", "funded_project", "lodged_by")
            .annotate(
                notify_due=Subquery(notify.values("due_day")[:1]),
                notify_met=Subquery(notify.values("met_at")[:1]),
                report_due=Subquery(report.values("due_day")[:1]),
                report_met=Subquery(report.values("met_at")[:1]),
            )
        )

    # --- columns and fields --------------------------------------------------------------------------------

    @staticmethod
    def _due(due, met):
        if due is None:
            return "—"
        if met is not None:
            return gettext("%(day)s (met)") % {"day": _day(due)}
        if due < timezone.localdate():
            return gettext("%(day)s (overdue)") % {"day": _day(due)}
        return _day(due)

    @admin.display(description=_("notify by"), ordering="notify_due")
    def notify_by(self, obj):
        return self._due(getattr(obj, "notify_due", None), getattr(obj, "notify_met", None))

    @admin.display(description=_("report due"), ordering="report_due")
    def report_due(self, obj):
        return self._due(getattr(obj, "report_due", None), getattr(obj, "report_met", None))

    @admin.display(description=_("BR number"))
    def organisation_br_number(self, obj):
        return obj.organisation.br_number

    @admin.display(description=_("grounds (§6.2.1)"))
    def grounds_display(self, obj):
        grounds = obj.get_grounds_display()
        return format_html_join(mark_safe("<br>"), "{}", ((g,) for g in grounds)) if grounds else "—"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "case_may_act": self.may_act(request)})

    # --- the change page: read-only, with the steps as buttons and the panels below -----------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                case_steps=self.steps_for(request, obj),
                case_clocks=self.clocks_for(obj),
                case_motions=self.motions_for(request, obj),
                case_warnings=self.warnings_for(request, obj),
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def steps_for(self, request, obj):
        """(url, label) of each step the case's state allows, for those who may take it."""
        if not self.may_act(request):
            return []
        return [
            (reverse(f"admin:complaints_case_{name}", args=[obj.pk]), step.label)
            for name, step in STEPS.items()
            if STEP_ALLOWED[name](obj)
        ]

    @staticmethod
    def clocks_for(obj):
        """Each clock: what it is, its due day, and where it stands (services.case_clocks)."""
        today = timezone.localdate()
        rows = []
        labels = {"notify": _("Notify the provider by (§6.1.1)"), "report": _("Consolidated report due (§6.1.4)")}
        for key, clock in services.case_clocks(obj).items():
            if clock is None:
                rows.append({"label": labels[key], "due": None, "state": gettext("not started")})
                continue
            if clock.met_at is not None:
                how = gettext("met on time") if clock.met_on_time else gettext("met late")
                state = f"{how}, {timezone.localtime(clock.met_at):%Y-%m-%d %H:%M}"
            elif clock.stopped_on is not None:
                state = gettext("stopped on %(day)s") % {"day": _day(clock.stopped_on)}
            elif clock.due_day < today:
                state = gettext("overdue")
            else:
                state = gettext("running")
            rows.append(
                {
                    "label": labels[key],
                    "due": _day(clock.due_day),
                    "start": _day(clock.start_day),
                    "state": state,
                    "url": reverse("admin:core_deadline_change", args=[clock.pk]),
                }
            )
        return rows

    @staticmethod
    def motions_for(request, obj):
        motions = Motion.objects.filter(subject_type=_case_type(), subject_id=obj.pk).order_by("pk")
        may_view = request.user.has_perm("committee.view_motion")
        return [
            {
                "reference": motion.reference,
                "kind": motion.get_kind_display(),
                "status": motion.get_status_display(),
                "outcome": motion.get_outcome_display() if motion.outcome else "",
                "url": reverse("admin:committee_motion_change", args=[motion.pk]) if may_view else "",
            }
            for motion in motions
        ]

    @staticmethod
    def warnings_for(request, obj):
        warnings = Warning.objects.filter(case_type=_case_type(), case_id=obj.pk).order_by("pk")
        may_view = request.user.has_perm("directory.view_warning")
        return [
            {
                "issued_on": _day(warning.issued_on),
                "text": warning.text,
                "url": reverse("admin:directory_warning_change", args=[warning.pk]) if may_view else "",
            }
            for warning in warnings
        ]

    def save_model(self, request, obj, form, change):
        """Never reached: the change page is for reading (has_change_permission)."""

    def save_related(self, request, form, formsets, change):
        """Nothing related is saved by the admin."""

    # --- the pages: a new case, and each step ---------------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        steps = [
            path(
                f"<path:object_id>/{name.replace('_', '-')}/",
                wrap(self.step_view),
                {"step_name": name},
                name=f"complaints_case_{name}",
            )
            for name in STEPS
        ]
        return [
            path("record/", wrap(self.record_view), name="complaints_case_record"),
            path("raise/", wrap(self.raise_view), name="complaints_case_raise"),
            *steps,
            *super().get_urls(),
        ]

    def _change_url(self, obj):
        return reverse("admin:complaints_case_change", args=[obj.pk])

    def _render(self, request, *, form, title, intro, obj=None, extra=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "form": form,
            "media": self.media + form.media,
            "title": title,
            "intro": intro,
            "change_url": self._change_url(obj) if obj is not None else "",
            "changelist_url": reverse("admin:complaints_case_changelist"),
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/complaints/case/step.html", context)

    def _new_case(self, request, form_class, create, title, intro):
        if not self.may_act(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = form_class(request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            try:
                case = create(form.cleaned_data)
            except ServiceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("%(ref)s recorded; the 2-working-day clock to tell the provider is running.")
                    % {"ref": case.reference},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(case))
        return self._render(request, form=form, title=title, intro=intro)

    def record_view(self, request):
        """§6.1: a complaint received by post or email (services.case_record)."""

        def create(data):
            return services.case_record(
                actor=request.user,
                factory=data["factory"],
                organisation=data["organisation"],
                funded_project=data.get("funded_project"),
                received_on=data["received_on"],
                source=data["source"],
                description=data["description"],
                documents=data.get("documents") or [],
            )

        return self._new_case(
            request,
            admin_forms.RecordComplaintForm,
            create,
            gettext("Record a complaint received by post or email"),
            gettext(
                "§6.1: a factory's written complaint about a provider. The provider is told within 2 working "
                "days of the day it was received (§6.1.1); it hears nothing before that."
            ),
        )

    def raise_view(self, request):
        """§6.2: a substandard-service case on a funded project (services.case_raise_substandard)."""

        def create(data):
            return services.case_raise_substandard(
                actor=request.user,
                funded_project=data["funded_project"],
                grounds=data["grounds"],
                description=data["description"],
                documents=data.get("documents") or [],
            )

        return self._new_case(
            request,
            admin_forms.RaiseSubstandardForm,
            create,
            gettext("Raise a substandard-service case"),
            gettext(
                "§6.2: the service on a funded project fell short on one or more grounds of §6.2.1; the case is "
                "followed up as a substantiated complaint would be (§6.2.2), against the project's provider."
            ),
        )

    def step_view(self, request, object_id, step_name):
        """A step's page: its form, then its service. Only those who may change cases open it (403 otherwise,
        nothing changes); a step the case's state does not allow sends the officer back to the case."""
        step = STEPS.get(step_name)
        obj = self.get_object(request, unquote(object_id))  # None for a malformed or unknown id
        if step is None or obj is None or not self.has_view_permission(request, obj):
            raise Http404
        if not self.may_act(request):
            raise PermissionDenied
        posted = request.method == "POST"
        if not posted and not STEP_ALLOWED[step_name](obj):
            self.message_user(
                request,
                gettext("%(ref)s is %(status)s; “%(step)s” is not possible now.")
                % {"ref": obj.reference, "status": obj.get_status_display().lower(), "step": step.label},
                messages.WARNING,
            )
            return HttpResponseRedirect(self._change_url(obj))
        kwargs: dict[str, Any] = {"case": obj}
        extra: dict[str, Any] = {}
        if step_name == "consolidate":
            kwargs["proposed"] = services.proposed_penalty(obj)
        if step_name == "send_to_pmc":
            extra["summary"] = [
                (gettext("Consolidated report"), obj.report or "—"),
                (gettext("Recommended penalty"), obj.get_recommended_penalty_display() or "—"),
                (gettext("Why it differs from the record's proposal"), obj.recommendation_reason or "—"),
            ]
        form = step.form(request.POST if posted else None, request.FILES if posted else None, **kwargs)
        if posted and form.is_valid():
            try:
                done = getattr(self, f"step_{step_name}")(request, obj, form.cleaned_data)
            except ServiceError as exc:
                self.message_user(request, f"{obj.reference}: {exc}", messages.ERROR)
            else:
                self.message_user(request, format_html("{}: {}", obj.reference, done), messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(obj))
        return self._render(
            request,
            form=form,
            title=f"{step.label}: {obj.reference}",
            intro=step.intro,
            obj=obj,
            extra={"step_label": step.label, **extra},
        )

    # Each step runs its service and says what was done; a ServiceError is the refusal.

    def step_notify(self, request, case, data):
        services.case_notify_provider(case=case, actor=request.user, text=data.get("text", ""))
        return gettext("the provider is told in writing; the one-month clock for the report is running.")

    def step_investigate(self, request, case, data):
        services.case_start_investigation(case=case, actor=request.user)
        return gettext("the investigation has started.")

    def step_findings(self, request, case, data):
        case = services.case_record_findings(
            case=case,
            actor=request.user,
            substantiated=data["substantiated"],
            findings=data["findings"],
            preliminary_report=data.get("preliminary_report", ""),
            documents=data.get("documents") or [],
        )
        if case.substantiated:
            return gettext("substantiated; the preliminary report was sent to the provider (§6.1.3).")
        return gettext("not substantiated: closed without penalty; both sides are told (§6.1.2).")

    def step_assess(self, request, case, data):
        services.case_assess_corrective_action(
            case=case, actor=request.user, text=data["text"], complete=data["complete"]
        )
        return gettext("the assessment was sent to the provider.")

    def step_message(self, request, case, data):
        services.case_message(
            case=case,
            author=request.user,
            text=data["text"],
            to_provider=bool(data.get("to_provider")),
            to_factory=bool(data.get("to_factory")),
            documents=data.get("documents") or [],
        )
        return gettext("the message is on the case.")

    def step_consolidate(self, request, case, data):
        case = services.case_consolidate(
            case=case,
            actor=request.user,
            report=data["report"],
            recommended_penalty=data["recommended_penalty"],
            reason=data.get("reason", ""),
        )
        return gettext("report consolidated; recommended: %(penalty)s.") % {
            "penalty": case.get_recommended_penalty_display()
        }

    def _motion_done(self, motion, text):
        return format_html(
            '{} <a href="{}">{}</a>',
            text,
            reverse("admin:committee_motion_change", args=[motion.pk]),
            gettext("Motion %(ref)s (a draft: open it for votes).") % {"ref": motion.reference},
        )

    def step_send_to_pmc(self, request, case, data):
        motion = services.case_send_to_pmc(case=case, actor=request.user)
        return self._motion_done(motion, gettext("sent to the PMC."))

    def step_propose_removal(self, request, case, data):
        motion = services.case_propose_removal(
            case=case, actor=request.user, grounds=data["grounds"], reason=data["reason"]
        )
        return self._motion_done(motion, gettext("removal proposed to the PMC."))

    def step_cancel_registration(self, request, case, data):
        registration = services.case_cancel_registration_as_substandard(
            case=case, actor=request.user, reason=data["reason"]
        )
        return gettext("the provisional registration in %(category)s is cancelled as substandard.") % {
            "category": registration.get_category_display()
        }
