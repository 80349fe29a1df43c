"""Organisations (providers) and factories, and who acts for them.

Membership of a user is held here, on the directory side, so that the core stays free of the apps.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
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


class Category(models.TextChoices):
    """§3.1.3: the two registration categories."""

    CONSULTANCY = "1", _("Category 1 — Consultancy")
    CONSULTANCY_ENGINEERING = "2", _("Category 2 — Consultancy-engineering")


class RegistrationQuerySet(models.QuerySet):
    def live(self):
        """Provisional or confirmed: the registrations the directory shows (SPEC §6)."""
        return self.filter(status__in=Registration.LIVE)


class Registration(models.Model):
    """One organisation × one category (SPEC §3, decision), with its own lifecycle (§3.3, §5.2.4, §6.3).

    Transitions only declare source and target; the services in directory.services lock the row, call
    them, save, log (django-fsm-log) and queue the notice.
    """

    class Status(models.TextChoices):
        PROVISIONAL = "provisional", _("Provisional (P)")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED_EXPIRED = "cancelled_expired", _("Cancelled — expired")
        CANCELLED_SUBSTANDARD = "cancelled_substandard", _("Cancelled — substandard")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REMOVED = "removed", _("Removed")

    LIVE = (Status.PROVISIONAL, Status.CONFIRMED)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("organisation")
    )
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    status = FSMField(_("status"), default=Status.PROVISIONAL, choices=Status.choices, protected=True, db_index=True)
    granted_on = models.DateField(_("granted on"))
    valid_until = models.DateField(
        _("provisional until"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("§3.3.1: 24 months, through the day before the same date."),
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason it ended"), blank=True)
    needs_pmc_view = models.BooleanField(
        _("a new application needs the PMC's view"), default=False, help_text=_("§3.3.4")
    )
    expiry_reminders_sent = models.PositiveSmallIntegerField(
        _("expiry reminders sent"), default=0, help_text=_("0, 1 (90 days before) or 2 (30 days before).")
    )

    objects = RegistrationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["organisation__name_en", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "category"],
                condition=models.Q(status__in=["provisional", "confirmed"]),
                name="registration_one_live_per_category",
                violation_error_message=_("This organisation already holds a live registration in that category."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} — {self.get_category_display()} ({self.get_status_display()})"

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.PROVISIONAL, target=Status.CONFIRMED)
    def confirm(self, by=None, description=None):
        """§3.3.2."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.PROVISIONAL, target=Status.CANCELLED_EXPIRED)
    def expire(self, by=None, description=None):
        """§3.3.3."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.PROVISIONAL, target=Status.CANCELLED_SUBSTANDARD)
    def cancel_substandard(self, by=None, description=None):
        """§3.3.4."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[Status.PROVISIONAL, Status.CONFIRMED], target=Status.WITHDRAWN)
    def withdraw(self, by=None, description=None):
        """§5.2.4."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=[Status.PROVISIONAL, Status.CONFIRMED], target=Status.REMOVED)
    def remove(self, by=None, description=None):
        """§6.3."""


class Warning(models.Model):
    """A warning recorded against a provider (§6.1.4); it does not change any registration's state."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="warnings", verbose_name=_("organisation")
    )
    case_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("case type")
    )
    case_id = models.PositiveBigIntegerField(_("case id"), null=True, blank=True)
    case = GenericForeignKey("case_type", "case_id")
    issued_on = models.DateField(_("issued on"))
    text = models.TextField(_("text"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-issued_on", "-id"]

    def __str__(self):
        return f"{self.organisation} — {self.issued_on:%Y-%m-%d}"
