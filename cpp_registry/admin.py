from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.fields import Field

from . import closures, dashboard, workdays
from .admin_base import (
    ExportAdminMixin,
    ExportResource,
    NoDeleteMixin,
    ServiceAdminMixin,
    date_column,
    datetime_column,
    number_column,
    text_column,
)
from .admin_base import HistoryAdmin as SimpleHistoryAdmin
from .models import ClosureDay, Deadline, DeadlineEvent, Notice, User
from .notices import notice_resend
from .roles import Role

# The back office's home is the Secretariat's dashboard (cpp_registry.dashboard): its work queues, clocks
# and charts above Django's list of models (templates/admin/index.html). The site is Django's own; its
# index only gets the dashboard's context, as its log-in page is the portal's (cpp_registry/urls.py).
_site_index = admin.site.index


def dashboard_index(request, extra_context=None):
    return _site_index(request, {**dashboard.dashboard_context(user=request.user), **(extra_context or {})})


admin.site.index = dashboard_index

# Django 6.1's words that its Traditional Chinese catalogue does not have yet (the blank choice of a select,
# the date hierarchy's label): marked here so that they are in the portal's catalogue, whose translation
# Django then uses (settings.LOCALE_PATHS come before Django's own).
DJANGO_WORDS = (_("- Select an option -"), _("Filter by %(field_name)s"))

# The core's own notices (the clocks'); each app registers the words for its own (AppConfig.ready).
dashboard.register_notice_kinds(
    {
        "deadline_reminder": _("Clock due tomorrow: reminder"),
        "deadline_escalation": _("Clock overdue: escalation to the Programme Director"),
    }
)


