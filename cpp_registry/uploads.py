"""The form side of uploaded documents: one field for a document, one for several, used by every form of
the portal that takes a file (Annex A, complaints, the back office's forms).

A file is checked before any service sees it, so that a refused file leaves nothing behind — no row, no
file on disk: a plain name (no folder, no leading dot, an extension), then the documents module's rules
(cpp_registry.documents: PDF, PNG or JPEG whose content matches its extension, at most 10 MB). Each refusal
names its file.
"""

import posixpath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .documents import validate_document

ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
MAX_FILES = 10


def check_document(upload: Any) -> None:
    """One uploaded file: a plain name (no folder in it), then the documents module's rules."""
    name = upload.name or ""
    if "/" in name or "\\" in name or name in ("", ".", "..") or name.startswith("."):
        raise ValidationError(
            _("Give the file a plain name, without a folder or a leading dot (for example report.pdf)."),
            code="bad_name",
        )
    if not posixpath.splitext(name)[1]:
        raise ValidationError(_("Give the file a name that ends in .pdf, .png or .jpg."), code="no_extension")
    validate_document(upload)


class DocumentField(forms.FileField):
    """One document: PDF, PNG or JPEG, at most 10 MB, its content matching its extension."""

    default_validators = [check_document]
    default_error_messages = {
        "required": _("Choose a file to upload."),  # also what a name that is only folders ("../") arrives as
        "invalid": _("Choose a file to upload."),
        "missing": _("Choose a file to upload."),
        "empty": _("The file is empty. Choose the file again."),
        "max_length": _("The file's name is too long: shorten it to %(max)d characters."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class DocumentsField(DocumentField):
    """Several documents in one `<input type=file multiple>`, at most MAX_FILES; each is checked, and every
    file's refusal names the file. One refused file refuses them all."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "multiple": True}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("You can choose several files: PDF, PNG or JPEG, at most 10 MB each."))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
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
