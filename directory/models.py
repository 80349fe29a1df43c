"""Organisations (providers) and factories, and who acts for them.

Membership of a user is held here, on the directory side, so that the core stays free of the apps.
"""

from django import forms
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from cpp_registry.documents import validate_document

from .search import search_text_for
from .validators import br_number_validator


class Area(models.TextChoices):
    """§1.2.1 (a)–(e): the areas of work of the programme's projects."""

    VOC = "a", _("(a) Low-VOC processes")
    FURNACES = "b", _("(b) Furnaces, boilers and auxiliary generators")
    ENERGY = "c", _("(c) Energy efficiency")
    WATER = "d", _("(d) Wastewater treatment and water reuse")
    SOLID_WASTE = "e", _("(e) Less solid waste")


class AreasFormField(forms.MultipleChoiceField):
    """Tick boxes for §1.2.1 (a)–(e); the model keeps the letters as one short string ("ace")."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        for unused in ("max_length", "empty_value"):
            kwargs.pop(unused, None)
        kwargs["choices"] = Area.choices
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return list(value) if isinstance(value, str) else value

    def clean(self, value):
        return "".join(sorted(set(super().clean(value))))

    def has_changed(self, initial, data):
        return super().has_changed(list(initial or ""), data)


class AreasField(models.CharField):
    """The letters of §1.2.1 (a)–(e) held, sorted, in one column: filtered with `contains`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("validators", [RegexValidator(r"^a?b?c?d?e?$", _("Choose areas among (a) to (e)."))])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        kwargs.pop("widget", None)  # the admin offers a text input for every CharField: tick boxes instead
        return super().formfield(**{**kwargs, "form_class": AreasFormField, "choices_form_class": AreasFormField})


_AREA_LABELS = dict(Area.choices)  # lazy labels: each is translated when shown, in the page's language


def area_labels(letters):
    return [_AREA_LABELS[letter] for letter in letters or "" if letter in _AREA_LABELS]


class District(models.TextChoices):
    """The 18 districts of Hong Kong, and one for an address outside Hong Kong."""

    CENTRAL_WESTERN = "central_western", _("Central and Western")
    WAN_CHAI = "wan_chai", _("Wan Chai")
    EASTERN = "eastern", _("Eastern")
    SOUTHERN = "southern", _("Southern")
    YAU_TSIM_MONG = "yau_tsim_mong", _("Yau Tsim Mong")
    SHAM_SHUI_PO = "sham_shui_po", _("Sham Shui Po")
    KOWLOON_CITY = "kowloon_city", _("Kowloon City")
    WONG_TAI_SIN = "wong_tai_sin", _("Wong Tai Sin")
    KWUN_TONG = "kwun_tong", _("Kwun Tong")
    KWAI_TSING = "kwai_tsing", _("Kwai Tsing")
    TSUEN_WAN = "tsuen_wan", _("Tsuen Wan")
    TUEN_MUN = "tuen_mun", _("Tuen Mun")
    YUEN_LONG = "yuen_long", _("Yuen Long")
    NORTH = "north", _("North")
    TAI_PO = "tai_po", _("Tai Po")
    SHA_TIN = "sha_tin", _("Sha Tin")
    SAI_KUNG = "sai_kung", _("Sai Kung")
    ISLANDS = "islands", _("Islands")
    OUTSIDE_HK = "outside_hk", _("Outside Hong Kong")


