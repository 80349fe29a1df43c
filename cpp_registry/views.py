from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone

from .documents import document_response
from .models import Deadline


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


@staff_member_required
def deadlines_overview(request):
    """Staff page: open and overdue clocks per kind (one query)."""
    today = timezone.localdate()
    counts = {
        row["kind"]: row
        for row in Deadline.objects.open()
        .values("kind")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_day__lt=today, stopped_on__isnull=True)),
            stopped=Count("id", filter=Q(stopped_on__isnull=False)),
        )
    }
    rows = [
        {"kind": kind, "label": label, **counts.get(kind, {"open": 0, "overdue": 0, "stopped": 0})}
        for kind, label in Deadline.Kind.choices
    ]
    return render(request, "core/deadlines_overview.html", {"rows": rows, "today": today})
