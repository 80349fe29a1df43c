"""Uploaded documents: what may be uploaded, who may read each one, and no file left behind.

Nothing under MEDIA_ROOT is served directly. Every FileField's URL points at `/documents/<name>`, which
one view answers: it finds the record that holds the file through the fields apps register here at
start-up (AppConfig.ready), asks that app whether this user may read it, and answers 404 otherwise — the
same answer as for a file that does not exist, so a name reveals nothing (deny by default).

A file a record no longer holds — replaced by another (the admin's forms, an applicant's new proof), cleared,
or its record deleted — is deleted from storage once the change commits, unless another record of a
registered field still holds the same name (an approved application's signed code of conduct is the
organisation's too: applications.services.processing._grant copies the name). A rollback deletes nothing.
"""

import logging
import mimetypes
import posixpath
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_init, post_save
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
# The first bytes of each accepted type: an extension alone proves nothing.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
# How much of each end of a file is read for markup. A browser sniffs a page from its first bytes (the
# WHATWG's MIME sniffing reads 1445), another reader finds a ZIP from its end: a polyglot — a file that is a
# PDF to one program and a web page, an SVG or an archive to another — carries its second self there.
# Reading both ends, never the middle, keeps a 10 MB upload as fast as a small one.
HEAD_BYTES = TAIL_BYTES = 16 * 1024
# Markup no PDF, PNG or JPEG carries at its ends: a tag that a browser or an XML reader acts on (each
# followed by a byte that ends a tag's name, so that compressed data, which is random bytes, has a
# negligible chance of spelling one in 32 KB), an XML declaration or comment, or a ZIP archive's end record.
# XMP metadata (`<?xpacket`, `<x:xmpmeta`, `<rdf:RDF`) is none of these. Read in lower case with NUL bytes
# dropped, so that `<SCRIPT` and UTF-16 text are found too.
MARKUP = re.compile(
    rb"<(?:!doctype|\?xml|!--|!\[cdata\[|(?:html|head|body|script|svg|iframe|frame|frameset|object|embed|applet"
    rb"|meta|link|style|base|form|img|image|video|audio|math|title|table|div|span|template|xsl:stylesheet)"
    rb"[\s/>])|pk\x05\x06"
)
# The last chunk of every PNG (its length, name and CRC never change).
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_END = b"\xff\xd9"


def _not_the_type(extension):
    return ValidationError(
        _("The file's content is not a %(type)s file, whatever its name says. Please upload the real file."),
        code="content_mismatch",
        params={"type": extension.upper()},
    )


def _size(upload):
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    return size


def _read(upload, start, length):
    upload.seek(start)
    return upload.read(length)


def _contains(upload, needle, start):
    """Whether `needle` occurs in the file after `start`, read in 1 MB pieces."""
    upload.seek(start)
    carry = b""
    while piece := upload.read(1024 * 1024):
        if needle in carry + piece:
            return True
        carry = piece[-(len(needle) - 1) :]
    return False


@deconstructible
class DocumentValidator:
    """A PDF or an image (PNG, JPEG) of at most 10 MB whose content is what its extension says — and nothing
    else: its first bytes are the type's signature, neither of its ends carries markup (a PDF that is also a
    web page or an SVG is refused), a PNG ends with its last chunk and a JPEG has its end-of-image marker."""

    extensions = tuple(SIGNATURES)

    def __call__(self, upload):
        if isinstance(upload, FieldFile) and upload._committed:
            return  # a file already on record, judged when it was uploaded: a record's save does not re-read it
        FileExtensionValidator(
            allowed_extensions=self.extensions,
            message=_("Upload a PDF, PNG or JPEG file; “%(extension)s” files are not accepted."),
        )(upload)
        extension = posixpath.splitext(upload.name)[1].lower().lstrip(".")
        position = upload.tell() if hasattr(upload, "tell") else 0
        try:
            self._check_content(upload, extension)
        finally:
            upload.seek(position)

    def _check_content(self, upload, extension):
        size = _size(upload)
        if size == 0:
            raise ValidationError(_("The file is empty. Choose the file again."), code="empty")
        if size > MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB. Please upload a smaller file."), code="too_large")
        head = _read(upload, 0, HEAD_BYTES)
        if not any(head.startswith(signature) for signature in SIGNATURES[extension]):
            raise _not_the_type(extension)
        tail = _read(upload, max(len(head), size - TAIL_BYTES), TAIL_BYTES) if size > len(head) else b""
        for end in (head, tail):
            if MARKUP.search(end.lower().replace(b"\x00", b"")):
                raise _not_the_type(extension)
        if extension == "png" and (head + tail)[-len(PNG_END) :] != PNG_END:
            raise _not_the_type(extension)
        if extension in ("jpg", "jpeg") and not _contains(upload, JPEG_END, 3):
            raise _not_the_type(extension)

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
    uid = f"cpp_registry.documents.{model._meta.label_lower}"
    post_init.connect(_remember_names, sender=model, dispatch_uid=f"{uid}.init", weak=False)
    post_save.connect(_forget_replaced, sender=model, dispatch_uid=f"{uid}.save", weak=False)
    post_delete.connect(_forget_deleted, sender=model, dispatch_uid=f"{uid}.delete", weak=False)


# --- No file left behind ------------------------------------------------------------------------------------

NAMES = "_document_names"  # on each instance: {field: the name it held when read or last saved}


def _fields_of(model):
    return [holder.field for holder in _HOLDERS if holder.model is model]


def _stored_name(instance, field):
    """The name the field holds now, without the descriptor's work for a field not loaded (deferred)."""
    attname = instance._meta.get_field(field).attname
    if attname not in instance.__dict__:
        return None
    value = instance.__dict__[attname]
    return str(getattr(value, "name", value) or "")


def _remember_names(sender, instance, **kwargs):
    setattr(instance, NAMES, {field: _stored_name(instance, field) for field in _fields_of(sender)})


def _forget_replaced(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """After a save: a file the record held before and holds no longer is deleted once the change commits.
    A record just created held none (what it was made with is not a stored name yet)."""
    before = getattr(instance, NAMES, {})
    now = {}
    for field in _fields_of(sender):
        if update_fields is not None and field not in update_fields:
            now[field] = before.get(field)
            continue
        now[field] = getattr(instance, field).name or ""
        if not (created or raw) and before.get(field) and before[field] != now[field]:
            _delete_when_committed(sender, field, before[field])
    setattr(instance, NAMES, now)


def _forget_deleted(sender, instance, **kwargs):
    for field in _fields_of(sender):
        name = getattr(instance, field).name
        if name:
            _delete_when_committed(sender, field, name)


def document_name_held(name):
    """Whether any record of a registered document field holds the file `name`."""
    return any(holder.model._default_manager.filter(**{holder.field: name}).exists() for holder in _HOLDERS)


def _delete_when_committed(model, field, name):
    storage = model._meta.get_field(field).storage

    def delete():
        if document_name_held(name):
            return
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the replaced document %s", name)

    transaction.on_commit(delete)


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
