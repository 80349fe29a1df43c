from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import CONTACT_FIELDS, Area, Category, ContactChangeRequest, FundedProject, Organisation, Registration
from .services import STALE_MESSAGE


class DirectorySearchForm(forms.Form):
    """The one search box and the filters of the public directory (SPEC §7)."""

    STATES = [
        ("", _("Any state")),
        (Registration.Status.PROVISIONAL, _("Provisional (P)")),
        (Registration.Status.CONFIRMED, _("Confirmed")),
    ]

    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any category")), *Category.choices]
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATES)
    area = forms.ChoiceField(label=_("Area of work"), required=False, choices=[("", _("Any area")), *Area.choices])

    def filters(self):
        """The valid filters only: a bad value is reported on the form and otherwise ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {key: data.get(key) or "" for key in ("q", "category", "state", "area") if key not in self.errors}


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
    """The back office's organisation form, with the optimistic lock of §5.2: the version the form was
    opened on travels with it and the save is refused when the row has moved on."""

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

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        expected = cleaned.get("form_version")
        rows = Organisation.objects.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()  # held until the admin's save commits
        if expected is None or rows.values_list("version", flat=True).first() != expected:
            raise forms.ValidationError(STALE_MESSAGE, code="stale")
        return cleaned


class ContactChangeDecisionForm(forms.ModelForm):
    """The Secretariat's decision on a contact-detail change (§5.2.2)."""

    DECISIONS = [("", "—"), ("approve", _("Approve: the directory shows the new details")), ("reject", _("Reject"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, required=False)

    class Meta:
        model = ContactChangeRequest
        fields = [*CONTACT_FIELDS, "decision_note"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("decision_note") or "").strip():
            self.add_error("decision_note", _("Give the reason for refusing the change; it is sent to the provider."))
        return cleaned


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
        elif cleaned.get("decision") and self.instance.report_status in (
            FundedProject.ReportStatus.APPROVED,
            FundedProject.ReportStatus.REJECTED,
        ):
            self.add_error("decision", _("The final report was already decided; the decision cannot change."))
        return cleaned


class RegistrationGrantForm(forms.ModelForm):
    """The back office's "add registration": a grant (§3.3.1), refused when a live one exists (§3.1.3)."""

    class Meta:
        model = Registration
        fields = ["organisation", "category", "granted_on"]

    def clean(self):
        cleaned = super().clean()
        organisation, category = cleaned.get("organisation"), cleaned.get("category")
        if (
            organisation
            and category
            and Registration.objects.live().filter(organisation=organisation, category=category).exists()
        ):
            raise forms.ValidationError(
                _("This organisation already holds a live registration in that category."), code="live"
            )
        return cleaned
