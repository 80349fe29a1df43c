"""Forms of the register. Forms check the shape of what was typed; the services decide (a live registration
exists, the record moved on since the form was opened, the request was decided meanwhile) and their
refusals are shown on the same form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    CONTACT_FIELDS,
    Area,
    Category,
    ContactChangeRequest,
    District,
    FundedProject,
    Organisation,
    Registration,
)


class DirectorySearchForm(forms.Form):
    """The one search box, the filters and the order of the public directory (§5.1)."""

    STATES = [
        ("", _("Any state")),
        (Registration.Status.PROVISIONAL, _("Provisional (P)")),
        (Registration.Status.CONFIRMED, _("Confirmed")),
    ]
    # The first is the default, and is left out of links and of the cache key (directory/cache.py).
    SORTS = [
        ("name", _("English name")),
        ("category", _("Category")),
        ("valid_until", _("Valid until, soonest first")),
    ]
    FILTERS = ("q", "category", "state", "area", "district")
    FIELDS = (*FILTERS, "sort")

    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any category")), *Category.choices]
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATES)
    area = forms.ChoiceField(label=_("Area of work"), required=False, choices=[("", _("Any area")), *Area.choices])
    district = forms.ChoiceField(
        label=_("District"), required=False, choices=[("", _("Any district")), *District.choices]
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def filters(self):
        """The valid filters, and the order when it is not the default: a bad value is reported on the form
        and otherwise ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        found = {key: data.get(key) or "" for key in self.FILTERS if key not in self.errors}
        if "sort" not in self.errors and data.get("sort") and data["sort"] != self.SORTS[0][0]:
            found["sort"] = data["sort"]
        return found


class TransitionReasonForm(forms.Form):
    """The reason kept with a transition in the register's history and sent to the provider."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ContactChangeForm(forms.ModelForm):
    """A provider's written request to change its contact details (§5.2.1)."""

    class Meta:
        model = ContactChangeRequest
        fields = list(CONTACT_FIELDS)

    def clean(self):
        cleaned = super().clean()
        initial = self.initial or {}
        if initial and all(str(cleaned.get(n) or "") == str(initial.get(n) or "") for n in CONTACT_FIELDS):
            raise forms.ValidationError(_("Nothing is changed: edit at least one detail."), code="unchanged")
        return cleaned


class WithdrawForm(forms.Form):
    """§5.2.4: the provider's written request to leave the directory."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    confirm = forms.BooleanField(
        label=_("I understand that the registration ends and the organisation leaves the directory in this category.")
    )


class OrganisationAdminForm(forms.ModelForm):
    """The back office's organisation form. The version the form was opened on travels with it, and the
    service (directory.services.organisation_update) refuses the save when the row has moved on (§5.2)."""

    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = Organisation
        fields = [
            "name_en",
            "name_zh",
            "br_number",
            "users",
            *CONTACT_FIELDS,
            "areas",
            "code_of_conduct_kind",
            "code_of_conduct_file",
            "code_of_conduct_received_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["form_version"].initial = self.instance.version


class ContactChangeDecisionForm(forms.ModelForm):
    """The Secretariat's decision on a contact-detail change (§5.2.2)."""

    DECISIONS = [("", "—"), ("approve", _("Approve: the directory shows the new details")), ("reject", _("Reject"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, required=False)

    class Meta:
        model = ContactChangeRequest
        fields = [*CONTACT_FIELDS, "decision_note"]


class ReportDecisionForm(forms.ModelForm):
    """The Secretariat's decision on a funded project's final report (§3.3.2)."""

    DECISIONS = [("", "—"), ("approve", _("Approve the final report")), ("reject", _("Reject the final report"))]

    decision = forms.ChoiceField(label=_("Final report decision"), choices=DECISIONS, required=False)
    decided_on = forms.DateField(label=_("Decided on"), required=False, help_text=_("Empty: today."))
    note = forms.CharField(label=_("Note on the decision"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = FundedProject
        fields = ["reference", "factory", "provider", "role_category", "title", "areas", "started_on", "completed_on"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("decision"):
            self.add_error("decision", _("Save the project first, then decide on its final report."))
        return cleaned


class RegistrationGrantForm(forms.ModelForm):
    """The back office's "add registration": a grant (§3.3.1). The service refuses a second live
    registration in the category (§3.1.3) and a date in the future or too far back."""

    class Meta:
        model = Registration
        fields = ["organisation", "category", "granted_on"]
