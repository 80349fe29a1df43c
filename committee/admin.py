"""The Secretariat's back office for motions (issue 4): every button and action goes through the services.

A draft is edited here; Open, Close and Carry out are buttons on the motion (and actions on the list);
a meeting's votes are entered on the members' behalf (the vote keeps who recorded it). The transition log
(django-fsm-log) and the history (django-simple-history) of motions and votes are shown.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cpp_registry import dashboard
from cpp_registry.admin_base import HistoryAdmin, RegisterAdmin, TransitionLogInline
from cpp_registry.models import Deadline

from . import registry, services
from .forms import RecordVotesForm
from .models import Motion, Paper, Vote
from .views import result_message

DRAFT_FIELDS = ["kind", "subject_type", "subject_id", "question_en", "question_zh"]
DRAFT_FIELDS += ["recommendation_en", "recommendation_zh", "closes_on", "meeting"]
RECORD_FIELDS = [
    "subject_label_en", "subject_label_zh",
    "status", "outcome", "votes_for", "votes_against", "votes_abstain", "created_at", "created_by",
    "opened_at", "opened_by", "closed_at", "closed_by", "carry_out_due", "carried_out_at", "carried_out_by",
    "carry_out_note",
]  # fmt: skip


def _is_draft(obj):
    return obj is None or obj.status == Motion.Status.DRAFT


class PaperInline(admin.TabularInline):
    model = Paper
    extra = 0
    fields = ["order", "title_en", "title_zh", "document", "link"]

    # The papers are fixed once the motion is put to the members.
    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class VoteInline(admin.TabularInline):
    """Votes are read here; they are entered by members, or with "Record a meeting's votes"."""

    model = Vote
    extra = 0
    fields = ["member", "choice", "cast_at", "changed_at", "recorded_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "recorded_by")


class MotionStateLogInline(TransitionLogInline):
    transition_labels = {
        "open": _("Opened for votes"),
        "close": _("Closed and the votes counted"),
        "carry_out": _("Decision carried out (§6.1.4)"),
    }


def register_back_office():
    """What the Secretariat's home page shows of motions: drafts to open, open ones to close, decisions to
    carry out with their 10-working-day clock (called by CommitteeConfig.ready)."""

    def motions(status, since, clock=False):
        def items():
            queryset = Motion.objects.filter(status=status).annotate(queue_since=since)
            if clock:
                running = Deadline.objects.filter(
                    content_type=ContentType.objects.get_for_model(Motion),
                    object_id=OuterRef("pk"),
                    kind=Deadline.Kind.DECISION_CARRY_OUT,
                    met_at__isnull=True,
                )
                queryset = queryset.annotate(queue_due=Subquery(running.values("due_day")[:1]))
            return queryset

        return items

    S = Motion.Status
    for order, (status, label, since, clock) in enumerate(
        [
            (S.DRAFT, _("Motions to open for votes"), F("created_at"), False),
            (S.OPEN, _("Motions to close"), F("opened_at"), False),
            (S.CLOSED, _("PMC decisions to carry out (§6.1.4)"), F("closed_at"), True),
        ],
        start=50,
    ):
        dashboard.register_queue(
            key=f"committee.{status}",
            label=label,
            model=Motion,
            items=motions(status, since, clock),
            filters=f"status__exact={status}",
            order=order,
        )
    dashboard.register_notice_kinds(
        {
            "motion_opened": _("PMC motion open for votes"),
            "motion_result": _("PMC motion: the result"),
            "motion_decided": _("Decision of the PMC"),
        }
    )


@admin.register(Motion)
class MotionAdmin(RegisterAdmin):
    change_form_template = "admin/committee/motion/change_form.html"
    list_display = ["reference", "kind", "subject_label_en", "status", "outcome", "votes", "opened_at", "closed_at"]
    list_filter = ["status", "kind", "outcome"]
    search_fields = ["question_en", "question_zh", "subject_label_en", "subject_label_zh"]
    inlines = [PaperInline, VoteInline, MotionStateLogInline]
    actions = ["open_selected", "close_selected", "carry_out_selected"]
    fieldsets = [
        (None, {"fields": DRAFT_FIELDS}),
        (_("Decision"), {"fields": RECORD_FIELDS}),
    ]

    @admin.display(description=_("motion"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("for / against / abstain"))
    def votes(self, obj):
        if obj.outcome:
            return f"{obj.votes_for} / {obj.votes_against} / {obj.votes_abstain}"
        return "—"

    @admin.display(description=_("carry out by"))
    def carry_out_due(self, obj):
        clock = Deadline.objects.for_subject(obj).filter(kind=Deadline.Kind.DECISION_CARRY_OUT).first()
        if clock is None:
            return "—"
        return f"{clock.due_day:%Y-%m-%d}" + (f" ({gettext('met')} {clock.met_at:%Y-%m-%d})" if clock.met_at else "")

    def get_readonly_fields(self, request, obj=None):
        return RECORD_FIELDS if _is_draft(obj) else DRAFT_FIELDS + RECORD_FIELDS

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "subject_type" in form.base_fields:
            # Only what some app registered as a possible subject (committee.registry).
            models = registry.subject_models()
            form.base_fields["subject_type"].queryset = ContentType.objects.filter(
                pk__in=[ContentType.objects.get_for_model(m).pk for m in models]
            )
            form.base_fields["subject_type"].help_text = _(
                "What the motion is about: a provider, an application, a case."
            )
        return form

    def save_model(self, request, obj, form, change):
        # A refusal (the motion was opened meanwhile, no such subject) is shown on the form (RegisterAdmin).
        services.motion_draft_save(motion=obj, actor=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["motion_buttons"] = self._buttons(request, obj) if obj is not None else []
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _buttons(self, request, obj):
        if not self.has_change_permission(request, obj):
            return []
        buttons = {
            Motion.Status.DRAFT: [("open", _("Open for votes"))],
            Motion.Status.OPEN: [("close", _("Close and count the votes"))],
            Motion.Status.CLOSED: [("carry_out", _("Carry out the decision"))],
        }.get(obj.status, [])
        urls = [(reverse(f"admin:committee_motion_{name}", args=[obj.pk]), label, True) for name, label in buttons]
        if obj.status == Motion.Status.OPEN and request.user.has_perm("committee.record_vote"):
            urls.append(
                (reverse("admin:committee_motion_record_votes", args=[obj.pk]), _("Record a meeting's votes"), False)
            )
        return urls

    # Buttons on one motion and actions on many: each calls the service, which locks and checks.

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<path:object_id>/open/", wrap(self.open_view), name="committee_motion_open"),
            path("<path:object_id>/close/", wrap(self.close_view), name="committee_motion_close"),
            path("<path:object_id>/carry-out/", wrap(self.carry_out_view), name="committee_motion_carry_out"),
            path("<path:object_id>/record-votes/", wrap(self.record_votes_view), name="committee_motion_record_votes"),
            *super().get_urls(),
        ]

    def _run(self, request, motion, service):
        try:
            motion = service(motion=motion, actor=request.user)
        except services.CommitteeError as exc:
            self.message_user(request, f"{motion.reference}: {exc}", messages.ERROR)
            return False
        self.message_user(request, f"{motion.reference}: {self._done_message(motion)}", messages.SUCCESS)
        return True

    @staticmethod
    def _done_message(motion):
        if motion.status == Motion.Status.OPEN:
            return gettext("opened for votes; every member has been told.")
        if motion.status == Motion.Status.CLOSED:
            return result_message(motion)
        return gettext("Decision carried out: %(note)s") % {"note": motion.carry_out_note}

    def _button(self, request, object_id, service):
        motion = self.get_object(request, unquote(object_id))  # None for a malformed or unknown id
        if motion is None:
            raise Http404
        if not self.has_change_permission(request, motion):
            raise PermissionDenied
        self._run(request, motion, service)
        return HttpResponseRedirect(reverse("admin:committee_motion_change", args=[motion.pk]))

    def open_view(self, request, object_id):
        return require_POST(lambda r: self._button(r, object_id, services.motion_open))(request)

    def close_view(self, request, object_id):
        return require_POST(lambda r: self._button(r, object_id, services.motion_close))(request)

    def carry_out_view(self, request, object_id):
        return require_POST(lambda r: self._button(r, object_id, services.motion_carry_out))(request)

    def _act(self, request, queryset, service):
        for motion in queryset.order_by("pk"):
            self._run(request, motion, service)

    @admin.action(description=_("Open the selected motions for votes"), permissions=["change"])
    def open_selected(self, request, queryset):
        self._act(request, queryset, services.motion_open)

    @admin.action(description=_("Close the selected motions and count the votes"), permissions=["change"])
    def close_selected(self, request, queryset):
        self._act(request, queryset, services.motion_close)

    @admin.action(description=_("Carry out the decisions of the selected motions"), permissions=["change"])
    def carry_out_selected(self, request, queryset):
        self._act(request, queryset, services.motion_carry_out)

    def record_votes_view(self, request, object_id):
        """A meeting's votes, entered by the Secretariat on the members' behalf, all or none."""
        motion = self.get_object(request, unquote(object_id))  # None for a malformed or unknown id
        if motion is None:
            raise Http404
        if not request.user.has_perm("committee.record_vote"):
            raise PermissionDenied
        change_url = reverse("admin:committee_motion_change", args=[motion.pk])
        current = {v.member_id: v.get_choice_display() for v in motion.votes.all()}
        form = RecordVotesForm(
            request.POST if request.method == "POST" else None, members=services.pmc_members(), current=current
        )
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    changed = sum(
                        services.vote_cast(motion=motion, member=member, choice=choice, actor=request.user)[1]
                        for member, choice in form.entries()
                    )
            except services.CommitteeError as exc:
                self.message_user(request, gettext("No vote was recorded: %(why)s") % {"why": exc}, messages.ERROR)
            else:
                self.message_user(
                    request, gettext("%(count)d vote(s) recorded or changed.") % {"count": changed}, messages.SUCCESS
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": motion,
            "form": form,
            "change_url": change_url,
            "title": gettext("Record a meeting's votes: %(ref)s") % {"ref": motion.reference},
        }
        return TemplateResponse(request, "admin/committee/motion/record_votes.html", context)


@admin.register(Vote)
class VoteAdmin(HistoryAdmin):
    """Read-only: the votes and their history (every cast and change, and who entered it)."""

    list_display = ["motion", "member", "choice", "cast_at", "changed_at", "recorded_by"]
    list_filter = ["choice"]
    list_select_related = ["motion", "member", "recorded_by"]
    search_fields = ["member__email", "member__full_name"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
