"""Organisations (providers) and factories, and who acts for them.

Membership of a user is held here, on the directory side, so that the core stays free of the apps.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from .validators import br_number_validator


class BilingualName(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the page's language (Chinese for both scripts), falling back to the other."""
        if (get_language() or "en").startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh

    @property
    def other_name(self):
        other = self.name_en if (get_language() or "en").startswith("zh") else self.name_zh
        return "" if other == self.display_name else other


class Organisation(BilingualName):
    """An Environmental Technology Service Provider or an applicant to become one."""

    br_number = models.CharField(
        _("Business Registration number"), max_length=8, unique=True, validators=[br_number_validator]
    )
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="organisations", verbose_name=_("users")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_en"]


class Factory(BilingualName):
    """A Hong Kong-owned factory in Hong Kong or Guangdong taking part in the programme."""

    class Region(models.TextChoices):
        HONG_KONG = "HK", _("Hong Kong")
        GUANGDONG = "GD", _("Guangdong")

    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="factories", verbose_name=_("users")
    )

    class Meta:
        verbose_name = _("factory")
        verbose_name_plural = _("factories")
        ordering = ["name_en"]
