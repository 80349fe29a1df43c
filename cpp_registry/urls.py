from urllib.parse import urlencode

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from . import views


@never_cache
@login_not_required
def admin_login(request, extra_context=None):
    """The back office's log-in page: the portal's log-in (django-allauth), coming back to the page asked for.

    A member of staff already logged in goes on; somebody logged in without staff rights is refused (403)
    rather than sent round between the two log-in pages."""
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = ""
    target = target or reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(target)
        raise PermissionDenied
    return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({REDIRECT_FIELD_NAME: target})}")


admin.site.site_header = _("ETSP Registry — Secretariat")
admin.site.site_title = _("ETSP Registry")
admin.site.index_title = _("Back office")
# The back office has no log-in of its own: its log-in page sends to the portal's (django-allauth), so that
# the second factor staff must give (cpp_registry/mfa.py) and the lock-out after failures apply to it too.
admin.site.login = admin_login

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Pages that are not ours (the admin's) make browsers ask for /favicon.ico.
    path("favicon.ico", views.favicon, name="favicon"),
    path("documents/<path:name>", views.document, name="document"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    # Log-in, log-out, sign-up, email verification, password reset and change, and the second factor
    # (django-allauth): `account_login`, `account_logout`, `account_signup`, `mfa_activate_totp`, …
    path("accounts/", include("allauth.urls")),
    path("staff/deadlines/", views.deadlines_overview, name="deadlines_overview"),
    path("directory/", include("directory.urls")),
    path("committee/", include("committee.urls")),
    path("applications/", include("applications.urls")),
    path("complaints/", include("complaints.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

# The portal's own error pages, in the base layout and the page's language (cpp_registry/views.py).
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
