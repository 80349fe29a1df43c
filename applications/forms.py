"""The applicant's forms of Annex A (issue 8 §2). They check the shape of what was typed and of each file
uploaded; the services decide (applications.services) and their refusals are shown on the same form. The
back office's forms live in applications.admin_forms.

Every file goes through cpp_registry.uploads (a plain name, then PDF, PNG or JPEG of at most 10 MB whose
content matches its extension) before a service is called, so that a refused file leaves nothing behind.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cpp_registry.uploads import DocumentField, DocumentsField
from directory.models import AreasFormField, Category, Organisation

from .models import Application, ExperienceField, ProjectRecord
from .services import ORGANISATION_FIELDS


class StartForm(forms.Form):
    """Which organisation a new application is for: one the user acts for, or a new one."""

    NEW = "new"

    organisation = forms.ChoiceField(
        label=_("Which organisation is this application for?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the organisation the application is for, or a new organisation."),
            "invalid_choice": _("Choose the organisation the application is for, or a new organisation."),
        },
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        self.fields["organisation"].choices = [
            *((pk, o.display_name) for pk, o in self.organisations.items()),
            (self.NEW, _("A new organisation, not yet on the register")),
        ]

    def chosen(self):
        """The organisation chosen, or None for a new one."""
        return self.organisations.get(self.cleaned_data["organisation"])


def _organisation_fields():
    fields = forms.fields_for_model(Organisation, fields=ORGANISATION_FIELDS)
    for name, field in fields.items():  # the register's own checks (the BR number's 8 digits)
        if name == "areas":  # its tick boxes allow (a) to (e) only; the model's check reads the joined letters
            continue
        for validator in Organisation._meta.get_field(name).validators:
            if validator not in field.validators:
                field.validators.append(validator)
    for name in ("address_en", "phone", "email", "contact_person"):
        fields[name].required = True
    fields["br_number"].help_text = _("The first 8 digits of the Business Registration certificate number.")
    fields["br_number"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
    fields["phone"].help_text = _("A Hong Kong number, for example 2123 4567, or one with its country code.")
    fields["fax"].help_text = _("Optional.")
    fields["website"].help_text = _("Optional, for example https://www.example.com.hk")
    fields["areas"].label = _("Areas of work (§1.2.1)")
    fields["areas"].required = False
    fields["email"].widget.attrs.update({"autocomplete": "email"})
    return fields


class OrganisationForm(forms.Form):
    """Annex A part 1: the organisation's details as the register keeps them (§5.1.1). The Business
    Registration number is checked by the register's own validator (8 digits); whether it is already on the
    register is the service's to say."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_organisation_fields())

    def details(self):
        return {name: self.cleaned_data.get(name) for name in ORGANISATION_FIELDS}


class CategoriesForm(forms.Form):
    """§3.1.3: category 1, category 2 or both; §5.2.3: an existing provider applies for a category it does
    not hold."""

    categories = forms.MultipleChoiceField(
        label=_("Which categories are you applying for?"),
        widget=forms.CheckboxSelectMultiple,
        choices=Category.choices,
        help_text=_("Choose one or both."),
        error_messages={"required": _("Choose category 1, category 2 or both.")},
    )

    def __init__(self, *args, held=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(value, label) for value, label in Category.choices if value not in held]

    def chosen(self):
        return "".join(sorted(self.cleaned_data["categories"]))


