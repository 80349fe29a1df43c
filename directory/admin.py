"""The back office of the register. Every change of state goes through directory.services."""

import datetime

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin
from import_export.fields import Field

from cpp_registry import charts, dashboard
from cpp_registry.admin_base import (
    ExportAdminMixin,
    ExportResource,
    NoDeleteMixin,
    RegisterAdmin,
    ServiceAdminMixin,
    TransitionLogInline,
    date_column,
    text_column,
)
from cpp_registry.models import Deadline, Notice

from . import services
from .forms import ContactChangeDecisionForm, OrganisationAdminForm, RegistrationGrantForm, ReportDecisionForm
from .models import CONTACT_FIELDS, ContactChangeRequest, Factory, FundedProject, Organisation, Registration, Warning


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RegistrationInline(ReadOnlyInline):
    model = Registration
    fields = ["category", "status", "granted_on", "valid_until", "confirmed_on", "ended_on", "needs_pmc_view"]
    readonly_fields = fields


class ContactChangeInline(ReadOnlyInline):
    model = ContactChangeRequest
    fields = ["received_on", "status", "requested_by", "decided_by", "decided_at"]
    readonly_fields = fields


class WarningInline(ReadOnlyInline):
    model = Warning
    fields = ["issued_on", "text", "issued_by", "case_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The case (any app's: a generic relation) in one query per kind of case, not one per warning.
        return super().get_queryset(request).select_related("issued_by").prefetch_related("case")

    @admin.display(description=_("case"))
    def case_link(self, obj):
        """§6.1.4: the case the warning was recorded from, linked to its page in the back office."""
        case = obj.case if obj.case_type_id else None
        if case is None:
            return "—"
        try:
            link = reverse(f"admin:{case._meta.app_label}_{case._meta.model_name}_change", args=[case.pk])
        except NoReverseMatch:
            return str(case)
        return format_html('<a href="{}">{}</a>', link, case)


@admin.register(Organisation)
class OrganisationAdmin(RegisterAdmin):
    """§5.2: two members of staff editing the same organisation — the second save is refused: the form
    carries the version it was opened on and the service (organisation_update) compares it on the locked
    row; its refusal is shown on the form (RegisterAdmin)."""

    form = OrganisationAdminForm
    list_display = ["name_en", "name_zh", "br_number", "district", "email", "phone"]
    list_filter = ["district", "code_of_conduct_kind"]
    search_fields = ["name_en", "name_zh", "br_number", "search_text"]
    filter_horizontal = ["users"]
    readonly_fields = ["version"]
    inlines = [RegistrationInline, ContactChangeInline, WarningInline]
    fieldsets = [
        (None, {"fields": ["name_en", "name_zh", "br_number", "users", "version", "form_version"]}),
        (_("Contact details (§5.1.1)"), {"fields": list(CONTACT_FIELDS)}),
        (_("Areas of work (§1.2.1)"), {"fields": ["areas"]}),
        (
            _("Code of conduct (§7.1)"),
            {"fields": ["code_of_conduct_kind", "code_of_conduct_file", "code_of_conduct_received_on"]},
        ),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # A hidden field, but its row still carries a label: in the page's language too.
        form.base_fields["form_version"].label = _("version of the record the form was opened on")
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            services.organisation_create(organisation=obj, actor=request.user)
            return
        services.organisation_update(
            organisation=obj, actor=request.user, expected_version=form.cleaned_data.get("form_version"), fields=None
        )


class ValidityEndsSoonFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("90", _("Provisional, ends within 90 days")), ("ended", _("Provisional, validity ended"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        provisional = queryset.filter(status=Registration.Status.PROVISIONAL)
        if self.value() == "90":
            return provisional.filter(valid_until__gte=today, valid_until__lte=today + datetime.timedelta(days=90))
        if self.value() == "ended":
            return provisional.filter(valid_until__lt=today)
        return queryset


class RegistrationStateLogInline(TransitionLogInline):
    transition_labels = {
        "grant": _("Granted (§3.3.1)"),
        "confirm": _("Confirmed (§3.3.2)"),
        "expire": _("Cancelled on expiry (§3.3.3)"),
    }


class RegistrationResource(ExportResource):
    """The register as officers report on it: the number, the provider, the category and state in words,
    the dates."""

    number = Field(column_name=_("registration number"))
    organisation_en = text_column("organisation__name_en", _("provider (English)"))
    organisation_zh = text_column("organisation__name_zh", _("provider (Chinese)"))
    br_number = text_column("organisation__br_number", _("BR number"))
    category = text_column("get_category_display", _("category"))
    status = text_column("get_status_display", _("status"))
    granted_on = date_column("granted_on", _("granted on"))
    valid_until = date_column("valid_until", _("provisional until"))
    confirmed_on = date_column("confirmed_on", _("confirmed on"))
    ended_on = date_column("ended_on", _("ended on"))
    end_reason = text_column("end_reason", _("reason it ended"))

    class Meta:
        model = Registration
        fields = ["number", "organisation_en", "organisation_zh", "br_number", "category", "status", "granted_on",
                  "valid_until", "confirmed_on", "ended_on", "end_reason"]  # fmt: skip

    def dehydrate_number(self, registration):
        return getattr(registration, "number", None) or ""


def _day(value):
    return date_format(value, "DATE_FORMAT") if value else "—"


def _moment(value):
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def _small_table(headings, rows, empty):
    """A read-only table on the registration's page (RegistrationAdmin's record fields)."""
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headings))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((c,) for c in row)),) for row in rows)
    )
    return format_html('<table class="bo-record"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)


def _link(url_name, pk, text, user, permission):
    if not user.has_perm(permission):
        return text
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[pk]), text)


