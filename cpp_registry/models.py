"""Models of the core: the user, closure days, deadlines (clocks) and written notices."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an email address; roles are groups (cpp_registry.roles)."""

    class Language(models.TextChoices):
        EN = "en", "English"
        ZH_HANT = "zh-hant", "繁體中文"
        ZH_HANS = "zh-hans", "简体中文"

    username = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=Language.choices,
        default=Language.EN,
        help_text=_("Written notices are sent in this language first."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def has_role(self, role):
        return self.groups.filter(name=role).exists()


class ClosureDay(models.Model):
    """A day the Secretariat was closed: it is not a working day (docs/rules.md, clocks and calendar: decision)."""

    class Reason(models.TextChoices):
        TYPHOON = "typhoon", _("Typhoon Signal No. 8 or above")
        BLACK_RAINSTORM = "black_rainstorm", _("Black Rainstorm Warning")
        EXTRA_HOLIDAY = "extra_holiday", _("Extra holiday")
        OTHER = "other", _("Other")

    date = models.DateField(_("date"), unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} ({self.get_reason_display()})"


class DeadlineQuerySet(models.QuerySet):
    def open(self):
        return self.filter(met_at__isnull=True)

    def running(self):
        """Open and not stopped: these are the clocks that can fall due."""
        return self.filter(met_at__isnull=True, stopped_on__isnull=True)

    def for_subject(self, subject):
        return self.filter(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk)


class Deadline(models.Model):
    """One clock (docs/rules.md, clocks) on one subject. Lengths and units live in cpp_registry.deadlines.RULES."""

    class Kind(models.TextChoices):
        APPLICATION_PROCESSING = "application_processing", _("Process an application (§4.1.3)")
        COMPLAINT_NOTIFY = "complaint_notify", _("Notify a provider of a complaint (§6.1.1)")
        CONTACT_CHANGE = "contact_change", _("Process a contact-detail change (§5.2.2)")
        DECISION_CARRY_OUT = "decision_carry_out", _("Carry out a PMC decision (§6.1.4)")
        COMPLAINT_REPORT = "complaint_report", _("Consolidate a complaint report (§6.1.4)")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("subject type"))
    object_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("content_type", "object_id")
    start_day = models.DateField(_("start day"), help_text=_("Day 0 of the clock."))
    due_day = models.DateField(_("due day"), db_index=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    restarts = models.PositiveSmallIntegerField(_("restarts"), default=0)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    met_on_time = models.BooleanField(_("met on time"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("owner"),
        help_text=_("Empty: everyone in the owning role is reminded."),
    )
    owner_role = models.CharField(_("owning role"), max_length=80, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_day", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="deadline_subject_idx"),
            models.Index(
                fields=["due_day"],
                name="deadline_running_due_idx",
                condition=models.Q(met_at__isnull=True, stopped_on__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=models.Q(met_at__isnull=True),
                name="deadline_one_open_per_subject_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.due_day:%Y-%m-%d}"


class Notice(models.Model):
    """A written notice (§4.1.4, §6.1.1–6.1.4): written with the change that causes it, sent after commit, once.

    Delivery state: pending (not tried yet), sending (tried, being retried), sent, given up (the task
    stopped retrying; the error is kept). `queued_at` is when it was last handed to the worker: an unsent
    notice handed over long ago was lost on the way (a process died after commit) and is queued again by
    the sweep (cpp_registry.notices.notices_sweep).

    A notice written by a job over thousands of records (the expiry job) is stored *deferred*: its values,
    fixed at the moment of the event, in `context`; the worker renders subject and bodies from them when it
    sends it and keeps what it sent. Rendering is most of a notice's cost, and a job should not pay it
    100,000 times in one transaction.
    """

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        GIVEN_UP = "given_up", _("Given up")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("recipient"),
    )
    recipient_email = models.EmailField(_("recipient email"))
    language = models.CharField(_("language"), max_length=10, choices=User.Language.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    template_key = models.CharField(_("template"), max_length=100, db_index=True)
    context = models.JSONField(
        _("values it is written from"),
        default=dict,
        blank=True,
        help_text=_("A deferred notice: rendered from these values when it is sent."),
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("related type")
    )
    object_id = models.PositiveBigIntegerField(_("related id"), null=True, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(
        _("queued"), default=timezone.now, help_text=_("When it was last handed to the worker for sending.")
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    given_up_at = models.DateTimeField(
        _("given up"),
        null=True,
        blank=True,
        help_text=_("When sending stopped after its retries; resend to try again."),
    )

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep's question, asked every few minutes of a table that only grows: the unsent few.
            models.Index(
                fields=["queued_at"],
                name="notice_unsent_queued_idx",
                condition=models.Q(sent_at__isnull=True, given_up_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient_email}"

    @property
    def delivery(self) -> "Notice.Delivery":
        if self.sent_at is not None:
            return self.Delivery.SENT
        if self.given_up_at is not None:
            return self.Delivery.GIVEN_UP
        if self.attempts:
            return self.Delivery.SENDING
        return self.Delivery.PENDING


class DeadlineEvent(models.Model):
    """The audit of a clock (docs/rules.md, clocks): every start, stop, restart, meeting and move, with who, when, why —
    kept like a transition's log, so that an officer can show how a due day came about."""

    class Action(models.TextChoices):
        STARTED = "started", _("Started")
        STOPPED = "stopped", _("Stopped")
        RESTARTED = "restarted", _("Restarted from zero")
        MET = "met", pgettext_lazy("a clock", "Met")
        MOVED = "moved", _("Moved by a closure day")

    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="events", verbose_name=_("deadline"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("why"), max_length=500, blank=True)
    due_day = models.DateField(_("due day after"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")
        ordering = ["at", "id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.get_action_display()} — {self.at:%Y-%m-%d %H:%M}"
