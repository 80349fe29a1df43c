from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Log-in by email address, whatever its case (addresses are stored in lower case)."""

    error_messages = {
        "invalid_login": _("Please enter a correct email address and password. The password is case-sensitive."),
        "inactive": _("This account is inactive. Please contact the Secretariat."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()
