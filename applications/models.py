"""Annex A applications (§3.2, §4, §5.2.3, §7.1): what an applicant fills in, the evidence, and the state
of its processing.

An application belongs to an organisation — a new applicant's, created when the organisation section is
first saved, or an existing provider's adding or changing a category (§5.2.3). Its answers are kept as
submitted (`submitted_answers`, a snapshot taken at each submission), so that the Secretariat's decision
can always be read against what it was taken on.

Transitions only declare source, target and who may run them; `applications.services` runs them through
`cpp_registry.transitions.transition_run` (lock, check, log, save, notify after commit).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from cpp_registry.documents import validate_document
from directory.models import AreasField, Category, Organisation


def _staff_may(instance, user):
    """The Secretariat's steps (django-fsm's has_transition_perm)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("applications.change_application"))


def _applicant_may(instance, user):
    """The applicant's own steps: a user acting for the organisation, or the creator of a draft that has
    no organisation yet."""
    if not (user and user.is_active):
        return False
    if instance.organisation_id is None:
        return instance.created_by_id == user.pk
    return instance.organisation.users.filter(pk=user.pk).exists()


def _applicant_or_staff(instance, user):
    return _applicant_may(instance, user) or _staff_may(instance, user)


def _nobody(instance, user):
    """Only carrying out a PMC decision runs it (through the committee's registry)."""
    return _staff_may(instance, user)


class CategoriesField(models.CharField):
    """The categories applied for (§3.1.3), held as sorted digits: "1", "2" or "12"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)


class ApplicationQuerySet(models.QuerySet):
    def live(self):
        """Not yet decided (a draft included): a second one for the same category is refused."""
        return self.filter(status__in=Application.LIVE)


class Application(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        AWAITING_INFORMATION = "awaiting_information", _("Awaiting information")
        APPROVED = "approved", _("Approved")
        REFERRED = "referred", _("Referred to the PMC")
        ACCEPTED = "accepted", _("Accepted by the PMC")
        REFUSED = "refused", _("Refused by the PMC")
        WITHDRAWN = "withdrawn", pgettext_lazy("an application", "Withdrawn")

    LIVE = (Status.DRAFT, Status.SUBMITTED, Status.AWAITING_INFORMATION, Status.REFERRED)
    BEFORE_DECISION = (Status.DRAFT, Status.SUBMITTED, Status.AWAITING_INFORMATION)
    DECIDED = (Status.APPROVED, Status.ACCEPTED, Status.REFUSED)

    class Section(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation details")
        CATEGORIES = "categories", _("Categories applied for")
        STAFF = "staff", _("Staff and their experience")
        PROJECTS = "projects", _("Project records")
        CODE_OF_CONDUCT = "code_of_conduct", _("Signed code of conduct")
        PRIVACY = "privacy", _("Personal information collection statement")
        DECLARATION = "declaration", _("Declaration")

    class CodeOfConduct(models.TextChoices):
        TEMPLATE = "template", _("The programme's template, signed")
        OWN = "own", _("Our own code of conduct, signed")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications_started",
        verbose_name=_("started by"),
    )
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True)
    categories = CategoriesField(_("categories applied for"), help_text=_("§3.1.3, §5.2.3"))
    sections_done = models.JSONField(_("sections completed"), default=list, blank=True)

    code_of_conduct_kind = models.CharField(
        _("code of conduct"), max_length=10, choices=CodeOfConduct.choices, blank=True, help_text=_("§7.1")
    )
    code_of_conduct_file = models.FileField(
        _("signed code of conduct"), upload_to="applications/code-of-conduct/", blank=True,
        validators=[validate_document],
    )  # fmt: skip
    privacy_acknowledged_at = models.DateTimeField(_("collection statement acknowledged"), null=True, blank=True)
    signatory_name = models.CharField(_("authorised signatory"), max_length=200, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_answers = models.JSONField(_("answers as submitted"), default=dict, blank=True, editable=False)
    criteria_result = models.JSONField(_("criteria check at submission"), default=dict, blank=True, editable=False)
    criteria_met = models.BooleanField(_("criteria met"), null=True, blank=True, db_index=True)

    override_categories = CategoriesField(
        _("equivalent experience accepted for"), help_text=_("§3.2.2: “or equivalent experience”")
    )
    override_reason = models.TextField(_("why the experience is equivalent"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("override by"),
    )  # fmt: skip
    override_at = models.DateTimeField(_("override at"), null=True, blank=True)

    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip
    decision_text = models.TextField(
        _("written decision"), blank=True, help_text=_("Sent to the applicant; when refused, why (§4.1.5).")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="application_org_status_idx"),
            # The back office's list, newest first: a page of 100 walks this index instead of sorting them all.
            models.Index(fields=["-created_at", "-id"], name="application_list_order_idx"),
        ]

    def __str__(self):
        return self.reference or _("(new application)")

    def get_absolute_url(self):
        return reverse("applications:tasks", kwargs={"reference": self.reference})

    @property
    def category_list(self):
        return [c for c in self.categories or "" if c in Category.values]

    def get_categories_display(self):
        labels = dict(Category.choices)
        return ", ".join(str(labels[c]) for c in self.category_list)

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def is_live(self):
        return self.status in self.LIVE

    @property
    def can_withdraw(self):
        return self.status in self.BEFORE_DECISION

    @property
    def organisation_name(self):
        return self.organisation.display_name if self.organisation_id else ""

    # --- transitions (the services in applications.services run them) -------------------------------

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED, permission=_applicant_may)
    def submit(self, by=None, description=None):
        """§4.1.2: sent to the Secretariat with its evidence."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=Status.AWAITING_INFORMATION,
        permission=_staff_may,
        custom={"label": _("Ask for information (§4.1.3)"), "form": "applications.admin_forms.InformationRequestForm"},
    )
    def ask_for_information(self, by=None, description=None):
        """§4.1.3: the clock stops while the applicant owes information."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.AWAITING_INFORMATION, target=Status.SUBMITTED, permission=_applicant_may)
    def answer(self, by=None, description=None):
        """§4.1.3: the complete answer arrived; the clock starts again from zero."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=Status.APPROVED,
        permission=_staff_may,
        custom={"label": _("Approve (§4.1.4)"), "form": "applications.admin_forms.DecisionForm"},
    )
    def approve(self, by=None, description=None):
        """§4.1.4: meets every criterion; listed provisionally in each category applied for."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=Status.REFERRED,
        permission=_staff_may,
        custom={"label": _("Report to the PMC (§4.1.5, §3.3.4)"), "form": "applications.admin_forms.ReferralForm"},
    )
    def refer(self, by=None, description=None):
        """§4.1.5: does not meet the criteria (or §3.3.4: after a substandard cancellation)."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=Status.REFERRED, target=Status.ACCEPTED, permission=_nobody, custom={"admin": False}
    )
    def pmc_accept(self, by=None, description=None):
        """§4.1.5: the PMC accepted it; granted as an approval is."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=Status.REFERRED, target=Status.REFUSED, permission=_nobody, custom={"admin": False}
    )
    def pmc_refuse(self, by=None, description=None):
        """§4.1.5: the PMC refused it; the applicant is told why. The decision is final."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=list(BEFORE_DECISION),
        target=Status.WITHDRAWN,
        permission=_applicant_or_staff,
        custom={"label": _("Withdraw on the applicant's request"), "form": "applications.admin_forms.WithdrawForm"},
    )
    def withdraw(self, by=None, description=None):
        """The applicant withdraws before a decision (decision: not once reported to the PMC)."""