# The contact details of §5.1.1 (a) that a provider asks to change in writing (§5.2.1–5.2.2).
CONTACT_FIELDS = (
    "address_en",
    "address_zh",
    "district",
    "phone",
    "fax",
    "email",
    "website",
    "contact_person",
    "contact_title",
)


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
    """An Environmental Technology Service Provider or an applicant to become one.

    `version` is the optimistic lock of the back office (§5.2): every save through the admin or a
    service adds one, and a form that was opened on an older version is refused instead of overwriting.
    """

    class CodeOfConduct(models.TextChoices):
        TEMPLATE = "template", _("The programme's template")
        OWN = "own", _("Its own code")

    br_number = models.CharField(
        _("Business Registration number"),
        max_length=8,
        unique=True,
        validators=[br_number_validator],
        error_messages={"unique": _("An organisation with this Business Registration number is already registered.")},
    )
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    address_zh = models.CharField(_("address (Chinese)"), max_length=300, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    fax = PhoneNumberField(_("fax"), blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_title = models.CharField(_("contact person's title"), max_length=200, blank=True)
    areas = AreasField(_("declared areas of work"), help_text=_("§1.2.1 (a)–(e)"))
    code_of_conduct_kind = models.CharField(
        _("code of conduct"), max_length=10, choices=CodeOfConduct.choices, blank=True, help_text=_("§7.1")
    )
    code_of_conduct_file = models.FileField(
        _("signed code of conduct"), upload_to="code-of-conduct/", blank=True, validators=[validate_document]
    )
    code_of_conduct_received_on = models.DateField(_("code of conduct received on"), null=True, blank=True)
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    # Derived, not edited: whether the organisation holds a provisional or confirmed registration — what puts
    # it in the public directory (§5.1.1). Kept by directory.services.listing in the transaction of every
    # change to a registration, so that the directory counts and pages its providers from one partial index
    # instead of testing every organisation's registrations (issue 11 §4). Never written by `save()`.
    listed = models.BooleanField(_("listed in the directory"), default=False, editable=False)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="organisations", verbose_name=_("users")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at", "search_text", "listed"])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_en"]
        indexes = [
            # The back office's order of every organisation, applicants included.
            models.Index(fields=["name_en", "id"], name="organisation_directory_order"),
            # The directory's: its count reads this index alone, and a page of 20 walks it instead of sorting.
            models.Index(fields=["name_en", "id"], condition=models.Q(listed=True), name="organisation_listed_order"),
        ]

    def save(self, *args, **kwargs):
        # A derived column, not a business rule: the normalised names the directory searches.
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name_en", "name_zh"} & set(update_fields):
            update_fields = kwargs["update_fields"] = {*update_fields, "search_text"}
        if not self._state.adding:
            # `listed` belongs to the registrations (directory.services.listing): an edit opened before a grant
            # or an expiry must not write back the value it was loaded with.
            if update_fields is None:
                deferred = self.get_deferred_fields()
                update_fields = [
                    f.name
                    for f in self._meta.concrete_fields
                    if not f.primary_key and f.name != "listed" and f.attname not in deferred
                ]
            kwargs["update_fields"] = [name for name in update_fields if name != "listed"]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:detail", kwargs={"pk": self.pk})

    def refresh_search_text(self):
        self.search_text = search_text_for(self.name_en, self.name_zh)
        return self.search_text

    @property
    def display_address(self):
        if (get_language() or "en").startswith("zh"):
            return self.address_zh or self.address_en
        return self.address_en or self.address_zh

    @property
    def area_labels(self):
        return area_labels(self.areas)

    def contact_details(self):
        return {name: getattr(self, name) for name in CONTACT_FIELDS}


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
        """Provisional or confirmed: the registrations the directory shows (§3.3, §5.1.1)."""
        return self.filter(status__in=Registration.LIVE)


def _staff_may(permission):
    """A transition staff with `permission` may run (django-fsm's has_transition_perm)."""

    def check(instance, user):
        return bool(user and user.is_active and user.is_staff and user.has_perm(permission))

    return check


def _staff_or_own_users(permission):
    """§5.2.4: the provider itself asks in writing to leave, or staff record its letter."""
    staff = _staff_may(permission)

    def check(instance, user):
        if staff(instance, user):
            return True
        return bool(user and user.is_active and instance.organisation.users.filter(pk=user.pk).exists())

    return check


def _nobody(instance, user):
    """A transition only the scheduled job runs (actor None, to which no permission applies)."""
    return False


CHANGE_REGISTRATION = "directory.change_registration"


class Registration(FSMModelMixin, models.Model):
    """One organisation × one category (decision), with its own lifecycle (§3.3, §5.2.4, §6.3).

    Transitions only declare source, target and who may run them; the services in directory.services run
    them through cpp_registry.transitions.transition_run (lock, check, log, save, notify after commit).
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
    # ETSP-<category>-<6 digits>, from the primary key (docs/directory.md): given at the grant
    # (directory.services.registration_grant), kept for life and never reused, as no key is.
    number = models.CharField(
        _("registration number"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Given at the grant, kept for life, never reused."),
    )
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

    @property
    def is_provisional(self):
        return self.status == self.Status.PROVISIONAL

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.PROVISIONAL,
        target=Status.CONFIRMED,
        permission=_staff_may(CHANGE_REGISTRATION),
        custom={"admin": False},
    )
    def confirm(self, by=None, description=None):
        """§3.3.2."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.PROVISIONAL,
        target=Status.CANCELLED_EXPIRED,
        permission=_nobody,
        custom={"admin": False},
    )
    def expire(self, by=None, description=None):
        """§3.3.3."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.PROVISIONAL,
        target=Status.CANCELLED_SUBSTANDARD,
        permission=_staff_may(CHANGE_REGISTRATION),
        custom={"label": _("Cancel as substandard (§3.3.4)"), "form": "directory.forms.TransitionReasonForm"},
    )
    def cancel_substandard(self, by=None, description=None):
        """§3.3.4."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[Status.PROVISIONAL, Status.CONFIRMED],
        target=Status.WITHDRAWN,
        permission=_staff_or_own_users(CHANGE_REGISTRATION),
        custom={"label": _("Withdraw on written request (§5.2.4)"), "form": "directory.forms.TransitionReasonForm"},
    )
    def withdraw(self, by=None, description=None):
        """§5.2.4."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[Status.PROVISIONAL, Status.CONFIRMED],
        target=Status.REMOVED,
        permission=_staff_may(CHANGE_REGISTRATION),
        custom={"label": _("Remove on the PMC's decision (§6.3)"), "form": "directory.forms.TransitionReasonForm"},
    )
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


class FundedProject(FSMModelMixin, models.Model):
    """A cleaner-production project funded by the programme and carried out by a provider (§1.2.1, §3.3.2).

    The approval of its final report is what confirms a provisional registration (§3.3.2); the decision is
    made through `directory.services.funded_project_report_decide`, never by editing the status. Once
    decided, the project's provider, role and dates are fixed (the admin shows them read-only).
    """

    class ReportStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    factory = models.ForeignKey(
        Factory, on_delete=models.PROTECT, related_name="funded_projects", verbose_name=_("factory")
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="funded_projects", verbose_name=_("provider")
    )
    role_category = models.CharField(
        _("category of the provider's role"), max_length=1, choices=Category.choices, help_text=_("§3.3.2")
    )
    title = models.CharField(_("title"), max_length=300)
    areas = AreasField(_("areas of work"), help_text=_("§1.2.1 (a)–(e)"))
    started_on = models.DateField(_("start"), null=True, blank=True)
    completed_on = models.DateField(_("completion"), null=True, blank=True)
    report_status = FSMField(
        _("final report"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING, protected=True
    )
    report_decided_on = models.DateField(_("final report approved or rejected on"), null=True, blank=True)
    report_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    report_note = models.TextField(_("note on the decision"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funded project")
        verbose_name_plural = _("funded projects")
        ordering = ["-started_on", "reference"]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    @property
    def area_labels(self):
        return area_labels(self.areas)

    @property
    def is_decided(self):
        return self.report_status in (self.ReportStatus.APPROVED, self.ReportStatus.REJECTED)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=report_status,
        source=[ReportStatus.PENDING, ReportStatus.SUBMITTED],
        target=ReportStatus.APPROVED,
        permission=_staff_may("directory.change_fundedproject"),
    )
    def approve_report(self, by=None, description=None):
        """§3.3.2."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=report_status,
        source=[ReportStatus.PENDING, ReportStatus.SUBMITTED],
        target=ReportStatus.REJECTED,
        permission=_staff_may("directory.change_fundedproject"),
    )
    def reject_report(self, by=None, description=None):
        """§3.3.2."""