class StaffMemberForm(forms.Form):
    """A member of staff and their relevant consultancy experience (§3.2.2 a), with a proof document."""

    name = forms.CharField(label=_("Full name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=200)
    years = forms.IntegerField(
        label=_("Years of relevant consultancy experience"),
        min_value=0,
        max_value=60,
        error_messages={"required": _("Enter the number of whole years, 0 or more.")},
    )
    months = forms.IntegerField(
        label=_("And months"),
        min_value=0,
        max_value=11,
        initial=0,
        help_text=_("0 to 11."),
        error_messages={
            "required": _("Enter the months, from 0 to 11."),
            "max_value": _("Enter the months, from 0 to 11; 12 months make a year."),
        },
    )
    experience = forms.MultipleChoiceField(
        label=_("Fields of experience"),
        choices=ExperienceField.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every field that applies."),
        error_messages={"required": _("Tick at least one field of experience.")},
    )
    proof = DocumentField(
        label=_("Proof of experience"),
        help_text=_("A CV, reference letter or similar: PDF, PNG or JPEG, at most 10 MB."),
    )

    def __init__(self, *args, member=None, **kwargs):
        if member is not None:
            initial = {name: getattr(member, name) for name in ("name", "position", "years", "months")}
            kwargs.setdefault("initial", {**initial, "experience": member.fields})
        super().__init__(*args, **kwargs)
        if member is not None:
            self.fields["proof"].required = False
            self.fields["proof"].help_text = _(
                "Leave empty to keep the document already uploaded; a new one replaces it. PDF, PNG or JPEG, "
                "at most 10 MB."
            )

    def data_for_service(self):
        data = {name: self.cleaned_data[name] for name in ("name", "position", "years", "months")}
        return {**data, "fields": self.cleaned_data["experience"]}


class ProjectRecordForm(forms.Form):
    """A project the applicant carried out, with the client's contact details (§3.2.2, §4.1.2)."""

    YES_NO = [("yes", _("Yes")), ("no", _("No"))]

    title = forms.CharField(label=_("Project title"), max_length=300)
    client_company = forms.CharField(label=_("Client company"), max_length=300)
    client_contact = forms.CharField(label=_("Client's contact person"), max_length=200)
    client_phone = ProjectRecord._meta.get_field("client_phone").formfield(
        label=_("Client's phone"), help_text=_("A phone number or an email address of the client is needed.")
    )
    client_email = forms.EmailField(label=_("Client's email"), required=False)
    started_on = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("For example 2024-03-15.")
    )
    ended_on = forms.DateField(
        label=_("End date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty while the project goes on."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of project"),
        choices=ProjectRecord.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose consultancy or engineering.")},
    )
    completed = forms.ChoiceField(
        label=_("Is the project completed?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the project is completed.")},
    )
    areas = AreasFormField(
        label=_("Areas of work (§1.2.1)"), required=False, help_text=_("Tick every area that applies.")
    )
    document = DocumentField(
        label=_("Supporting document"),
        help_text=_("A contract, completion certificate or client's letter: PDF, PNG or JPEG, at most 10 MB."),
    )

    FIELDS = (
        "title",
        "client_company",
        "client_contact",
        "client_phone",
        "client_email",
        "started_on",
        "ended_on",
        "kind",
        "areas",
    )

    def __init__(self, *args, record=None, **kwargs):
        if record is not None:
            initial = {name: getattr(record, name) for name in self.FIELDS}
            initial["completed"] = "yes" if record.completed else "no"
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if record is not None:
            self.fields["document"].required = False
            self.fields["document"].help_text = _(
                "Leave empty to keep the document already uploaded; a new one replaces it. PDF, PNG or JPEG, "
                "at most 10 MB."
            )

    def data_for_service(self):
        data = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        data["client_phone"] = data["client_phone"] or ""
        data["completed"] = self.cleaned_data["completed"] == "yes"
        return data


class CodeOfConductForm(forms.Form):
    """§7.1: the signed code of conduct — the programme's template, or the organisation's own."""

    kind = forms.ChoiceField(
        label=_("Which code of conduct did you sign?"),
        choices=Application.CodeOfConduct.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose which code of conduct you signed.")},
    )
    document = DocumentField(
        label=_("The signed code of conduct"),
        required=False,
        help_text=_("PDF, PNG or JPEG, at most 10 MB."),
    )

    def __init__(self, *args, has_file=False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_file:
            self.fields["document"].help_text = _(
                "Leave empty to keep the signed copy already uploaded; a new one replaces it. PDF, PNG or JPEG, "
                "at most 10 MB."
            )


class PrivacyForm(forms.Form):
    acknowledge = forms.BooleanField(
        label=_("I have read the Personal Information Collection Statement."),
        error_messages={"required": _("Tick the box to say you have read the statement.")},
    )


class DeclarationForm(forms.Form):
    """The declaration, by an authorised signatory of the organisation."""

    name = forms.CharField(label=_("Authorised signatory's full name"), max_length=200)
    position = forms.CharField(label=_("Position in the organisation"), max_length=200)
    confirm = forms.BooleanField(
        label=_("I declare that the information given in this application is true and complete."),
        error_messages={"required": _("Tick the box to make the declaration.")},
    )


class ListDoneForm(forms.Form):
    """The applicant says a repeatable section (staff, project records) holds every entry it means to."""

    done = forms.BooleanField(
        label=_("I have added all of them"),
        error_messages={"required": _("Tick the box when you have added all of them.")},
    )


class SubmitForm(forms.Form):
    """Sending the application: nothing to fill in; the service checks every section."""


class RemoveForm(forms.Form):
    """Removing a member of staff or a project record: nothing to fill in, a button confirms."""


class AnswerForm(forms.Form):
    """§4.1.3: the applicant's answer to the Secretariat's request, with documents."""

    text = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        required=False,
    )
    documents = DocumentsField(
        label=_("Documents"),
        help_text=_("You can choose several files: PDF, PNG or JPEG, at most 10 MB each."),
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("documents") and "documents" not in self.errors:
            raise ValidationError(_("Write your answer or attach a document."), code="empty")
        return cleaned


class WithdrawForm(forms.Form):
    """The applicant withdraws the application before a decision."""

    reason = forms.CharField(
        label=_("Why are you withdrawing the application?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Tell the Secretariat why you are withdrawing the application.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that the application will not be processed further."),
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )
