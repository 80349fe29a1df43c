"""Strings of the libraries we use that have no Traditional Chinese catalogue of their own, marked here so
that `make messages` carries them into the project's catalogue (locale/), which Django reads first.

django-phonenumber-field ships Simplified Chinese only: without this, a wrong phone number on a /zh-hant/
page was refused in English.
"""

from django.utils.translation import pgettext_lazy

LIBRARY_STRINGS = (
    pgettext_lazy(
        "{example_number} is a national phone number.",
        "Enter a valid phone number (e.g. {example_number}) or a number with an international call prefix.",
    ),
    pgettext_lazy(
        "{example_number} is an international phone number.", "Enter a valid phone number (e.g. {example_number})."
    ),
)