class ContactChangeRequest(FSMModelMixin, models.Model):
    """A provider's written request to change its contact details (§5.2.1), processed within 5 working
    days of receipt (§5.2.2). The directory shows the new details only once approved; the request keeps
    both the details asked for and the ones they replaced."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="contact_changes", verbose_name=_("organisation")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    received_on = models.DateField(_("received on"))
    status = FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, protected=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    address_zh = models.CharField(_("address (Chinese)"), max_length=300, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    fax = PhoneNumberField(_("fax"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_title = models.CharField(_("contact person's title"), max_length=200, blank=True)
    previous = models.JSONField(_("details before the change"), default=dict, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact-detail change")
        verbose_name_plural = _("contact-detail changes")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="pending"),
                name="contact_change_one_pending_per_organisation",
                violation_error_message=_("This organisation already has a contact-detail change waiting."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} — {self.received_on:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.PENDING,
        target=Status.APPROVED,
        permission=_staff_may("directory.change_contactchangerequest"),
    )
    def approve(self, by=None, description=None):
        """§5.2.2."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.PENDING,
        target=Status.REJECTED,
        permission=_staff_may("directory.change_contactchangerequest"),
    )
    def reject(self, by=None, description=None):
        """§5.2.2."""

    def requested_details(self):
        return {name: getattr(self, name) for name in CONTACT_FIELDS}

    def changed_fields(self):
        """(field, verbose name, before, after) for every detail that differs from the organisation's."""
        before = self.previous or {
            name: str(value or "") for name, value in self.organisation.contact_details().items()
        }
        rows = []
        for name in CONTACT_FIELDS:
            after = str(getattr(self, name) or "")
            if before.get(name, "") != after:
                rows.append((name, self._meta.get_field(name).verbose_name, before.get(name, ""), after))
        return rows


