"""The factory's and the provider's forms of a case (§6.1). They check the shape of what was typed and of each
file uploaded; the services decide (complaints.services) and their refusals are shown on the same form.

Every file goes through cpp_registry.uploads (a plain name, then PDF, PNG or JPEG of at most 10 MB whose
content matches its extension) before a service is called, so that a refused file leaves nothing behind.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cpp_registry.uploads import DocumentsField

MAX_TEXT = 10000


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