class RoleFilter(admin.SimpleListFilter):
    """The roles (cpp_registry.roles) by their names in the page's language: a group's own name is a key."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role.name, role.label) for role in Role]

    def queryset(self, request, queryset):
        if self.value() in Role.names:
            return queryset.filter(groups__name=Role[self.value()].value)
        return queryset


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin):
    """People are deactivated, never deleted: their name stays on what they did (votes, decisions)."""

    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", RoleFilter, "language"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "first_name", "last_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "language", "password1", "password2"]})]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label_from_instance = role_label  # a role by its name in the page's language
        return field


def role_label(group):
    return str(Role(group.name).label) if group.name in Role.values else group.name


@admin.register(ClosureDay)
class ClosureDayAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """Marking, moving or unmarking a closure day moves every running clock that spans it
    (docs/rules.md, clocks), through the service, which reads the old date from the locked row — never from
    the form's copy."""

    list_display = ["date", "reason", "note"]
    list_filter = ["reason"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        saved = closures.closure_day_save(
            date=obj.date, reason=obj.reason, note=obj.note, closure_day=obj if change else None, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        closures.closure_day_remove(closure_day=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            closures.closure_day_remove(closure_day=day, actor=request.user)


class DeadlineStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            ("due_soon", _("Due soon")),
            ("overdue", _("Overdue")),
            ("stopped", _("Stopped")),
            ("met_on_time", _("Met on time")),
            ("met_late", _("Met late")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "open":
                return queryset.filter(met_at__isnull=True)
            case "due_soon":
                soon = workdays.working_days_after(today, 1)
                return queryset.running().filter(due_day__gte=today, due_day__lte=soon)
            case "overdue":
                return queryset.running().filter(due_day__lt=today)
            case "stopped":
                return queryset.filter(met_at__isnull=True, stopped_on__isnull=False)
            case "met_on_time":
                return queryset.filter(met_at__isnull=False, met_on_time=True)
            case "met_late":
                return queryset.filter(met_at__isnull=False, met_on_time=False)
        return queryset


class DeadlineEventInline(admin.TabularInline):
    """The clock's audit: every start, stop, restart, meeting and move, with who, when and why."""

    model = DeadlineEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "due_day", "by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class DeadlineResource(ExportResource):
    """The clocks as officers report on them: what, about what, when due, met or not, whose."""

    kind = text_column("get_kind_display", _("clock"))
    subject_type = Field(column_name=_("subject type"))
    subject = Field(column_name=_("subject"))
    start_day = date_column("start_day", _("start day"))
    due_day = date_column("due_day", _("due day"))
    state = Field(column_name=_("state"))
    stopped_on = date_column("stopped_on", _("stopped on"))
    met_at = datetime_column("met_at", _("met at"))
    owner = Field(column_name=_("owner"))
    restarts = number_column("restarts", _("restarts"))

    class Meta:
        model = Deadline
        fields = ["kind", "subject_type", "subject", "start_day", "due_day", "state", "stopped_on", "met_at",
                  "owner", "restarts"]  # fmt: skip

    def dehydrate_subject_type(self, clock):
        return str(clock.content_type.name)

    def dehydrate_subject(self, clock):
        return str(clock.subject) if clock.subject is not None else ""

    def dehydrate_state(self, clock):
        return dashboard.clock_state(clock)

    def dehydrate_owner(self, clock):
        return dashboard.clock_owner(clock)


@admin.register(Deadline)
class DeadlineAdmin(ExportAdminMixin, admin.ModelAdmin):
    """Clocks are started, stopped and met by the processes they time; here only who owns one changes."""

    resource_classes = [DeadlineResource]
    list_display = [
        "kind",
        "subject_label",
        "start_day",
        "due_day",
        "stopped_on",
        "met_at",
        "met_on_time",
        "owner_label",
    ]
    list_filter = [DeadlineStatusFilter, "kind"]
    list_select_related = ["content_type", "owner"]
    date_hierarchy = "due_day"
    readonly_fields = [
        "kind", "content_type", "object_id", "subject_label", "start_day", "due_day", "stopped_on", "restarts",
        "met_at", "met_on_time", "reminded_at", "escalated_at", "created_at",
    ]  # fmt: skip
    fields = [*readonly_fields, "owner", "owner_role"]

    inlines = [DeadlineEventInline]

    def get_queryset(self, request):
        # Each clock's subject for its label: one query per kind of subject (cpp_registry.dashboard).
        return (
            super()
            .get_queryset(request)
            .select_related("content_type", "owner")
            .prefetch_related(dashboard.subject_prefetch())
        )

    @admin.display(description=_("subject"))
    def subject_label(self, obj):
        return dashboard.subject_link(obj, obj.subject)

    @admin.display(description=_("owner"), ordering="owner__full_name")
    def owner_label(self, obj):
        return dashboard.clock_owner(obj)

    def has_add_permission(self, request):
        return False  # clocks are started by the processes they time, never by hand

    def save_model(self, request, obj, form, change):
        # Only the owner: the in-memory due day may be stale (a closure day moved it meanwhile).
        Deadline.objects.filter(pk=obj.pk).update(owner=obj.owner, owner_role=obj.owner_role)

    def has_delete_permission(self, request, obj=None):
        return False


class NoticeStatusFilter(admin.SimpleListFilter):
    """Where each notice is on its way (Notice.delivery): pending, sending (retrying), sent, given up."""

    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return Notice.Delivery.choices

    def queryset(self, request, queryset):
        unsent = queryset.filter(sent_at__isnull=True)
        match self.value():
            case Notice.Delivery.SENT:
                return queryset.filter(sent_at__isnull=False)
            case Notice.Delivery.GIVEN_UP:
                return unsent.filter(given_up_at__isnull=False)
            case Notice.Delivery.SENDING:
                return unsent.filter(given_up_at__isnull=True, attempts__gt=0)
            case Notice.Delivery.PENDING:
                return unsent.filter(given_up_at__isnull=True, attempts=0)
        return queryset


class NoticeKindFilter(admin.SimpleListFilter):
    """The kind of notice in words (each app registers its own: cpp_registry.dashboard), not its template key."""

    title = _("kind of notice")
    parameter_name = "template_key"

    def lookups(self, request, model_admin):
        return dashboard.notice_kinds()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(template_key=self.value())
        return queryset


class NoticeResource(ExportResource):
    """The written notices: when, to whom, what kind, where each is on its way."""

    created_at = datetime_column("created_at", _("created"))
    kind = Field(column_name=_("kind of notice"))
    recipient_email = text_column("recipient_email", _("recipient email"))
    language = text_column("get_language_display", _("language"))
    subject = text_column("subject", _("subject"))
    related = Field(column_name=_("about"))
    delivery = Field(column_name=_("delivery"))
    sent_at = datetime_column("sent_at", _("sent"))
    attempts = number_column("attempts", _("attempts"))
    last_error = text_column("last_error", _("last error"))

    class Meta:
        model = Notice
        fields = ["created_at", "kind", "recipient_email", "language", "subject", "related", "delivery", "sent_at",
                  "attempts", "last_error"]  # fmt: skip

    def dehydrate_kind(self, notice):
        return dashboard.notice_kind_label(notice.template_key)

    def dehydrate_related(self, notice):
        if notice.content_type_id is None:
            return ""
        return f"{notice.content_type.name} #{notice.object_id}"

    def dehydrate_delivery(self, notice):
        return str(notice.delivery.label)


@admin.register(Notice)
class NoticeAdmin(ExportAdminMixin, admin.ModelAdmin):
    resource_classes = [NoticeResource]
    list_display = ["created_at", "recipient_email", "subject", "kind", "delivery", "sent_at", "attempts"]
    list_filter = [NoticeStatusFilter, NoticeKindFilter, "language"]
    list_select_related = ["content_type"]
    search_fields = ["recipient_email", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = ["kind", "delivery", *(f.name for f in Notice._meta.fields if f.name != "template_key")]
    exclude = ["template_key"]  # its kind in words instead (`kind`)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was sent is kept for good (§4.1.4, §6.1.1–6.1.4: notice in writing)

    @admin.display(description=_("delivery"))
    def delivery(self, obj: Notice) -> str:
        return obj.delivery.label

    @admin.display(description=_("kind of notice"), ordering="template_key")
    def kind(self, obj: Notice) -> str:
        return dashboard.notice_kind_label(obj.template_key)

    @admin.action(description=_("Resend the selected unsent notices"), permissions=["change"])
    def resend(self, request, queryset):
        """Each unsent notice through the service (cpp_registry.notices.notice_resend), which clears its error
        and its give-up and queues it again; a sent one is left as it is, and the officer told so."""
        count = sum(notice_resend(notice=n) for n in queryset.filter(sent_at__isnull=True))
        self.message_user(
            request,
            ngettext("%(count)d notice queued again.", "%(count)d notices queued again.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
        sent = queryset.filter(sent_at__isnull=False).count()
        if sent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notice was sent already: it is left as it is.",
                    "%(count)d notices were sent already: they are left as they are.",
                    sent,
                )
                % {"count": sent},
                messages.WARNING,
            )
