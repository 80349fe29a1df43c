"""The factory's and the provider's forms of a case (§6.1). They check the shape of what was typed and of each
file uploaded; the services decide (complaints.services) and their refusals are shown on the same form.

Every file goes through cpp_registry.documents.validate_document (PDF, PNG or JPEG, at most 10 MB, content
matching the extension) before a service is called, so that a refused file leaves nothing behind: no row,
no file on disk. (The same checks as the applicant's forms in the applications app, which this app may not
import.)
"""

import posixpath

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cpp_registry.documents import validate_document

ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
MAX_FILES = 10
MAX_TEXT = 10000


def check_document(upload):
    """One uploaded file: a plain name (no folder in it), then the documents module's rules."""
    name = upload.name or ""
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValidationError(
            _("Give the file a plain name, without a folder or a leading dot (for example report.pdf)."),
            code="bad_name",
        )
    if not posixpath.splitext(name)[1]:
        raise ValidationError(_("Give the file a name that ends in .pdf, .png or .jpg."), code="no_extension")
    validate_document(upload)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several documents in one `<input type=file multiple>`: each a PDF, PNG or JPEG of at most 10 MB whose
    content matches its extension. Every file's refusal names the file; one refused file refuses them all."""

    default_validators = [check_document]
    default_error_messages = {
        "invalid": _("Choose a file to upload."),
        "missing": _("Choose a file to upload."),
        "empty": _("The file is empty. Choose the file again."),
        "max_length": _("The file's name is too long: shorten it to %(max)d characters."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "multiple": True}))
        kwargs.setdefault("help_text", _("You can choose several files: PDF, PNG or JPEG, at most 10 MB each."))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [d for d in (data if isinstance(data, (list, tuple)) else [data]) if d]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > MAX_FILES:
            raise ValidationError(
                _("Upload at most %(max)d files at a time."), code="too_many", params={"max": MAX_FILES}
            )
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(super().clean(upload, initial))
            except ValidationError as exc:
                errors += [
                    ValidationError(_("%(file)s: %(problem)s"), params={"file": upload.name, "problem": message})
                    for message in exc.messages
                ]
        if errors:
            raise ValidationError(errors)
        return cleaned


def _text(label, *, required=True, help_text="", rows=6, error=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": error} if error else {},
    )


class LodgeForm(forms.Form):
    """§6.1: a factory's written complaint about a provider of the directory, with its evidence."""

    factory = forms.ChoiceField(
        label=_("Which factory is complaining?"),
        error_messages={
            "required": _("Choose the factory the complaint is from."),
            "invalid_choice": _("Choose the factory the complaint is from."),
        },
    )
    organisation = forms.ChoiceField(
        label=_("The provider"),
        help_text=_("Registered providers, as the directory lists them."),
        error_messages={
            "required": _("Choose the provider you are complaining about."),
            "invalid_choice": _("Choose the provider you are complaining about, from the list."),
        },
    )
    funded_project = forms.ChoiceField(
        label=_("The funded project"),
        required=False,
        help_text=_("Optional: the project funded by the programme that the complaint is about."),
        error_messages={"invalid_choice": _("Choose one of your factory's funded projects, or none.")},
    )
    description = _text(
        _("What happened"),
        help_text=_("Say what the provider did or did not do, and when. The provider will read this."),
        rows=8,
        error=_("Describe what happened."),
    )
    documents = DocumentsField(label=_("Documents (optional)"))

    def __init__(self, *args, factories=(), providers=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.factories = {str(f.pk): f for f in factories}
        self.providers = {str(o.pk): o for o in providers}
        self.projects = {str(p.pk): p for p in projects}
        if len(self.factories) == 1:
            del self.fields["factory"]
        else:
            self.fields["factory"].choices = [("", _("Choose a factory")), *self._names(self.factories)]
        self.fields["organisation"].choices = [("", _("Choose a provider")), *self._names(self.providers)]
        several = len(self.factories) > 1
        self.fields["funded_project"].choices = [
            ("", _("None: not about a funded project")),
            *((pk, self._project_label(p, several)) for pk, p in self.projects.items()),
        ]

    @staticmethod
    def _names(objects):
        return [(pk, o.display_name) for pk, o in objects.items()]

    @staticmethod
    def _project_label(project, with_factory):
        label = f"{project.reference} — {project.title} ({project.provider.display_name})"
        return f"{label}, {project.factory.display_name}" if with_factory else label

    def chosen(self):
        """What the service needs: the factory, the provider and the funded project (or None)."""
        data = self.cleaned_data
        factory = (
            next(iter(self.factories.values())) if "factory" not in self.fields else self.factories[data["factory"]]
        )
        return {
            "factory": factory,
            "organisation": self.providers[data["organisation"]],
            "funded_project": self.projects.get(data.get("funded_project") or ""),
        }


class AnswerForm(forms.Form):
    """§6.1.3: the provider's answer to the preliminary investigation report — its corrective action and the
    evidence of it."""

    text = _text(
        _("Your corrective action"),
        required=False,
        help_text=_("What you have done or will do to put things right, and by when."),
    )
    documents = DocumentsField(label=_("Evidence (optional)"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("text") and not cleaned.get("documents") and "documents" not in self.errors:
            raise ValidationError(_("Describe your corrective action, or attach your evidence."), code="empty")
        return cleaned


class MessageForm(forms.Form):
    """A message to the Secretariat about the case, with documents."""

    text = _text(_("Your message"), error=_("Write the message."), rows=4)
    documents = DocumentsField(label=_("Documents (optional)"))
