"""Multi-factor sign-in (OWASP ASVS L2): required for every member of staff and every PMC member.

django-allauth's MFA app does the work — the authenticator app (TOTP) with recovery codes, and the code
asked at log-in after the password of anybody who has one. This module adds the rule:

- `mfa_required(user)`: staff (superusers included) and PMC members — anybody who may see the committee's
  motions, which the PMC member role grants and the staff roles that see them share. Optional for providers
  and factory users, who can turn it on from their account page.
- `MFARequiredMiddleware`: such a user without an authenticator app is sent to set one up before any page
  that needs a log-in — the portal's own, the committee's, the back office (/admin/). The pages that set it
  up (and confirm the password first), the verification of the email address it needs, and log-out stay
  open; so do the public pages, which show nothing more to a logged-in person than to anybody.
- Whether a user has one is recorded in the session when they log in (Django's `user_logged_in`, which a
  test's `client.force_login` sends too) and when they add or remove one (allauth's signals), so that a
  page costs no extra query; without that record the database is asked. An authenticator removed by
  somebody else (the back office) counts from that user's next log-in.

Nothing here imports a model at import time: this module is also the app config that connects the signals
at start-up (`MFARuleConfig` in INSTALLED_APPS), before any test logs anybody in.
"""

from pathlib import Path
from urllib.parse import urlencode

from django.apps import AppConfig
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "cpp_registry.mfa.totp_user"
# The permission that marks the people who see the committee's papers: PMC members and the staff who may.
COMMITTEE_PERMISSION = "committee.view_motion"
# The pages a user who must set up MFA may still open (URL names).
OPEN_WITHOUT_MFA = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_reauthenticate",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "account_reauthenticate",
    "account_email",
    "account_email_verification_sent",
    "account_logout",
    "admin:logout",
}


def mfa_required(user) -> bool:
    """Staff and PMC members must sign in with a second factor. `has_perm` reads the permissions the
    navigation reads on every page anyway (one cache on the user), so asking costs no extra query."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or user.has_perm(COMMITTEE_PERMISSION))


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` at `at` (now by default): for `demo_totp` and tests."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    moment = time.time() if at is None else at
    return format_hotp_value(hotp_value(secret, int(moment) // app_settings.TOTP_PERIOD))


def _remember_at_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    if has_totp(user):
        session[SESSION_KEY] = user.pk
    else:
        session.pop(SESSION_KEY, None)


def _remember_added(sender, request, user, authenticator, **kwargs):
    if authenticator.type == authenticator.Type.TOTP and request is not None:
        request.session[SESSION_KEY] = user.pk


def _forget_removed(sender, request, user, authenticator, **kwargs):
    if authenticator.type == authenticator.Type.TOTP and request is not None:
        request.session.pop(SESSION_KEY, None)


class MFARuleConfig(AppConfig):
    """Connects the session record of "has an authenticator app" at start-up."""

    name = "cpp_registry.mfa"
    label = "mfa_rule"
    verbose_name = "Multi-factor sign-in rule"
    # A module, not a package: it has no templates, commands or catalogue of its own, so its "folder" is one
    # that does not exist (the core's folder would have Django look for the core's commands under this name).
    path = str(Path(__file__).with_suffix(""))

    def ready(self):
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_remember_at_login, dispatch_uid="cpp_registry.mfa.login")
        mfa_signals.authenticator_added.connect(_remember_added, dispatch_uid="cpp_registry.mfa.added")
        mfa_signals.authenticator_removed.connect(_forget_removed, dispatch_uid="cpp_registry.mfa.removed")


class MFARequiredMiddleware:
    """Sends staff and PMC members without an authenticator app to set one up (after
    LoginRequiredMiddleware: an anonymous visitor is asked to log in first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None  # a public page: nothing on it needs a second factor (and it reads no session)
        user = request.user
        if not user.is_authenticated or request.session.get(SESSION_KEY) == user.pk:
            return None
        if not mfa_required(user):
            return None
        if has_totp(user):  # set up since the log-in, and the session not told yet
            request.session[SESSION_KEY] = user.pk
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_WITHOUT_MFA:
            return None
        messages.warning(
            request,
            _(
                "Your account needs two-factor sign-in. Set up an authenticator app to continue: scan the "
                "code with the app and enter the code it shows."
            ),
            fail_silently=True,
        )
        return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
