"""The forms of the Secretariat's steps on an application (issue 8 §3, §4), shown on django-fsm-2's
transition page of the admin (each transition of `Application` names its form in `custom["form"]`) and on
the criteria-override page. They only collect what the step needs; `applications.admin` hands it to the
service, which decides.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Category


def _text(label, help_text, *, required=True, rows=6):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        strip=True,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 80}),
    )


class InformationRequestForm(forms.Form):
    """§4.1.3: what the applicant should send or clarify; the clock stops until the complete answer."""

    text = _text(
        _("What the applicant should send or clarify"),
        _(
            "Sent to the applicant in writing and kept in the conversation. The 10-working-day clock stops "
            "until the complete answer arrives, then starts again from zero (§4.1.3)."
        ),
    )


class DecisionForm(forms.Form):
    """§4.1.4: the written decision sent with the approval (optional: the notice says what was granted)."""

    text = _text(
        _("Written decision (optional)"),
        _(
            "Added to the notice of approval and kept in the conversation. Each category applied for is "
            "granted a provisional registration, valid 24 months, listed at once (§3.3.1, §4.1.4)."
        ),
        required=False,
        rows=4,
    )


class ReferralForm(forms.Form):
    """§4.1.5 (or §3.3.4): the Secretariat's report to the PMC, which becomes the motion's recommendation."""

    recommendation_en = _text(
        _("The Secretariat's report to the PMC (English)"),
        _("The PMC reads it with the criteria check, which is added below it. A motion is opened as a draft."),
    )
    recommendation_zh = _text(
        _("The Secretariat's report to the PMC (Chinese)"),
        _("Optional; members reading in Chinese see the English report when this is empty."),
        required=False,
    )


class WithdrawForm(forms.Form):
    """The applicant's written request to withdraw, recorded by the Secretariat."""

    reason = _text(
        _("The applicant's letter"),
        _("What the applicant wrote (or its date and reference). Kept in the log and sent back to the applicant."),
        rows=4,
    )


class CriteriaOverrideForm(forms.Form):
    """§3.2.2 "or equivalent experience": the categories whose criteria the Secretariat accepts as met on
    equivalent experience, and why — kept on the record with who and when."""

    categories = forms.MultipleChoiceField(
        label=_("Categories accepted on equivalent experience"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = _text(
        _("Why the experience is equivalent"),
        _("Kept on the application and in its history, and shown to the PMC if the application goes there."),
    )

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        if application is not None:
            labels = dict(Category.choices)
            self.fields["categories"].choices = [(c, labels[c]) for c in application.category_list]
            self.fields["categories"].initial = list(application.override_categories or "")
            self.fields["reason"].initial = application.override_reason

    def clean_categories(self):
        return "".join(sorted(set(self.cleaned_data["categories"])))
