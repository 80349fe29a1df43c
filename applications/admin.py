"""The Secretariat's side of Annex A (issue 8 §3, §4): applications read, checked and decided in the back
office. Every change goes through `applications.services`.

Decisions:
- Staff cannot create applications here: an application is the applicant's, made and filled in on the
  portal by a user acting for the organisation (Annex A online). There is no add page.
- Nothing of an application is edited in the admin: its answers are the applicant's and its decision is
  the Secretariat's record. The change page is a page to read (a POST to it is refused), with the
  Secretariat's steps as buttons above it.
- Each button opens django-fsm-2's transition page with the step's form (`applications.admin_forms`);
  its POST calls the service of that transition, which locks a fresh row, checks the state and the rules
  on it, logs who, when and why, and writes the notices — never the bare transition. A refusal (the
  criteria are not met, another officer decided a moment ago) is shown as a message and changes nothing.
- "Or equivalent experience" (§3.2.2) is recorded on its own page (CriteriaOverrideForm →
  `services.application_override_criteria`), with the written reason, audited in the history.
- Only the Programme Management Team (`applications.change_application`) takes these steps; the PTST and
  the Programme Director read (cpp_registry.roles) — their POSTs answer 403 and change nothing.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed
from django_fsm.admin import FSMAdminMixin
from import_export.fields import Field

from cpp_registry import charts, dashboard, workdays
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
from cpp_registry.transitions import wrong_state_message
from directory.models import Category

from . import services
from .admin_forms import CriteriaOverrideForm
from .criteria import EVERY
from .models import Application, Message, ProjectRecord, StaffMember

CLOCK = Deadline.Kind.APPLICATION_PROCESSING
WEIGHED = (Application.Status.SUBMITTED, Application.Status.AWAITING_INFORMATION)  # the criteria can be weighed


def _clocks():
    """The application's processing clocks (a correlated subquery of the changelist)."""
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Application), object_id=OuterRef("pk"), kind=CLOCK
    )


def _day(value):
    return f"{value:%Y-%m-%d}" if value else "—"


# --- read-only inlines: the applicant's answers, the conversation, the log ------------------------------


class ReadOnlyInline(admin.TabularInline):
    """The applicant's answers are the applicant's: staff read them here, never edit them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StaffInline(ReadOnlyInline):
    model = StaffMember
    fields = ["name", "position", "years", "months", "fields_display", "proof"]
    readonly_fields = fields

    @admin.display(description=_("fields of experience"))
    def fields_display(self, obj):
        return obj.get_fields_display() or "—"


class ProjectInline(ReadOnlyInline):
    model = ProjectRecord
    fields = [
        "title", "client_company", "client_contact", "client_phone", "client_email", "started_on", "ended_on",
        "kind", "completed", "areas", "document",
    ]  # fmt: skip
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    """The conversation (§4.1.3): requests, answers and written decisions, with the answers' documents."""

    model = Message
    verbose_name_plural = _("conversation")
    fields = ["created_at", "kind", "author", "from_secretariat", "text", "attachment_links"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The row's title names the application (Message.__str__).
        return super().get_queryset(request).select_related("author", "application").prefetch_related("attachments")

    @admin.display(description=_("documents"))
    def attachment_links(self, obj):
        links = [(a.file.url, str(a)) for a in obj.attachments.all()]
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links) if links else "—"


class ApplicationStateLogInline(TransitionLogInline):
    # The steps whose @transition has no label of its own (the Secretariat's steps have theirs).
    transition_labels = {
        "submit": _("Submitted by the applicant"),
        "answer": _("Answered by the applicant (§4.1.3)"),
        "pmc_accept": _("Accepted by the PMC (§4.1.5)"),
        "pmc_refuse": _("Refused by the PMC (§4.1.5)"),
    }


# --- changelist filters ------------------------------------------------------------------------------------


class CategoryFilter(admin.SimpleListFilter):
    title = _("category applied for")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return Category.choices

    def queryset(self, request, queryset):
        if self.value() in Category.values:
            return queryset.filter(categories__contains=self.value())
        return queryset


