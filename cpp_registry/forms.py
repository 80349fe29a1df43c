"""The portal's accounts through django-allauth: log-in and sign-up by email address, and what django-axes
counts a failed log-in against.

The email address is the user name, in any case (allauth keeps addresses in lower case and finds an
account whatever the case typed). Sign-up asks the person's full name and the language their written
notices read in first (cpp_registry.models.User); the address must be verified before the first log-in.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .mfa import mfa_required
from .models import User

WRONG_LOGIN = _("Please enter a correct email address and password. The password is case-sensitive.")


def axes_username(request, credentials):
    """django-axes: the account a log-in attempt counts against — the email address in lower case, from
    allauth's `authenticate(email=…)` or, before it, from the log-in form's `login` field."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("login") or credentials.get("username")
    if not value and request is not None:
        value = getattr(request, "POST", {}).get("login", "")
    return str(value or "").strip().lower()


class _NoAutofocusOnErrors:
    """When the form comes back with errors the error summary takes the focus (docs/forms.md), so no
    field keeps its autofocus."""

    def full_clean(self):
        super().full_clean()
        if self._errors:
            for field in self.fields.values():
                field.widget.attrs.pop("autofocus", None)


class LoginForm(_NoAutofocusOnErrors, AllauthLoginForm):
    """allauth's log-in (email address and password), focused on the address when the page opens."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email address")
        self.fields["login"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class SignupForm(_NoAutofocusOnErrors, AllauthSignupForm):
    """A new account: the email address (verified before the first log-in), the person's name and the
    language their written notices read in first, and a password."""

    full_name = forms.CharField(label=_("Full name"), max_length=200, widget=forms.TextInput({"autocomplete": "name"}))
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=User.Language.choices,
        help_text=_("Written notices are sent in this language first."),
    )
    field_order = ["email", "full_name", "language", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.fields["email"].widget.attrs["autofocus"] = True
        current = translation.get_language() or "en"
        self.fields["language"].initial = current if current in User.Language.values else User.Language.EN


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, with the portal's wording of a wrong log-in and the sign-up's extra fields."""

    error_messages = {**DefaultAccountAdapter.error_messages, "email_password_mismatch": WRONG_LOGIN}

    def save_user(self, request, user, form, commit=True):
        data = getattr(form, "cleaned_data", {})
        if data.get("full_name"):
            user.full_name = data["full_name"].strip()
        if data.get("language"):
            user.language = data["language"]
        return super().save_user(request, user, form, commit=commit)


class MFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter: staff and PMC members cannot turn their authenticator app off (cpp_registry.mfa)."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Two-factor sign-in is required for staff and PMC members: it cannot be turned off."
        ),
    }

    def can_delete_authenticator(self, authenticator):
        if authenticator.type == authenticator.Type.TOTP and mfa_required(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