@admin.register(Registration)
class RegistrationAdmin(ExportAdminMixin, FSMAdminMixin, RegisterAdmin):
    """Registrations with the transition buttons; each button calls the service of that transition, which
    locks, logs (StateLog, below), dates the end and sends the written notice."""

    fsm_fields = ["status"]
    list_display = ["organisation", "category", "status", "granted_on", "valid_until", "confirmed_on", "ended_on"]
    list_filter = ["status", "category", ValidityEndsSoonFilter, "needs_pmc_view"]
    search_fields = ["number", "organisation__name_en", "organisation__name_zh", "organisation__br_number"]
    list_select_related = ["organisation"]
    date_hierarchy = "granted_on"
    inlines = [RegistrationStateLogInline]
    autocomplete_fields = ["organisation"]
    resource_classes = [RegistrationResource]
    RECORD = ["warnings_table", "projects_table", "clocks_table", "notices_table"]

    SERVICES = {
        "withdraw": services.registration_withdraw,
        "remove": services.registration_remove,
        "cancel_substandard": services.registration_cancel_substandard,
    }

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RegistrationGrantForm
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organisation", "category", "granted_on"]
        return [
            "organisation",
            "category",
            "status",
            "granted_on",
            "valid_until",
            "confirmed_on",
            "ended_on",
            "end_reason",
            "needs_pmc_view",
            "expiry_reminders_sent",
        ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        return [
            (None, {"fields": self.get_fields(request, obj)}),
            (_("The provider's record"), {"fields": self.RECORD}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.get_fields(request, obj), *self.RECORD]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewer = request.user  # the record's tables link only to what this user may see
        return obj

    # The registration's record, read-only: one query per table, whatever its length.

    @admin.display(description=_("warnings (§6.1.4)"))
    def warnings_table(self, obj):
        warnings = Warning.objects.filter(organisation_id=obj.organisation_id).select_related("issued_by")
        user = obj.viewer
        rows = [
            (
                _link("admin:directory_warning_change", w.pk, _day(w.issued_on), user, "directory.view_warning"),
                w.text,
                str(w.issued_by) if w.issued_by_id else "—",
            )
            for w in warnings
        ]
        headings = [gettext("issued on"), gettext("text"), gettext("issued by")]
        return _small_table(headings, rows, gettext("No warning has been recorded against the provider."))

    @admin.display(description=_("funded projects (§3.3.2)"))
    def projects_table(self, obj):
        projects = FundedProject.objects.filter(provider_id=obj.organisation_id).order_by("-started_on", "reference")
        user = obj.viewer
        rows = [
            (
                _link("admin:directory_fundedproject_change", p.pk, p.reference, user, "directory.view_fundedproject"),
                p.title,
                p.get_role_category_display(),
                p.get_report_status_display(),
                _day(p.report_decided_on),
            )
            for p in projects
        ]
        headings = [
            gettext("reference"),
            gettext("title"),
            gettext("category of the provider's role"),
            gettext("final report"),
            gettext("decided on"),
        ]
        return _small_table(headings, rows, gettext("The provider has no funded project on record."))

    @admin.display(description=_("clocks"))
    def clocks_table(self, obj):
        clocks = Deadline.objects.for_subject(obj).select_related("owner").order_by("-start_day", "-id")
        user = obj.viewer
        rows = [
            (
                _link("admin:core_deadline_change", c.pk, c.get_kind_display(), user, "core.view_deadline"),
                _day(c.start_day),
                _day(c.due_day),
                dashboard.clock_state(c),
                dashboard.clock_owner(c),
            )
            for c in clocks
        ]
        headings = [gettext("clock"), gettext("day 0"), gettext("due day"), gettext("state"), gettext("owner")]
        return _small_table(headings, rows, gettext("No clock has run on this registration."))

    @admin.display(description=_("written notices"))
    def notices_table(self, obj):
        notices = Notice.objects.filter(
            content_type=ContentType.objects.get_for_model(Registration), object_id=obj.pk
        ).order_by("-created_at", "-id")
        user = obj.viewer
        rows = [
            (
                _link("admin:core_notice_change", n.pk, _moment(n.created_at), user, "core.view_notice"),
                dashboard.notice_kind_label(n.template_key),
                n.recipient_email,
                n.delivery.label,
            )
            for n in notices
        ]
        headings = [gettext("created"), gettext("kind of notice"), gettext("recipient email"), gettext("delivery")]
        return _small_table(headings, rows, gettext("No notice has been written about this registration."))

    def save_model(self, request, obj, form, change):
        """Adding a registration grants it (§3.3.1) through the service; nothing else is saved here. A
        refusal (a live registration exists — also one granted a moment ago by another officer —, a date
        in the future or too far back) is shown on the form."""
        if change:
            return
        registration = services.registration_grant(
            organisation=obj.organisation,
            category=obj.category,
            actor=request.user,
            granted_on=obj.granted_on,
            reason=str(_("Granted in the back office")),
        )
        obj.pk = registration.pk
        obj.__dict__.update({"valid_until": registration.valid_until, "status": registration.status})

    def save_related(self, request, form, formsets, change):
        """Nothing related is saved by the form: the services did all of it."""

    def construct_change_message(self, request, form, formsets, add=False):
        """The form's changes only: the log's formset was not saved (save_related), and the admin's own
        message would read its saved objects — a 500 on every "Save" of a registration."""
        return super().construct_change_message(request, form, [], add)

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        """Only the transitions that have a service here have a page; any other name is not found."""
        if transition_name not in self.SERVICES:
            raise Http404
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        service = self.SERVICES.get(transition_name)
        if service is None or not self.has_change_permission(request, obj):
            self.message_user(request, _("This change is not allowed here."), messages.ERROR)
            return False
        try:
            service(registration=obj, actor=request.user, reason=(kwargs or {}).get("reason", ""))
        except services.RegisterError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return False
        self.message_user(request, _("Done: the registration is updated and the provider notified."), messages.SUCCESS)
        return True

    @staticmethod
    def get_fsm_block_label(fsm_field_name):
        return _("Change the registration")


PROJECT_FIELDS = ["reference", "title", "factory", "provider", "role_category", "areas", "started_on", "completed_on"]


@admin.register(FundedProject)
class FundedProjectAdmin(RegisterAdmin):
    """Funded projects; the final-report decision confirms a provisional registration (§3.3.2).

    The decision runs the service on a locked fresh row before anything of the form is saved; the form's
    other edits are then saved field by field (never the stale report status). Once the report is decided,
    the project's provider, role and dates are what the decision was taken on: read-only."""

    form = ReportDecisionForm
    list_display = ["reference", "title", "provider", "factory", "role_category", "report_status", "report_decided_on"]
    list_filter = ["report_status", "role_category"]
    search_fields = ["reference", "title", "provider__name_en", "provider__name_zh", "factory__name_en"]
    autocomplete_fields = ["provider", "factory"]
    readonly_fields = ["report_status", "report_decided_on", "report_decided_by", "report_note"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_decided:
            return [*PROJECT_FIELDS, *self.readonly_fields]
        return self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.is_decided:  # no decision fields once decided
            head, dates, (title, report) = fieldsets
            report = {"fields": [f for f in report["fields"] if f not in ("decision", "decided_on", "note")]}
            return [head, dates, (title, report)]
        return fieldsets

    fieldsets = [
        (None, {"fields": ["reference", "title", "factory", "provider", "role_category", "areas"]}),
        (_("Dates"), {"fields": ["started_on", "completed_on"]}),
        (
            _("Final report (§3.3.2)"),
            {
                "fields": [
                    "report_status",
                    "report_decided_on",
                    "report_decided_by",
                    "report_note",
                    "decision",
                    "decided_on",
                    "note",
                ]
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if not change:
            obj.save()
            return
        decision = form.cleaned_data.get("decision")
        result = None
        if decision:
            result = services.funded_project_report_decide(
                project=obj,
                actor=request.user,
                approved=decision == "approve",
                on=form.cleaned_data.get("decided_on"),
                note=form.cleaned_data.get("note") or "",
            )
        edited = [name for name in form.changed_data if name in PROJECT_FIELDS]
        if edited:
            # Only the fields the officer edited: the in-memory report status may be stale.
            locked = FundedProject.objects.select_for_update().get(pk=obj.pk)
            if locked.is_decided and not decision:
                raise services.RegisterError(
                    str(_("The final report was decided meanwhile; the project's details are fixed now."))
                )
            for name in edited:
                setattr(locked, name, getattr(obj, name))
            locked._history_user = request.user
            locked.save(update_fields=edited)
        if result is not None:
            level = messages.SUCCESS if result.confirmed or decision == "reject" else messages.WARNING
            self.message_user(request, result.message, level)


@admin.register(ContactChangeRequest)
class ContactChangeRequestAdmin(RegisterAdmin):
    """§5.2.1–5.2.2: approve or reject a provider's change of contact details within 5 working days.

    Every save goes through a service on the locked request: of two officers deciding at once exactly one
    decision is taken, and the other sees why on the form. A decided request is read-only."""

    form = ContactChangeDecisionForm
    list_display = ["organisation", "received_on", "status", "decided_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name_en", "organisation__name_zh"]
    list_select_related = ["organisation"]

    def get_fields(self, request, obj=None):
        head = ["organisation", "received_on"]
        if obj is None:
            return [*head, *CONTACT_FIELDS]
        return [*head, "requested_by", "status", "changes", *CONTACT_FIELDS, "decision", "decision_note"] + (
            ["decided_by", "decided_at"] if obj.status != ContactChangeRequest.Status.PENDING else []
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = ["organisation", "received_on", "requested_by", "status", "changes", "decided_by", "decided_at"]
        if obj.status != ContactChangeRequest.Status.PENDING:
            readonly += [*CONTACT_FIELDS, "decision_note"]
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["fields"] = ["organisation", "received_on", *CONTACT_FIELDS]
        elif obj.status != ContactChangeRequest.Status.PENDING:
            kwargs["fields"] = []
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description=_("What changes (before → after)"))
    def changes(self, obj):
        rows = obj.changed_fields()
        if not rows:
            return "—"
        return format_html_join(
            "", "<div><strong>{}</strong>: {} → {}</div>", ((n, b or "—", a or "—") for _f, n, b, a in rows)
        )

    def save_model(self, request, obj, form, change):
        details = {name: form.cleaned_data.get(name, getattr(obj, name)) for name in CONTACT_FIELDS}
        if not change:
            # A request received on paper, recorded by staff: the same service starts the §5.2.2 clock.
            created = services.contact_change_request(
                organisation=obj.organisation, user=request.user, details=details, received_on=obj.received_on
            )
            obj.pk = created.pk
            return
        decision = form.cleaned_data.get("decision")
        note = form.cleaned_data.get("decision_note") or ""
        if decision == "approve":
            services.contact_change_approve(change=obj, actor=request.user, note=note, details=details)
            self.message_user(request, _("Approved: the directory shows the new details."), messages.SUCCESS)
        elif decision == "reject":
            services.contact_change_reject(change=obj, actor=request.user, note=note)
            self.message_user(request, _("Rejected: the organisation's details are unchanged."), messages.SUCCESS)
        else:
            services.contact_change_correct(change=obj, actor=request.user, details=details)

    def save_related(self, request, form, formsets, change):
        """Nothing related is saved by the form."""


@admin.register(Warning)
class WarningAdmin(ServiceAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    """§6.1.4: warnings are recorded through the service (which notifies the provider), then kept as they are."""

    list_display = ["organisation", "issued_on", "issued_by"]
    search_fields = ["organisation__name_en", "organisation__name_zh"]
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "issued_on", "text"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        warning = services.warning_record(
            organisation=obj.organisation, actor=request.user, text=obj.text, issued_on=obj.issued_on
        )
        obj.pk = warning.pk


@admin.register(Factory)
class FactoryAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "region"]
    list_filter = ["region"]
    search_fields = ["name_en", "name_zh"]
    filter_horizontal = ["users"]


# --- the dashboard (cpp_registry.dashboard) -----------------------------------------------------------------


def register_back_office():
    """What the Secretariat's home page shows of the register: contact changes to decide with their clock,
    final reports to decide, the register's size by state; how a clock names a change or a registration;
    the words for the register's notices (called by DirectoryConfig.ready)."""

    def pending_changes():
        running = Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(ContactChangeRequest),
            object_id=OuterRef("pk"),
            kind=Deadline.Kind.CONTACT_CHANGE,
            met_at__isnull=True,
        )
        return (
            ContactChangeRequest.objects.filter(status=ContactChangeRequest.Status.PENDING)
            .select_related("organisation")
            .annotate(queue_since=F("received_on"), queue_due=Subquery(running.values("due_day")[:1]))
        )

    dashboard.register_queue(
        key="directory.contact_changes",
        label=_("Contact-detail changes to decide (§5.2.2)"),
        model=ContactChangeRequest,
        items=pending_changes,
        filters="status__exact=pending",
        order=20,
    )
    dashboard.register_queue(
        key="directory.final_reports",
        label=_("Final reports to decide (§3.3.2)"),
        model=FundedProject,
        items=lambda: FundedProject.objects.filter(report_status=FundedProject.ReportStatus.SUBMITTED).annotate(
            queue_since=F("completed_on")
        ),
        filters="report_status__exact=submitted",
        order=21,
    )
    dashboard.register_chart(
        key="register", permission="directory.view_registration", build=register_size_chart, order=30
    )
    # A clock's label names the organisation of a change or a registration: fetched with it.
    for model in (ContactChangeRequest, Registration):
        dashboard.register_subject(
            model=model, queryset=lambda model=model: model.objects.select_related("organisation")
        )
    dashboard.register_notice_kinds(
        {
            "registration_granted": _("Registration granted"),
            "registration_confirmed": _("Registration confirmed"),
            "registration_expiry_reminder": _("Provisional registration ending: reminder"),
            "registration_expired": _("Registration cancelled on expiry"),
            "registration_cancelled_substandard": _("Registration cancelled as substandard"),
            "registration_withdrawn": _("Registration withdrawn"),
            "registration_removed": _("Registration removed"),
            "contact_change_decided": _("Contact-detail change decided"),
            "warning_recorded": _("Warning recorded"),
            "invitation": _("Invitation to act for an organisation"),
        }
    )


def register_size_chart(months):
    """The register at the end of each month (today for this one): provisional and confirmed registrations,
    from their dates — granted, confirmed, ended (one aggregate query)."""
    today = timezone.localdate()
    ended_status = ~Q(status__in=Registration.LIVE)
    counts = {}
    for i, month in enumerate(months):
        end = min(dashboard.month_after(month) - datetime.timedelta(days=1), today)
        live = Q(granted_on__lte=end) & (Q(ended_on__gt=end) | Q(ended_on__isnull=True) & ~ended_status)
        confirmed = Q(confirmed_on__lte=end)
        counts[f"c{i}"] = Count("pk", filter=live & confirmed)
        counts[f"p{i}"] = Count("pk", filter=live & ~confirmed)
    totals = Registration.objects.aggregate(**counts)
    confirmed = [totals[f"c{i}"] for i in range(len(months))]
    provisional = [totals[f"p{i}"] for i in range(len(months))]
    return dashboard.monthly_chart(
        key="chart-register",
        title=gettext("The register by state at the end of each month, last 12 months"),
        months=months,
        series=[
            charts.Series(gettext("Confirmed"), confirmed, "solid"),
            charts.Series(gettext("Provisional"), provisional, "hatch"),
        ],
        summary=gettext("Now %(confirmed)d confirmed and %(provisional)d provisional registrations.")
        % {"confirmed": confirmed[-1], "provisional": provisional[-1]},
        stacked=True,
        total_label=gettext("Registered"),
    )
