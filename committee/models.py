"""PMC motions and votes (§6.1.4: a simple majority).

A motion puts one question to the Project Management Committee; members vote for, against or abstain; the
Secretariat closes it (the result is computed then and frozen) and carries the decision out within 10
working days (§6.1.4). Transitions only declare source and target: `committee.services` locks the row,
calls them, saves, logs (django-fsm-log) and queues the notices.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from simple_history.models import HistoricalRecords

from cpp_registry.documents import validate_document


def _in_language(english, chinese):
    """The text in the page's language (Chinese for both scripts), falling back to the other."""
    if (get_language() or "en").startswith("zh"):
        return chinese or english
    return english or chinese


def actor_field(verbose_name):
    """Who did one step of a motion. PROTECT: an officer who acted on a motion is deactivated, never deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


def _secretariat(instance, user):
    """Opening, closing and carrying out a motion is the Secretariat's work (django-fsm's permission)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("committee.change_motion"))


class MotionQuerySet(models.QuerySet):
    def not_draft(self):
        return self.exclude(status=Motion.Status.DRAFT)

    def open(self):
        return self.filter(status=Motion.Status.OPEN)

    def decided(self):
        return self.filter(status__in=Motion.DECIDED)


class Motion(FSMModelMixin, models.Model):
    """One question put to the PMC (§4.1.5, §6.1.4, §6.3; decision: docs/rules.md, committee)."""

    class Kind(models.TextChoices):
        ACCEPT_APPLICATION = "accept_application", _("Accept an application that misses the criteria (§4.1.5)")
        ACCEPT_AFTER_SUBSTANDARD = (
            "accept_after_substandard",
            _("Accept a new application after a substandard cancellation (§3.3.4)"),
        )
        WARNING = "warning", _("Support a recommended warning (§6.1.4)")
        REMOVAL = "removal", _("Remove a provider from the register (§6.1.4, §6.3)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for votes")
        CLOSED = "closed", _("Closed")
        CARRIED_OUT = "carried_out", _("Carried out")

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    DECIDED = (Status.CLOSED, Status.CARRIED_OUT)

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices, db_index=True)
    # What the motion is about (a provider, an application, a complaint case): the committee knows it only
    # through committee.registry, where the subject's app says what a decision means and who hears it.
    subject_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label_en = models.CharField(_("about (English)"), max_length=300, blank=True, editable=False)
    subject_label_zh = models.CharField(_("about (Chinese)"), max_length=300, blank=True, editable=False)

    question_en = models.TextField(_("question (English)"))
    question_zh = models.TextField(_("question (Chinese)"), blank=True)
    recommendation_en = models.TextField(_("the Secretariat's recommendation (English)"), blank=True)
    recommendation_zh = models.TextField(_("the Secretariat's recommendation (Chinese)"), blank=True)
    # When members are to have voted by, as they read it on the motion; the Secretariat still closes it.
    closes_on = models.DateField(
        _("voting closes on"),
        null=True,
        blank=True,
        help_text=_("The day by which members are asked to vote, shown to them. The Secretariat closes the motion."),
    )
    meeting = models.CharField(
        _("meeting"),
        max_length=200,
        blank=True,
        help_text=_("The PMC meeting the motion belongs to, if any, as members know it (for example “PMC 12/2026”)."),
    )

    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("votes against"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("abstentions"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = actor_field(_("created by"))
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    opened_by = actor_field(_("opened by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = actor_field(_("closed by"))
    carried_out_at = models.DateTimeField(_("carried out"), null=True, blank=True)
    carried_out_by = actor_field(_("carried out by"))
    carry_out_note = models.TextField(_("what was done"), blank=True)

    objects = MotionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="motion_subject_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "open"], outcome="")
                | models.Q(
                    status__in=["closed", "carried_out"],
                    outcome__in=["passed", "failed"],
                    votes_for__isnull=False,
                    votes_against__isnull=False,
                    votes_abstain__isnull=False,
                ),
                name="motion_outcome_only_when_closed",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("committee:detail", args=[self.pk])

    @property
    def reference(self):
        return f"PMC-{self.pk or 0:04d}"

    @property
    def subject_label(self):
        return _in_language(self.subject_label_en, self.subject_label_zh)

    @property
    def question(self):
        return _in_language(self.question_en, self.question_zh)

    @property
    def recommendation(self):
        return _in_language(self.recommendation_en, self.recommendation_zh)

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def is_decided(self):
        return self.status in (self.Status.CLOSED, self.Status.CARRIED_OUT)

    @property
    def passed(self):
        return self.outcome == self.Outcome.PASSED

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.DRAFT, target=Status.OPEN, permission=_secretariat)
    def open(self, by=None, description=None):
        """Put the question to the members."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.OPEN, target=Status.CLOSED, permission=_secretariat)
    def close(self, by=None, description=None):
        """§9: the result is computed now and frozen; no vote, edit or reopen afterwards."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.CLOSED, target=Status.CARRIED_OUT, permission=_secretariat)
    def carry_out(self, by=None, description=None):
        """§6.1.4: the Secretariat carried out the decision."""


def paper_upload_to(instance, filename):
    return f"committee/motion-{instance.motion_id}/{filename}"


class Paper(models.Model):
    """A paper for a motion: a document, or a link to the case or application it is about.

    Members see a motion's papers and nothing beyond them (issue 4 §4): a document is only ever served
    through the committee's own view, which checks that the reader may see the motion.
    """

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="papers", verbose_name=_("motion"))
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)
    document = models.FileField(_("document"), upload_to=paper_upload_to, blank=True, validators=[validate_document])
    link = models.URLField(_("link"), blank=True, help_text=_("A link to the case, for example in the back office."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        ordering = ["order", "id"]

    def __str__(self):
        return self.title

    @property
    def title(self):
        return _in_language(self.title_en, self.title_zh)


class Vote(models.Model):
    """One member's vote on one motion (§6.1.4: a simple majority): one per member, changeable until the motion closes.

    Every cast and change is kept in the vote's history (django-simple-history), with who entered it.
    """

    class Choice(models.TextChoices):
        FOR = "for", _("For")
        AGAINST = "against", _("Against")
        ABSTAIN = "abstain", _("Abstain")

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="votes", verbose_name=_("motion"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pmc_votes", verbose_name=_("member")
    )
    choice = models.CharField(_("vote"), max_length=10, choices=Choice.choices)
    cast_at = models.DateTimeField(_("first cast"))
    changed_at = models.DateTimeField(_("last changed"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("The Secretariat officer who entered a meeting's vote on the member's behalf."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["motion", "member__email"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "member"], name="vote_one_per_member_per_motion"),
        ]
        permissions = [("record_vote", _("Can record a meeting's votes on members' behalf"))]

    def __str__(self):
        return f"{self.motion.reference} — {self.member} — {self.get_choice_display()}"
