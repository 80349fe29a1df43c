from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views
from .forms import LoginForm

admin.site.site_header = _("ETSP Registry — Secretariat")
admin.site.site_title = _("ETSP Registry")
admin.site.index_title = _("Back office")

auth_urls = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Pages that are not ours (the admin's) make browsers ask for /favicon.ico.
    path("favicon.ico", views.favicon, name="favicon"),
    path("documents/<path:name>", views.document, name="document"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("accounts/", include(auth_urls)),
    path("staff/deadlines/", views.deadlines_overview, name="deadlines_overview"),
    path("directory/", include("directory.urls")),
    path("committee/", include("committee.urls")),
    path("applications/", include("applications.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

# The portal's own error pages, in the base layout and the page's language (cpp_registry/views.py).
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