class DirectoryVersion(models.Model):
    """One row whose number goes up, in the same transaction, with every change the public directory can
    show (an organisation, a registration, a funded project). The directory's rendered results are cached
    under this number (directory/cache.py), so a change is visible on the very next request (§5.1.2)."""

    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("directory version")
        default_permissions = ()

    def __str__(self):
        return str(self.number)


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        """Neither accepted nor withdrawn, and not yet expired: the link still works."""
        from django.utils import timezone

        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A user of an organisation invites a colleague, by email, to act for it too (issue 8 §1).

    The written notice carries a link with the token; the colleague accepts after logging in — or signing
    up — with the address invited, and becomes one of the organisation's users. An invitation works once,
    for 14 days, and its sender (or another user of the organisation) may withdraw it before then. The row
    keeps who did what and when: sent, accepted, withdrawn.
    """

    VALID_DAYS = 14

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation", "Waiting for an answer")
        ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
        WITHDRAWN = "withdrawn", pgettext_lazy("invitation", "Withdrawn")
        EXPIRED = "expired", pgettext_lazy("invitation", "Expired")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("organisation")
    )
    email = models.EmailField(_("email address invited"))
    language = models.CharField(_("language of the notice"), max_length=10, default="en")
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "email"], name="invitation_org_email_idx")]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    def get_absolute_url(self):
        return reverse("directory:invitation_accept", kwargs={"token": self.token})

    def status_at(self, now):
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.withdrawn_at:
            return self.Status.WITHDRAWN
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self):
        from django.utils import timezone

        return self.status_at(timezone.now())
