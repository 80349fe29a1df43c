import logging

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.middleware.csp import get_nonce
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone, translation
from django.views.decorators.csrf import requires_csrf_token

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
