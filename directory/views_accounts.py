"""Accounts on the directory's side (issue 8 §1): a provider's user invites a colleague to act for the
organisation, withdraws an invitation, and the colleague accepts it. Thin: a form, a service, a refusal on
the form (docs/forms.md)."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cpp_registry.models import User

from . import selectors, services
from .models import Invitation


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your colleague's email address"),
        help_text=gettext_lazy("They log in, or create an account, with this address to accept."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the invitation"),
        choices=User.Language.choices,
        help_text=gettext_lazy("The invitation reads in this language first, then in the other."),
    )


class ConfirmForm(forms.Form):
    """No field: a button, and the service's refusal shown in the error summary."""


@require_http_methods(["GET", "POST"])
def invitation_create(request, pk):
    """Invite a colleague to act for an organisation the user acts for; its invitations, with a way to
    withdraw those still open. Another organisation's answers 404."""
    organisation = selectors.organisation_of(user=request.user, pk=pk)
    language = translation.get_language()
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        initial={"language": language if language in User.Language.values else "en"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation,
                inviter=request.user,
                email=form.cleaned_data["email"],
                language=form.cleaned_data["language"],
            )
        except services.RegisterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("The invitation is sent to %(email)s. It works for %(days)d days.")
                % {"email": invitation.email, "days": invitation.VALID_DAYS},
            )
            return redirect("directory:invitation_create", pk=organisation.pk)
    now = timezone.now()
    invitations = [
        (invitation, invitation.status_at(now)) for invitation in services.invitations_of(organisation=organisation)
    ]
    return render(
        request,
        "directory/invitation_form.html",
        {"organisation": organisation, "form": form, "invitations": invitations, "valid_days": Invitation.VALID_DAYS},
    )


@require_http_methods(["GET", "POST"])
def invitation_withdraw(request, pk):
    """Withdraw an invitation not yet used; its link stops working."""
    invitation = services.invitation_of(user=request.user, pk=pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_withdraw(invitation=invitation, actor=request.user)
        except services.RegisterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
            return redirect("directory:invitation_create", pk=invitation.organisation_id)
    return render(request, "directory/invitation_withdraw.html", {"invitation": invitation, "form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """The page the invitation's link opens: open to anybody holding the link, who is asked to log in (or
    sign up) with the address invited before accepting. An unknown link answers 404, a used, withdrawn or
    expired one 410, each saying why."""
    invitation = services.invitation_find(token=token)
    refusal = services.invitation_refusal(invitation=invitation)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not refusal:
        if not request.user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({REDIRECT_FIELD_NAME: request.path})}")
        if form.is_valid():
            try:
                accepted = services.invitation_accept(token=token, user=request.user)
            except services.RegisterError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("You now act for %(organisation)s.") % {"organisation": accepted.organisation.display_name},
                )
                return redirect("directory:mine")
    status = 404 if invitation is None else 410 if refusal else 200
    context = {
        "invitation": invitation,
        "refusal": refusal,
        "form": form,
        "login_url": f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: request.path})}",
        "signup_url": f"{reverse('account_signup')}?{urlencode({REDIRECT_FIELD_NAME: request.path})}",
        "other_address": bool(
            invitation and request.user.is_authenticated and request.user.email.lower() != invitation.email
        ),
    }
    return render(request, "directory/invitation_accept.html", context, status=status)
