"""Where a person lands after logging in (issue 10 §3): where their work is, unless they asked for a page.

allauth's adapter (`ACCOUNT_ADAPTER`) extends the portal's (cpp_registry.forms.AccountAdapter: wording and
sign-up fields). allauth asks `get_login_redirect_url` only when the log-in carried no `next`: a person sent
to log in by a page goes back to that page. Otherwise, the first that fits:

| who | lands on |
|---|---|
| staff | the back office's dashboard (`admin:index`) |
| a PMC member | the open motions (`committee:list`) |
| a user of an organisation on the register (it holds a registration) | my organisation (`directory:mine`) |
| a user of a factory | its cases (`complaints:list`) |
| an applicant with an application | my applications (`applications:dashboard`) |
| anyone else | home |

allauth then says "You are logged in as …" (templates/account/messages/logged_in.txt).

The core imports no app (pyproject.toml's contracts): what a user acts for is asked through the relations
the apps declare on the user — `organisations` and `factories` (directory), `applications_started`
(applications) — in one query, as the navigation does (cpp_registry.context_processors).
"""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .forms import AccountAdapter as PortalAccountAdapter
from .mfa import COMMITTEE_PERMISSION
from .roles import user_has


def _work_of(user: Any) -> dict[str, bool]:
    """{what: whether the user has it} — an organisation on the register, a factory, an application of
    their own or of an organisation they act for; one query."""
    checks = {}
    organisations = getattr(user, "organisations", None)
    if organisations is not None:
        checks["provider"] = organisations.filter(registrations__isnull=False)
        checks["organisation_applications"] = organisations.filter(applications__isnull=False)
    factories = getattr(user, "factories", None)
    if factories is not None:
        checks["factory"] = factories.all()
    started = getattr(user, "applications_started", None)
    if started is not None:
        checks["applications"] = started.all()
    return user_has(user, checks)


def landing_url(user: Any) -> str:
    """The page where `user`'s work is (the table above), in the active language."""
    if user.is_staff:
        return reverse("admin:index")
    if user.has_perm(COMMITTEE_PERMISSION):
        return reverse("committee:list")
    work = _work_of(user)
    if work.get("provider"):
        return reverse("directory:mine")
    if work.get("factory"):
        return reverse("complaints:list")
    if work.get("applications") or work.get("organisation_applications"):
        return reverse("applications:dashboard")
    return reverse("home")


class AccountAdapter(PortalAccountAdapter):
    """The portal's allauth adapter, sending each person to where their work is after logging in."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return landing_url(request.user)
