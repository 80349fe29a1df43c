"""The forms of the Secretariat's pages of a case in the back office (issue 9 §4): recording a complaint
received by post or email, raising a substandard-service case, and each step of a case. They only collect
what the step needs and check its shape (a file's type and size included); `complaints.admin` hands it to
the service, which decides and whose refusal is shown on the same page.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpp_registry.uploads import DocumentsField
from directory.models import Factory, FundedProject, Organisation

from .models import Case

YES_NO = [("yes", _("Yes")), ("no", _("No"))]

# §6.3.1 (a)–(c), as the officer ticks them (the service writes its own text of each into the motion).
REMOVAL_GROUNDS = [
    ("a", _("(a) A breach of the code of conduct")),
    ("b", _("(b) Substandard service, and corrective action refused without reasonable explanation")),
    ("c", _("(c) Misconduct, such as a conviction for corruption or a criminal offence in programme work")),
]


def _text(label, help_text="", *, required=True, rows=6):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        strip=True,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 80}),
    )


def _autocomplete(field_name):
    """The admin's own search box for a provider, a factory or a funded project (their admins' search)."""
    return AutocompleteSelect(Case._meta.get_field(field_name), admin.site)


def _yes_no(label, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class RecordComplaintForm(forms.Form):
    """§6.1: a factory's written complaint received by post or by email, recorded by the Secretariat."""

    factory = forms.ModelChoiceField(
        Factory.objects.all(), label=_("Factory complaining"), widget=_autocomplete("factory")
    )
    organisation = forms.ModelChoiceField(
        Organisation.objects.all(), label=_("Provider complained about"), widget=_autocomplete("organisation")
    )
    funded_project = forms.ModelChoiceField(
        FundedProject.objects.all(),
        label=_("Funded project (if the complaint is about one)"),
        required=False,
        widget=_autocomplete("funded_project"),
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=AdminDateWidget,
        help_text=_("The 2-working-day clock to tell the provider starts on this day (§6.1.1)."),
    )
    source = forms.ChoiceField(
        label=_("Received"),
        choices=[(Case.Source.POST, Case.Source.POST.label), (Case.Source.EMAIL, Case.Source.EMAIL.label)],
        widget=forms.RadioSelect,
    )
    description = _text(
        _("What happened"),
        _("The complaint as the factory wrote it. The provider reads it once it is told of the case."),
    )
    documents = DocumentsField(help_text=_("The letter or the email, and any evidence sent with it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class RaiseSubstandardForm(forms.Form):
    """§6.2: the PTST raises a substandard-service case on a funded project, on the grounds of §6.2.1."""

    funded_project = forms.ModelChoiceField(
        FundedProject.objects.all(), label=_("Funded project"), widget=_autocomplete("funded_project")
    )
    grounds = forms.MultipleChoiceField(
        label=_("Grounds (§6.2.1)"),
        choices=Case.Ground.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one ground of §6.2.1.")},
    )
    description = _text(
        _("What happened"),
        _("What the review of the service found; the provider and the factory read it (§6.2.2)."),
    )
    documents = DocumentsField()


# --- the steps of a case ---------------------------------------------------------------------------------


class StepForm(forms.Form):
    """A step's form knows its case (for what it offers and checks)."""

    def __init__(self, *args, case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)


class NotifyForm(StepForm):
    text = _text(
        _("A note to the provider (optional)"),
        _(
            "Added to the written notice of the case (§6.1.1). Telling the provider meets the 2-working-day "
            "clock and starts the one-month clock for the consolidated report (§6.1.4)."
        ),
        required=False,
        rows=4,
    )


class ConfirmForm(StepForm):
    """A step with nothing to write: the page says what it does, the button does it."""


class FindingsForm(StepForm):
    substantiated = _yes_no(_("Is the complaint substantiated?"))
    findings = _text(
        _("Findings"),
        _("The PTST's findings. Not substantiated: both sides read them with the result (§6.1.2)."),
    )
    preliminary_report = _text(
        _("Preliminary investigation report (§6.1.3)"),
        _("Needed when substantiated: it goes to the provider, who answers with its corrective action."),
        required=False,
    )
    documents = DocumentsField(
        help_text=_("Attached to the preliminary report (substantiated) or to the result (not substantiated).")
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("substantiated") and not cleaned.get("preliminary_report"):
            self.add_error(
                "preliminary_report", _("Write the preliminary investigation report for the provider (§6.1.3).")
            )
        return cleaned


class AssessForm(StepForm):
    text = _text(
        _("Effect of the corrective action"),
        _("Sent to the provider and kept on the case (§6.1.3)."),
    )
    complete = _yes_no(_("Is the corrective action complete?"))


class MessageForm(StepForm):
    text = _text(_("Message"))
    to_provider = forms.BooleanField(label=_("The provider may read it (and is told)"), required=False)
    to_factory = forms.BooleanField(label=_("The factory may read it (and is told)"), required=False)
    documents = DocumentsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = _("Neither box ticked: a note for the Secretariat only.")
        if self.case.factory_id is None:
            del self.fields["to_factory"]
        if self.case.status == Case.Status.RECORDED:
            # §6.1.1: the provider first hears of the case from its notice.
            self.fields["to_provider"].disabled = True
            self.fields["to_provider"].help_text = _("The provider is told of the case by its notice first.")


class ConsolidateForm(StepForm):
    report = _text(
        _("Consolidated investigation report (§6.1.4)"),
        _("The findings, the corrective actions and their effect; it goes to the PMC with the recommendation."),
        rows=10,
    )
    recommended_penalty = forms.ChoiceField(
        label=_("Recommended penalty"), choices=Case.Penalty.choices, widget=forms.RadioSelect
    )
    reason = _text(
        _("Why the recommendation differs from the record's proposal"),
        _("Needed only when recommending otherwise than the provider's record proposes."),
        required=False,
        rows=3,
    )

    def __init__(self, *args, proposed, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposed = proposed
        self.fields["recommended_penalty"].initial = proposed
        self.fields["recommended_penalty"].help_text = _(
            "The provider's record proposes: %(penalty)s (a warning for a first substantiated case, removal "
            "when it already has one — §6.1.4)."
        ) % {"penalty": Case.Penalty(proposed).label}

    def clean(self):
        cleaned = super().clean()
        recommended = cleaned.get("recommended_penalty")
        if recommended and recommended != self.proposed and not cleaned.get("reason"):
            self.add_error("reason", _("Give the reason for recommending otherwise than the record proposes."))
        return cleaned


class ProposeRemovalForm(StepForm):
    grounds = forms.MultipleChoiceField(
        label=_("Grounds (§6.3.1)"),
        choices=REMOVAL_GROUNDS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the grounds of §6.3.1 for removal.")},
    )
    reason = _text(_("The facts on which removal is proposed"), _("They go to the PMC in the motion."))


class CancelRegistrationForm(StepForm):
    reason = _text(
        _("Why the registration is cancelled as substandard (§3.3.4)"),
        _("Kept on the registration and sent to the provider; a new application from it then goes to the PMC."),
        rows=4,
    )