class ExperienceField(models.TextChoices):
    """§3.2.2 (a): the fields of consultancy experience that count."""

    ENERGY = "energy", _("Industrial energy management")
    POLLUTION = "pollution", _("Pollution control")
    RESOURCES = "resources", _("Resource saving")
    CLEANER_PRODUCTION = "cleaner_production", _("Cleaner production")
    EQUIVALENT = "equivalent", _("Equivalent experience (explain in the position or a document)")


def staff_upload_to(instance, filename):
    return f"applications/{instance.application_id}/staff/{filename}"


def project_upload_to(instance, filename):
    return f"applications/{instance.application_id}/projects/{filename}"


class StaffMember(models.Model):
    """A member of the applicant's staff and their relevant consultancy experience (§3.2.2 a, §4.1.2)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="staff", verbose_name=_("application")
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200)
    years = models.PositiveSmallIntegerField(_("years of relevant consultancy experience"))
    months = models.PositiveSmallIntegerField(_("and months"), default=0)
    fields = models.JSONField(_("fields of experience"), default=list)
    proof = models.FileField(
        _("proof of experience"), upload_to=staff_upload_to, validators=[validate_document],
        help_text=_("A CV, reference letter or similar: PDF, PNG or JPEG, at most 10 MB."),
    )  # fmt: skip
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    @property
    def total_months(self):
        return self.years * 12 + self.months

    def get_fields_display(self):
        labels = dict(ExperienceField.choices)
        return ", ".join(str(labels.get(f, f)) for f in self.fields or [])


class ProjectRecord(models.Model):
    """A project the applicant carried out, with the client's contact details (§3.2.2, §4.1.2)."""

    class Kind(models.TextChoices):
        CONSULTANCY = "consultancy", _("Consultancy")
        ENGINEERING = "engineering", _("Engineering: supply and installation")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="projects", verbose_name=_("application")
    )
    title = models.CharField(_("project title"), max_length=300)
    client_company = models.CharField(_("client company"), max_length=300)
    client_contact = models.CharField(_("client's contact person"), max_length=200)
    client_phone = PhoneNumberField(_("client's phone"), blank=True)
    client_email = models.EmailField(_("client's email"), blank=True)
    started_on = models.DateField(_("start"))
    ended_on = models.DateField(_("end"), null=True, blank=True, help_text=_("Empty while it goes on."))
    kind = models.CharField(_("kind of project"), max_length=20, choices=Kind.choices)
    completed = models.BooleanField(_("completed"), default=False)
    areas = AreasField(_("areas of work"), help_text=_("§1.2.1 (a)–(e)"))
    document = models.FileField(
        _("supporting document"), upload_to=project_upload_to, validators=[validate_document],
        help_text=_("A contract, completion certificate or client's letter: PDF, PNG or JPEG, at most 10 MB."),
    )  # fmt: skip
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("project record")
        verbose_name_plural = _("project records")
        ordering = ["order", "id"]

    def __str__(self):
        return self.title

    @property
    def has_client_contact(self):
        return bool(self.client_contact and (self.client_phone or self.client_email))


def message_upload_to(instance, filename):
    return f"applications/{instance.message.application_id}/messages/{filename}"


class Message(models.Model):
    """The conversation between the Secretariat and the applicant, kept on the application."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Request for information")
        ANSWER = "answer", _("Answer")
        DECISION = "decision", _("Written decision")
        NOTE = "note", _("Message")

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="messages", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("from")
    )
    from_secretariat = models.BooleanField(_("from the Secretariat"), default=False)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.application} — {self.get_kind_display()} — {self.created_at:%Y-%m-%d}"


class Attachment(models.Model):
    """A document sent with a message (an answer's evidence)."""

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("document"), upload_to=message_upload_to, validators=[validate_document])

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.file.name.rsplit("/", 1)[-1]
