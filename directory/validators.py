from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# A Hong Kong Business Registration number: the first 8 digits of the certificate number.
br_number_validator = RegexValidator(
    r"^\d{8}$", _("A Business Registration number has exactly 8 digits (for example 12345678).")
)
