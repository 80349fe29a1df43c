import datetime
import logging

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.middleware.csp import get_nonce
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

from . import dashboard
from .documents import document_response
from .models import Deadline
from .roles import STAFF_ROLES, Role


@login_not_required
def home(request):
    return render(request, "core/home.html")


@login_not_required
def healthz(request):
    return JsonResponse({"status": "ok", "time": timezone.now().isoformat()})


@login_not_required
def favicon(request):
    """Pages that are not ours (the admin's) make browsers ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def document(request, name):
    """Any uploaded document, to those entitled to it only (cpp_registry.documents)."""
    return document_response(user=request.user, name=name)


DEADLINES_PER_PAGE = 50


class DeadlineFilterForm(forms.Form):
    """The deadlines list's filters (GET): a value that is not one of the choices is ignored, never a 500."""

    kind = forms.ChoiceField(label=_("Clock"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    window = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[
            ("", _("Any open clock")),
            ("overdue", _("Overdue")),
            ("this_week", _("Due this week")),
            ("next_week", _("Due next week")),
            ("stopped", _("Stopped (information owed)")),
        ],
    )

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Every kind")), *Deadline.Kind.choices]
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            *(
                (f"role:{role.name}", dashboard.owner_label(full_name=None, email=None, role=role))
                for role in STAFF_ROLES
            ),
            *((str(user.pk), str(user)) for user in owners),
        ]


def _deadlines_filtered(queryset, data, *, user, today):
    if data.get("kind"):
        queryset = queryset.filter(kind=data["kind"])
    owner = data.get("owner") or ""
    if owner == "me":
        queryset = queryset.filter(owner=user)
    elif owner.startswith("role:"):
        queryset = queryset.filter(owner__isnull=True, owner_role=Role[owner.removeprefix("role:")].value)
    elif owner.isdigit():
        queryset = queryset.filter(owner_id=int(owner))
    end = dashboard.week_end(today)
    match data.get("window"):
        case "overdue":
            return queryset.running().filter(due_day__lt=today)
        case "this_week":
            return queryset.running().filter(due_day__gte=today, due_day__lte=end)
        case "next_week":
            return queryset.running().filter(due_day__gt=end, due_day__lte=end + datetime.timedelta(days=7))
        case "stopped":
            return queryset.filter(stopped_on__isnull=False)
    return queryset


@staff_member_required
def deadlines_overview(request):
    """The Secretariat's list of open clocks to work from (issue 10 §4): filtered by kind, owner and due
    window, the overdue ones marked, each row linked to its subject's page in the back office, 50 a page,
    and the counts per kind above it — a fixed number of queries whatever the number of clocks (the
    subjects come one query per kind of subject: cpp_registry.dashboard.subject_prefetch)."""
    if not request.user.has_perm(dashboard.CLOCKS_PERMISSION):
        raise PermissionDenied
    today = timezone.localdate()
    owners = get_user_model().objects.filter(deadlines__met_at__isnull=True).distinct().order_by("full_name", "email")
    form = DeadlineFilterForm(request.GET or None, owners=owners)
    form.is_valid()  # each filter whose value is one of its choices applies; any other is left out
    data = getattr(form, "cleaned_data", {})
    clocks = _deadlines_filtered(
        Deadline.objects.open().select_related("content_type", "owner"), data, user=request.user, today=today
    ).order_by("due_day", "id")
    clocks = clocks.prefetch_related(dashboard.subject_prefetch())
    page = Paginator(clocks, DEADLINES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "clock": clock,
            "kind": clock.get_kind_display(),
            "subject": dashboard.subject_link(clock, clock.subject),
            "owner": dashboard.clock_owner(clock),
            "state": dashboard.clock_state(clock, today),
            "overdue": clock.stopped_on is None and clock.due_day < today,
        }
        for clock in page.object_list
    ]
    counts = {
        row["kind"]: row
        for row in Deadline.objects.open()
        .values("kind")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_day__lt=today, stopped_on__isnull=True)),
            stopped=Count("id", filter=Q(stopped_on__isnull=False)),
        )
        .order_by()
    }
    kinds = [
        {"kind": kind, "label": label, **counts.get(kind, {"open": 0, "overdue": 0, "stopped": 0})}
        for kind, label in Deadline.Kind.choices
    ]
    context = {
        **admin.site.each_context(request),
        "title": gettext("Deadlines"),
        "form": form,
        "page": page,
        "clocks": rows,
        "rows": kinds,
        "today": today,
        "week_end": dashboard.week_end(today),
    }
    return render(request, "core/deadlines_overview.html", context)


# The portal's own error pages, in the base layout and the request's language (docs/forms.md): wired as
# handler400/403/404/500 in urls.py (which Django calls only when DEBUG is off; with DEBUG on it shows its
# debug pages) and CSRF_FAILURE_VIEW in settings (always).


logger = logging.getLogger(__name__)
SERVER_ERROR_FALLBACK = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Server error</title>'
    "<h1>Sorry, there is a problem with the portal</h1><p>Please try again in a few minutes.</p>"
    '<p lang="zh-Hant-HK">抱歉，本網站出現問題，請於數分鐘後再試。</p>'
    '<p lang="zh-Hans-CN">抱歉，本网站出现问题，请于数分钟后再试。</p><p><a href="/">Home · 主頁 · 首页</a></p></html>'
)


def _error_language(request):
    """The request's language (set by LocaleMiddleware), else its URL prefix's, else English."""
    return (
        getattr(request, "LANGUAGE_CODE", None)
        or translation.get_language_from_path(request.path_info)
        or settings.LANGUAGE_CODE
    )


def _bare_error_page(request, template_name, status):
    """An error page from a plain context: no context processor runs, so nothing reads the session, the user
    or the database — the failure may be the database's, or the request itself may be unreadable."""
    context = {"request": request, "secretariat": settings.SECRETARIAT_CONTACT, "csp_nonce": get_nonce(request)}
    with translation.override(_error_language(request)):
        return HttpResponse(loader.render_to_string(template_name, context), status=status)


def bad_request(request, exception):
    """400: a request the portal cannot read (a bad host, a mangled address or form)."""
    return _bare_error_page(request, "errors/400.html", 400)


@requires_csrf_token
def permission_denied(request, exception):
    """403: this person may not open this page; a log-in link when nobody is logged in."""
    return render(request, "errors/403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception):
    """404, in the language of the address (English when it has no language prefix)."""
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """500: rendered without touching the database (see _bare_error_page); should the layout itself be what
    fails, a page that needs nothing at all."""
    try:
        return _bare_error_page(request, "errors/500.html", 500)
    except Exception:
        logger.exception("The 500 page could not be rendered")
        return HttpResponse(SERVER_ERROR_FALLBACK, status=500)


def csrf_failure(request, reason=""):
    """403 for a form sent from a page that had expired (no or an old CSRF token): go back and try again."""
    return render(request, "errors/csrf_failure.html", status=403)
