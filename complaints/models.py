"""Complaint and substandard-service cases (§6): one case, of one of two kinds, through one state machine.

- A **complaint** (§6.1): a factory's written complaint about a provider — lodged by the factory's user in
  the portal, or recorded by the Secretariat from a letter or an email.
- A **substandard service** case (§6.2): raised by the Project Technical Support Team on a funded project,
  on the grounds of §6.2.1 (a)–(e); it is followed up as a substantiated complaint (§6.2.2).

recorded → provider notified (§6.1.1, within 2 working days) → under investigation → not substantiated
(closed, §6.1.2) | substantiated (the preliminary report goes to the provider, §6.1.3) → corrective action
→ report consolidated (§6.1.4, within one calendar month of the notice) → with the PMC → decided →
carried out (closed, within 10 working days of the decision).

Transitions only declare source, target and who may run them; `complaints.services` runs them through
`cpp_registry.transitions.transition_run` (lock, check, log, save, notify after commit).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from simple_history.models import HistoricalRecords

from cpp_registry.documents import validate_document
from directory.models import Factory, FundedProject, Organisation


def _secretariat(instance, user):
    """The Secretariat's steps (the Programme Management Team and the PTST hold complaints.change_case)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("complaints.change_case"))


def _provider(instance, user):
    """The provider's own step: a user acting for the organisation complained about."""
    return bool(user and user.is_active and instance.organisation.users.filter(pk=user.pk).exists())