class ClockFilter(admin.SimpleListFilter):
    """The 10-working-day clock (§4.1.3), as cpp_registry.admin.DeadlineStatusFilter counts it: due soon is
    due today or on the next working day; a stopped clock (information owed) is neither due nor overdue."""

    title = _("processing clock")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            ("due_soon", _("Due soon")),
            ("overdue", _("Overdue")),
            ("stopped", _("Stopped (information owed)")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        clocks = _clocks().filter(met_at__isnull=True)
        match self.value():
            case "open":
                return queryset.filter(Exists(clocks))
            case "due_soon":
                soon = workdays.working_days_after(today, 1)
                return queryset.filter(Exists(clocks.filter(stopped_on__isnull=True, due_day__range=(today, soon))))
            case "overdue":
                return queryset.filter(Exists(clocks.filter(stopped_on__isnull=True, due_day__lt=today)))
            case "stopped":
                return queryset.filter(Exists(clocks.filter(stopped_on__isnull=False)))
        return queryset


class CriteriaFilter(admin.SimpleListFilter):
    """The criteria check as last submitted. "Overridden": not met, with equivalent experience recorded for
    at least one category (§3.2.2); "not met": none recorded."""

    title = _("criteria")
    parameter_name = "criteria"

    def lookups(self, request, model_admin):
        return [("met", _("Met")), ("not_met", _("Not met")), ("overridden", _("Equivalent experience accepted"))]

    def queryset(self, request, queryset):
        match self.value():
            case "met":
                return queryset.filter(criteria_met=True)
            case "not_met":
                return queryset.filter(criteria_met=False, override_categories="")
            case "overridden":
                return queryset.filter(criteria_met=False).exclude(override_categories="")
        return queryset


def _latest_message():
    return Message.objects.filter(application=OuterRef("pk")).order_by("-created_at", "-id")


def answered_applications(queryset):
    """Submitted applications whose latest message is the applicant's answer (§4.1.3): the clock restarted
    on it, and the Secretariat reads it next."""
    latest = _latest_message()
    return queryset.annotate(
        last_message_kind=Subquery(latest.values("kind")[:1]),
        answered_at=Subquery(latest.values("created_at")[:1]),
    ).filter(status=Application.Status.SUBMITTED, last_message_kind=Message.Kind.ANSWER)


class ConversationFilter(admin.SimpleListFilter):
    """Where the conversation (§4.1.3) stands: the applicant answered and the Secretariat reads it next, or
    the Secretariat waits for an answer."""

    title = _("conversation")
    parameter_name = "conversation"

    def lookups(self, request, model_admin):
        return [("answered", _("Answer received, to read")), ("waiting", _("Waiting for the applicant's answer"))]

    def queryset(self, request, queryset):
        match self.value():
            case "answered":
                return answered_applications(queryset)
            case "waiting":
                return queryset.filter(status=Application.Status.AWAITING_INFORMATION)
        return queryset


# --- the export ----------------------------------------------------------------------------------------------


class ApplicationResource(ExportResource):
    """Applications as officers report on them: reference, applicant, categories, state in words, dates."""

    reference = text_column("reference", _("reference"))
    organisation_en = text_column("organisation__name_en", _("organisation (English)"))
    organisation_zh = text_column("organisation__name_zh", _("organisation (Chinese)"))
    br_number = text_column("organisation__br_number", _("BR number"))
    categories = text_column("get_categories_display", _("categories applied for"))
    status = text_column("get_status_display", _("status"))
    submitted_at = datetime_column("submitted_at", _("first submitted"))
    due_day = date_column("clock_due", _("due day"))
    criteria = Field(column_name=_("criteria"))
    decided_at = datetime_column("decided_at", _("decided at"))

    class Meta:
        model = Application
        fields = ["reference", "organisation_en", "organisation_zh", "br_number", "categories", "status",
                  "submitted_at", "due_day", "criteria", "decided_at"]  # fmt: skip

    def dehydrate_criteria(self, application):
        if application.criteria_met is None:
            return ""
        if application.criteria_met:
            return gettext("Met")
        return gettext("Equivalent experience accepted") if application.override_categories else gettext("Not met")


# --- the dashboard (cpp_registry.dashboard) ---------------------------------------------------------------


def register_back_office():
    """What the Secretariat's home page shows of applications: the ones to process with their clock, the
    answers received, and a chart of those received and decided (called by ApplicationsConfig.ready)."""
    submitted = "status__exact=submitted"

    def with_clock(queryset, since=None):
        open_clock = _clocks().filter(met_at__isnull=True).order_by("-created_at", "-id")
        return queryset.annotate(
            queue_since=since if since is not None else Subquery(open_clock.values("start_day")[:1]),
            queue_due=Subquery(open_clock.values("due_day")[:1]),
        )

    dashboard.register_queue(
        key="applications.to_process",
        label=_("Applications to process (§4.1.3)"),
        model=Application,
        items=lambda: with_clock(Application.objects.filter(status=Application.Status.SUBMITTED)),
        filters=submitted,
        order=10,
    )
    dashboard.register_queue(
        key="applications.answered",
        label=_("Applicants' answers received"),
        model=Application,
        items=lambda: with_clock(answered_applications(Application.objects.all()), since=F("answered_at")),
        filters=f"{submitted}&conversation=answered",
        order=11,
    )
    dashboard.register_chart(
        key="applications", permission="applications.view_application", build=applications_chart, order=20
    )
    dashboard.register_notice_kinds(
        {
            "application_submitted": _("Application received"),
            "application_information_requested": _("Application: information requested"),
            "application_answered": _("Application: the applicant answered"),
            "application_approved": _("Application approved"),
            "application_referred": _("Application reported to the PMC"),
            "application_refused": _("Application not accepted"),
            "application_withdrawn": _("Application withdrawn"),
        }
    )


def applications_chart(months):
    """Applications received (first submitted) and decided, per month (one aggregate query)."""
    counts = {}
    for i, month in enumerate(months):
        start, end = dashboard.month_start(month), dashboard.month_start(dashboard.month_after(month))
        counts[f"r{i}"] = Count("pk", filter=Q(submitted_at__gte=start, submitted_at__lt=end))
        counts[f"d{i}"] = Count("pk", filter=Q(decided_at__gte=start, decided_at__lt=end))
    totals = Application.objects.aggregate(**counts)
    received = [totals[f"r{i}"] for i in range(len(months))]
    decided = [totals[f"d{i}"] for i in range(len(months))]
    return dashboard.monthly_chart(
        key="chart-applications",
        title=gettext("Applications received and decided, last 12 months"),
        months=months,
        series=[
            charts.Series(pgettext("applications in a month", "Received"), received, "solid"),
            charts.Series(pgettext("applications in a month", "Decided"), decided, "hatch"),
        ],
        summary=gettext("%(received)d applications received and %(decided)d decided in the last 12 months.")
        % {"received": sum(received), "decided": sum(decided)},
    )


# --- the admin ---------------------------------------------------------------------------------------------


@admin.register(Application)
class ApplicationAdmin(ExportAdminMixin, FSMAdminMixin, RegisterAdmin):
    """Applications: read the answers, the criteria check, the clock and the conversation; ask for
    information, approve, report to the PMC, record a withdrawal, accept equivalent experience — each step
    through its service (module docstring)."""

    fsm_fields = ["status"]
    view_on_site = False  # the application's own page is the applicant's
    change_form_template = "admin/applications/application/change_form.html"
    list_display = [
        "reference", "organisation_names", "categories_display", "status", "submitted_at", "due_day", "criteria",
    ]  # fmt: skip
    list_filter = ["status", CategoryFilter, ClockFilter, CriteriaFilter, ConversationFilter]
    list_select_related = ["organisation"]
    resource_classes = [ApplicationResource]
    search_fields = ["reference", "organisation__name_en", "organisation__name_zh", "organisation__br_number"]
    inlines = [StaffInline, ProjectInline, MessageInline, ApplicationStateLogInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference", "organisation", "organisation_br_number", "created_by", "status",
                    "categories_display", "sections_display", "created_at", "submitted_at",
                ]
            },
        ),
        (_("Processing clock (§4.1.3)"), {"fields": ["clock_display"]}),
        (
            _("Criteria (§3.2.2, §4.1.2)"),
            {"fields": ["criteria_display", "override_categories", "override_reason", "override_by", "override_at"]},
        ),
        (_("Decision"), {"fields": ["decided_at", "decided_by", "decision_text", "motion_link"]}),
        (
            _("Code of conduct and declaration (§7.1)"),
            {
                "fields": [
                    "code_of_conduct_kind", "code_of_conduct_file", "privacy_acknowledged_at", "signatory_name",
                    "signatory_position", "declared_at",
                ]
            },
        ),
    ]  # fmt: skip
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    # The steps in the admin, each with its service (module docstring); any other name is not found.
    STEPS = ("ask_for_information", "approve", "refer", "withdraw")
    STEP_HELP = {
        "ask_for_information": _(
            "§4.1.3: the applicant is asked in writing; the clock stops until the complete answer arrives."
        ),
        "approve": _(
            "§4.1.4: only when every criterion is met, or accepted as equivalent (§3.2.2); each category applied "
            "for is granted a provisional registration and listed at once; the applicant is told in writing."
        ),
        "refer": _(
            "§4.1.5: only when a criterion is not met (or, §3.3.4, after a substandard cancellation); a motion "
            "is drafted for the PMC with this report and the criteria check; the applicant is told."
        ),
        "withdraw": _("The applicant's written request, before a decision; the applicant is told in writing."),
    }

    # --- permissions: read-only records, steps for those who may change applications ---------------------

    def has_add_permission(self, request):
        return False  # decision: applications are made by applicants (module docstring)

    def has_change_permission(self, request, obj=None):
        # The record itself is never edited (its change page is for reading); the changelist still offers
        # it to the Programme Management Team.
        return obj is None and super().has_change_permission(request)

    def may_decide(self, request):
        """The Secretariat's steps: the Programme Management Team (and superusers)."""
        return bool(request.user.is_staff and request.user.has_perm("applications.change_application"))

    # --- queries -----------------------------------------------------------------------------------------

    def get_queryset(self, request):
        latest = _clocks().order_by("-created_at", "-id")
        return (
            super()
            .get_queryset(request)
            .select_related("organisation", "created_by", "override_by", "decided_by")
            .annotate(
                clock_due=Subquery(latest.values("due_day")[:1]),
                clock_stopped=Subquery(latest.values("stopped_on")[:1]),
                clock_met=Subquery(latest.values("met_at")[:1]),
            )
        )

    # --- columns and fields --------------------------------------------------------------------------------

    @admin.display(description=_("organisation"), ordering="organisation__name_en")
    def organisation_names(self, obj):
        organisation = obj.organisation
        if organisation is None:
            return "—"
        if not organisation.name_zh:
            return organisation.name_en
        return format_html("{}<br>{}", organisation.name_en, organisation.name_zh)

    @admin.display(description=_("BR number"))
    def organisation_br_number(self, obj):
        return obj.organisation.br_number if obj.organisation_id else "—"

    @admin.display(description=_("categories applied for"), ordering="categories")
    def categories_display(self, obj):
        return obj.get_categories_display() or "—"

    @admin.display(description=_("due day"), ordering="clock_due")
    def due_day(self, obj):
        due = getattr(obj, "clock_due", None)
        if due is None:
            return "—"
        if obj.clock_met is not None:
            return gettext("%(day)s (met)") % {"day": _day(due)}
        if obj.clock_stopped is not None:
            return gettext("stopped since %(day)s") % {"day": _day(obj.clock_stopped)}
        if due < timezone.localdate():
            return gettext("%(day)s (overdue)") % {"day": _day(due)}
        return _day(due)

    @admin.display(description=_("criteria"), ordering="criteria_met")
    def criteria(self, obj):
        if obj.criteria_met is None:
            return "—"  # not submitted yet
        if obj.criteria_met:
            return gettext("Met")
        met = services.categories_met(obj)  # the stored check: no query
        unmet = [c for c, ok in met.items() if not ok]
        if unmet:
            return gettext("Not met: category %(categories)s") % {"categories": ", ".join(unmet)}
        return gettext("Met on equivalent experience (category %(categories)s)") % {
            "categories": ", ".join(obj.override_categories)
        }

    @admin.display(description=_("sections completed"))
    def sections_display(self, obj):
        labels = dict(Application.Section.choices)
        missing = services.missing_sections(obj)
        if not missing:
            return gettext("All")
        return gettext("Missing: %(sections)s") % {"sections": ", ".join(str(labels[s]) for s in missing)}

    @admin.display(description=_("clock"))
    def clock_display(self, obj):
        clock = services.application_clock(obj)
        if clock is None:
            return gettext("Not started: it starts when the application is submitted complete.")
        if clock.met_at is not None:
            how = gettext("met on time") if clock.met_on_time else gettext("met late")
            state = f"{how} {timezone.localtime(clock.met_at):%Y-%m-%d %H:%M}"
        elif clock.stopped_on is not None:
            state = gettext("stopped on %(day)s: the applicant owes information") % {"day": _day(clock.stopped_on)}
        elif clock.due_day < timezone.localdate():
            state = gettext("overdue")
        else:
            state = gettext("running")
        return format_html(
            '{}: <a href="{}">{}</a> — {} ({})',
            gettext("Due day"),
            reverse("admin:core_deadline_change", args=[clock.pk]),
            _day(clock.due_day),
            state,
            gettext("day 0: %(start)s; restarts: %(restarts)d") % {"start": _day(clock.start_day),
                                                                   "restarts": clock.restarts},
        )  # fmt: skip

    @admin.display(description=_("criteria check"))
    def criteria_display(self, obj):
        return criteria_table(obj)

    @admin.display(description=_("PMC motion"))
    def motion_link(self, obj):
        if obj.status not in (Application.Status.REFERRED, Application.Status.ACCEPTED, Application.Status.REFUSED):
            return "—"
        motion = services.application_motion(obj)
        if motion is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> — {}',
            reverse("admin:committee_motion_change", args=[motion.pk]),
            motion.reference,
            motion.get_status_display(),
        )

    # --- the change page: read-only, with the steps as buttons ----------------------------------------------

    def get_help_text(self, transition):
        return self.STEP_HELP.get(transition.name, "")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # django-fsm-2's change_view lists the transitions as submit buttons of the change form; here the
        # form is for reading, and the steps are links to their pages (render_change_form).
        return super(FSMAdminMixin, self).change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["application_steps"] = self.steps_for(request, obj) if obj is not None else []
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def steps_for(self, request, obj):
        """(url, label) of each step possible from the application's state, for those who may take it."""
        if not self.may_decide(request):
            return []
        steps = [
            (
                reverse("admin:applications_application_transition", args=[obj.pk, t.name]),
                self.get_fsm_label(t),
            )
            for t in obj.get_available_status_transitions()
            if t.name in self.STEPS
        ]
        if obj.status in WEIGHED:
            steps.append(
                (
                    reverse("admin:applications_application_criteria", args=[obj.pk]),
                    _("Accept equivalent experience (§3.2.2)"),
                )
            )
        return steps

    def save_model(self, request, obj, form, change):
        """Never reached: the change page is for reading (has_change_permission)."""

    def save_related(self, request, form, formsets, change):
        """Nothing related is saved by the admin."""

    # --- the steps ----------------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/criteria/",
                self.admin_site.admin_view(self.criteria_override_view),
                name="applications_application_criteria",
            ),
            *super().get_urls(),
        ]

    def _object_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))  # None for a malformed or unknown id
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        return obj

    def _change_url(self, obj):
        return reverse("admin:applications_application_change", args=[obj.pk])

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        """A step's page: its form, then its service. Only the steps above have a page; only those who may
        decide open it (403 otherwise, nothing changes)."""
        if transition_name not in self.STEPS:
            raise Http404
        obj = self._object_or_404(request, object_id)
        if not self.may_decide(request):
            raise PermissionDenied
        if request.method != "POST" and not can_proceed(getattr(obj, transition_name)):
            self.message_user(request, wrong_state_message(obj), messages.WARNING)
            return HttpResponseRedirect(self._change_url(obj))
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        """Run the step's service on the application (it locks a fresh row and checks everything again)
        with the form's text; its refusal is the message, and nothing changes."""
        step = getattr(self, f"step_{transition_name}", None)
        if transition_name not in self.STEPS or step is None or not self.may_decide(request):
            self.message_user(request, gettext("This change is not allowed here."), messages.ERROR)
            return False
        try:
            done = step(request, obj, dict(kwargs or {}))
        except ServiceError as exc:
            self.message_user(request, f"{obj.reference}: {exc}", messages.ERROR)
            return False
        self.message_user(request, f"{obj.reference}: {done}", messages.SUCCESS)
        return True

    def step_ask_for_information(self, request, obj, data: dict[str, Any]) -> str:
        services.application_ask_for_information(application=obj, actor=request.user, text=data.get("text", ""))
        return gettext("the request was sent to the applicant; the clock is stopped until the answer arrives.")

    def step_approve(self, request, obj, data: dict[str, Any]) -> str:
        application = services.application_approve(application=obj, actor=request.user, text=data.get("text", ""))
        return gettext("approved: a provisional registration in category %(categories)s, listed at once.") % {
            "categories": ", ".join(application.category_list)
        }

    def step_refer(self, request, obj, data: dict[str, Any]) -> str:
        application = services.application_refer(
            application=obj,
            actor=request.user,
            recommendation_en=data.get("recommendation_en", ""),
            recommendation_zh=data.get("recommendation_zh", ""),
        )
        motion = services.application_motion(application)
        return gettext("reported to the PMC in motion %(motion)s (a draft: open it for votes).") % {
            "motion": motion.reference if motion else "—"
        }

    def step_withdraw(self, request, obj, data: dict[str, Any]) -> str:
        services.application_withdraw(application=obj, user=request.user, reason=data.get("reason", ""))
        return gettext("withdrawn; the applicant is told in writing.")

    def criteria_override_view(self, request, object_id):
        """§3.2.2 "or equivalent experience": the categories accepted and the written reason, through
        services.application_override_criteria (history: who, when, why)."""
        obj = self._object_or_404(request, object_id)
        if not self.may_decide(request):
            raise PermissionDenied
        change_url = self._change_url(obj)
        if request.method != "POST" and obj.status not in WEIGHED:
            self.message_user(
                request,
                gettext("Application %(ref)s is %(status)s; the criteria can only be weighed while it is processed.")
                % {"ref": obj.reference, "status": obj.get_status_display().lower()},
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        form = CriteriaOverrideForm(request.POST if request.method == "POST" else None, application=obj)
        if request.method == "POST" and form.is_valid():
            try:
                application = services.application_override_criteria(
                    application=obj,
                    actor=request.user,
                    categories=form.cleaned_data["categories"],
                    reason=form.cleaned_data["reason"],
                )
            except ServiceError as exc:
                self.message_user(request, f"{obj.reference}: {exc}", messages.ERROR)
            else:
                note = gettext("Equivalent experience accepted for category %(categories)s") % {
                    "categories": ", ".join(application.override_categories)
                }
                self.log_change(request, application, note)
                self.message_user(request, f"{obj.reference}: {note}.", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "form": form,
            "change_url": change_url,
            "criteria": criteria_table(obj),
            "title": gettext("Accept equivalent experience: %(ref)s") % {"ref": obj.reference},
        }
        return TemplateResponse(request, "admin/applications/application/criteria_override.html", context)


def criteria_table(application):
    """The criteria check, per category and criterion: met or not, and why; then each category's result,
    the equivalent experience accepted included (services.decision_check, services.categories_met)."""
    result = services.decision_check(application)
    met = services.categories_met(application)
    labels = dict(Category.choices)
    rows = []
    for category_result in result.results:
        heading = (
            gettext("Every application")
            if category_result.category == EVERY
            else str(labels.get(category_result.category, category_result.category))
        )
        for criterion in category_result.criteria:
            rows.append(
                (
                    heading,
                    "✓" if criterion.met else "✗",
                    gettext("met") if criterion.met else gettext("not met"),
                    criterion.label,
                    criterion.reason,
                )
            )
    criteria_rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
        rows,
    )
    verdicts = []
    for category, ok in met.items():
        if ok and category in application.override_categories and not result.category_met(category):
            verdict = gettext("met on equivalent experience")
        else:
            verdict = gettext("met") if ok else gettext("not met")
        verdicts.append((labels.get(category, category), verdict))
    return format_html(
        '<table class="criteria"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table><p>{}</p><ul>{}</ul>',
        gettext("applies to"),
        gettext("result"),
        gettext("criterion"),
        gettext("reason"),
        criteria_rows,
        gettext("Checked as of %(day)s.") % {"day": _day(result.as_of)},
        format_html_join("", "<li><strong>{}</strong>: {}</li>", verdicts),
    )
