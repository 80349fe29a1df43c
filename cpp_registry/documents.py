"""Uploaded documents: what may be uploaded, and who may read each one.

Nothing under MEDIA_ROOT is served directly. Every FileField's URL points at `/documents/<name>`, which
one view answers: it finds the record that holds the file through the fields apps register here at
start-up (AppConfig.ready), asks that app whether this user may read it, and answers 404 otherwise — the
same answer as for a file that does not exist, so a name reveals nothing (deny by default).
"""

import mimetypes
import posixpath
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 10 * 1024 * 1024
# The first bytes of each accepted type: an extension alone proves nothing.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


@deconstructible
class DocumentValidator:
    """A PDF or an image (PNG, JPEG) of at most 10 MB whose content matches its extension."""

    extensions = tuple(SIGNATURES)

    def __call__(self, upload):
        FileExtensionValidator(
            allowed_extensions=self.extensions,
            message=_("Upload a PDF, PNG or JPEG file; “%(extension)s” files are not accepted."),
        )(upload)
        if upload.size is not None and upload.size > MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB. Please upload a smaller file."), code="too_large")
        extension = posixpath.splitext(upload.name)[1].lower().lstrip(".")
        position = upload.tell() if hasattr(upload, "tell") else 0
        upload.seek(0)
        head = upload.read(16)
        upload.seek(position)
        if not any(head.startswith(signature) for signature in SIGNATURES[extension]):
            raise ValidationError(
                _("The file's content is not a %(type)s file, whatever its name says. Please upload the real file."),
                code="content_mismatch",
                params={"type": extension.upper()},
            )

    def __eq__(self, other):
        return isinstance(other, DocumentValidator)


validate_document = DocumentValidator()


@dataclass(frozen=True)
class Holder:
    model: type
    field: str
    can_read: object  # callable(user, instance) -> bool


_HOLDERS = []


def register_document_field(model, field, can_read):
    """Called from an app's AppConfig.ready(): files in `model.field` are served to users for whom
    `can_read(user, instance)` is true, and to nobody else."""
    if not any(h.model is model and h.field == field for h in _HOLDERS):
        _HOLDERS.append(Holder(model, field, can_read))


def document_response(*, user, name):
    """The file `name` for `user`, or Http404 (missing and forbidden look the same)."""
    if not name or ".." in name.split("/"):
        raise Http404
    for holder in _HOLDERS:
        instance = holder.model._default_manager.filter(**{holder.field: name}).first()
        if instance is None:
            continue
        if not holder.can_read(user, instance):
            raise Http404
        stored = getattr(instance, holder.field)
        try:
            handle = stored.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(handle, as_attachment=True, filename=posixpath.basename(name), content_type=content_type)
    raise Http404