class Case(FSMModelMixin, models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint (§6.1)")
        SUBSTANDARD = "substandard", _("Substandard service (§6.2)")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Lodged in the portal")
        POST = "post", _("Received by post")
        EMAIL = "email", _("Received by email")
        PTST = "ptst", _("Raised by the PTST")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        PROVIDER_NOTIFIED = "provider_notified", _("Provider notified")
        UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
        NOT_SUBSTANTIATED = "not_substantiated", _("Not substantiated (closed)")
        SUBSTANTIATED = "substantiated", _("Substantiated")
        CORRECTIVE_ACTION = "corrective_action", _("Corrective action")
        REPORT_CONSOLIDATED = "report_consolidated", _("Report consolidated")
        WITH_PMC = "with_pmc", _("With the PMC")
        DECIDED = "decided", _("Decided by the PMC")
        CARRIED_OUT = "carried_out", _("Decision carried out (closed)")

    class Ground(models.TextChoices):
        """§6.2.1 (a)–(e): what makes a service substandard."""

        SCOPE = "a", _("(a) The scope of service was not delivered")
        METHOD = "b", _("(b) The method differed greatly from the contract")
        DELAY = "c", _("(c) Unreasonable delay, without agreeing a remedy with the factory")
        SILENCE = "d", _("(d) Repeatedly not answering the factory")
        REPORT = "e", _("(e) The report is missing or does not cover the contracted scope")

    class Penalty(models.TextChoices):
        WARNING = "warning", _("A warning")
        REMOVAL = "removal", _("Removal from the register")

    CLOSED = (Status.NOT_SUBSTANTIATED, Status.CARRIED_OUT)
    SUBSTANTIATED_STATES = (
        Status.SUBSTANTIATED,
        Status.CORRECTIVE_ACTION,
        Status.REPORT_CONSOLIDATED,
        Status.WITH_PMC,
        Status.DECIDED,
        Status.CARRIED_OUT,
    )
    # The provider sees a case from the moment it is told of it (§6.1.1).
    VISIBLE_TO_PROVIDER = (
        Status.PROVIDER_NOTIFIED,
        Status.UNDER_INVESTIGATION,
        Status.NOT_SUBSTANTIATED,
        *SUBSTANTIATED_STATES,
    )

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    source = models.CharField(_("received"), max_length=10, choices=Source.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("provider")
    )
    factory = models.ForeignKey(
        Factory, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("factory")
    )
    funded_project = models.ForeignKey(
        FundedProject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("funded project"),
    )
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="cases_lodged",
        verbose_name=_("lodged or recorded by"),
    )  # fmt: skip
    received_on = models.DateField(_("received on"))
    description = models.TextField(_("what happened"))
    grounds = models.JSONField(_("grounds (§6.2.1)"), default=list, blank=True)
    status = FSMField(_("status"), default=Status.RECORDED, choices=Status.choices, protected=True, db_index=True)

    notified_at = models.DateTimeField(_("provider notified at"), null=True, blank=True)
    findings = models.TextField(_("the PTST's findings"), blank=True)
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True, db_index=True)
    found_at = models.DateTimeField(_("findings recorded at"), null=True, blank=True)
    preliminary_report = models.TextField(_("preliminary investigation report (§6.1.3)"), blank=True)
    corrective_action_assessment = models.TextField(_("effect of the corrective action"), blank=True)
    corrective_action_complete = models.BooleanField(_("corrective action complete"), null=True, blank=True)

    report = models.TextField(_("consolidated investigation report (§6.1.4)"), blank=True)
    proposed_penalty = models.CharField(
        _("penalty the record proposes"), max_length=10, choices=Penalty.choices, blank=True
    )
    recommended_penalty = models.CharField(_("recommended penalty"), max_length=10, choices=Penalty.choices, blank=True)
    recommendation_reason = models.TextField(_("why the recommendation differs"), blank=True)
    removal_grounds = models.TextField(_("grounds for removal (§6.3.1)"), blank=True)
    consolidated_at = models.DateTimeField(_("report consolidated at"), null=True, blank=True)
    outcome_note = models.TextField(_("the result"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["organisation", "substantiated"], name="case_org_substantiated_idx"),
            # The back office's list, newest first: a page of 100 walks this index instead of sorting them all.
            models.Index(fields=["-received_on", "-id"], name="case_list_order_idx"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("complaints:detail", kwargs={"case_ref": self.reference})

    @property
    def is_closed(self):
        return self.status in self.CLOSED

    def get_grounds_display(self):
        labels = dict(self.Ground.choices)
        return [str(labels[g]) for g in self.grounds or [] if g in labels]

    # --- transitions (complaints.services runs them) ------------------------------------------------

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.RECORDED, target=Status.PROVIDER_NOTIFIED, permission=_secretariat)
    def notify_provider(self, by=None, description=None):
        """§6.1.1: the provider is told of the complaint within 2 working days."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=Status.PROVIDER_NOTIFIED, target=Status.UNDER_INVESTIGATION, permission=_secretariat
    )
    def investigate(self, by=None, description=None):
        """§6.1.1: the PTST investigates."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=Status.UNDER_INVESTIGATION, target=Status.NOT_SUBSTANTIATED, permission=_secretariat
    )
    def find_not_substantiated(self, by=None, description=None):
        """§6.1.2: recorded, no penalty; both sides told the result."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.UNDER_INVESTIGATION, target=Status.SUBSTANTIATED, permission=_secretariat)
    def find_substantiated(self, by=None, description=None):
        """§6.1.3: the preliminary investigation report goes to the provider."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.SUBSTANTIATED, target=Status.CORRECTIVE_ACTION, permission=_provider)
    def answer(self, by=None, description=None):
        """§6.1.3: the provider answers with its corrective action."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[Status.SUBSTANTIATED, Status.CORRECTIVE_ACTION],
        target=Status.REPORT_CONSOLIDATED,
        permission=_secretariat,
    )
    def consolidate(self, by=None, description=None):
        """§6.1.4: when the corrective action is done, or one calendar month after the notice."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.REPORT_CONSOLIDATED, target=Status.WITH_PMC, permission=_secretariat)
    def send_to_pmc(self, by=None, description=None):
        """§6.1.4: the report and its recommended penalty go to the PMC."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[Status.SUBSTANTIATED, Status.CORRECTIVE_ACTION, Status.REPORT_CONSOLIDATED],
        target=Status.WITH_PMC,
        permission=_secretariat,
    )
    def propose_removal(self, by=None, description=None):
        """§6.3.1 (a)–(c): staff propose removal directly."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.WITH_PMC, target=Status.DECIDED, permission=_secretariat)
    def decide(self, by=None, description=None):
        """§6.1.4: the PMC voted (by simple majority)."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.DECIDED, target=Status.CARRIED_OUT, permission=_secretariat)
    def carry_out(self, by=None, description=None):
        """§6.1.4: the Secretariat carried out the decision within 10 working days."""


def message_upload_to(instance, filename):
    return f"complaints/{instance.message.case_id}/{filename}"


class Message(models.Model):
    """What the parties and the Secretariat wrote on a case, kept on it. `to_provider` / `to_factory` say who
    may read it besides the Secretariat: the complaint itself and the result go to both; the preliminary
    report and the provider's answers are the provider's (§6.1.3); a note is the Secretariat's only."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("The complaint")
        FINDINGS = "findings", _("Findings")
        PRELIMINARY_REPORT = "preliminary_report", _("Preliminary investigation report")
        CORRECTIVE_ACTION = "corrective_action", _("Corrective action")
        ASSESSMENT = "assessment", _("Assessment of the corrective action")
        RESULT = "result", _("Result")
        NOTE = "note", _("Message")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("from")
    )
    from_secretariat = models.BooleanField(_("from the Secretariat"), default=False)
    to_provider = models.BooleanField(_("the provider may read it"), default=False)
    to_factory = models.BooleanField(_("the factory may read it"), default=False)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case} — {self.get_kind_display()}"


class Attachment(models.Model):
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
