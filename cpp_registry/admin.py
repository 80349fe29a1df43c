from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import closures, workdays
from .admin_base import HistoryAdmin as SimpleHistoryAdmin
from .admin_base import NoDeleteMixin, ServiceAdminMixin
from .models import ClosureDay, Deadline, DeadlineEvent, Notice, User
from .notices import notice_resend


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin):
    """People are deactivated, never deleted: their name stays on what they did (votes, decisions)."""

    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups", "language"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "first_name", "last_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "language", "password1", "password2"]})]


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


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    """Clocks are started, stopped and met by the processes they time; here only who owns one changes."""

    list_display = ["kind", "subject_label", "start_day", "due_day", "stopped_on", "met_at", "met_on_time", "owner"]
    list_filter = [DeadlineStatusFilter, "kind"]
    list_select_related = ["content_type", "owner"]
    date_hierarchy = "due_day"
    readonly_fields = [
        "kind", "content_type", "object_id", "start_day", "due_day", "stopped_on", "restarts",
        "met_at", "met_on_time", "reminded_at", "escalated_at", "created_at",
    ]  # fmt: skip
    fields = [*readonly_fields, "owner", "owner_role"]

    inlines = [DeadlineEventInline]

    @admin.display(description=_("subject"))
    def subject_label(self, obj):
        return f"{obj.content_type.name} #{obj.object_id}"

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


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient_email", "subject", "template_key", "delivery", "sent_at", "attempts"]
    list_filter = [NoticeStatusFilter, "template_key", "language"]
    search_fields = ["recipient_email", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = ["delivery", *(f.name for f in Notice._meta.fields)]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was sent is kept for good (§4.1.4, §6.1.1–6.1.4: notice in writing)

    @admin.display(description=_("delivery"))
    def delivery(self, obj: Notice) -> str:
        return obj.delivery.label

    @admin.action(description=_("Resend the selected unsent notices"), permissions=["change"])
    def resend(self, request, queryset):
        """Clears the error and the give-up of each unsent notice and queues it again (sent ones stay)."""
        count = sum(notice_resend(notice=n) for n in queryset.filter(sent_at__isnull=True))
        self.message_user(
            request,
            ngettext("%(count)d notice queued again.", "%(count)d notices queued again.", count) % {"count": count},
            messages.SUCCESS,
        )
