"""Hostile uploads (issue 11 §2), through every upload form a person can reach — Annex A's staff proof,
project document, code of conduct and answer; the factory's complaint, the provider's answer and either
side's message; the back office's organisation (signed code of conduct), motion (a paper's document), and the
complaints pages that record, raise, find and write — in English, 繁體中文 and 简体中文 by turns:

- a renamed executable (an MZ header named .pdf), bytes that are not what the name says (a JPEG named .png,
  a PDF named .jpg), a PDF that is also a web page or an SVG (`%PDF-` then `<html>`, `<svg>`), a PNG with a
  web page after its last chunk, a file over 10 MB, an empty file, and an executable whose name climbs out
  of its folder (`../../../`): each is refused with its message in the page's language, and nothing is
  stored — no row (a SHA-256 of every table, tests/core/test_access_matrix.py) and no file, under
  MEDIA_ROOT or beside it;
- the same form with a real PDF is accepted and stores it: the refusal is the file's, not the form's.

A name's folders never reach a form: Django's upload parser keeps the last part of a name
(`MultiPartParser.sanitize_file_name`), so `../../x.pdf` arrives as `x.pdf` and is judged by its content,
and a name that is only folders (`../`) arrives as no file at all (the form field refuses a name with a
folder that reaches it some other way: tests/applications/test_uploads.py).

The file rules themselves (cpp_registry.documents.DocumentValidator) are tested first, on their own.
"""

import html
import time
import uuid
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as tr

from applications import services as applications
from applications.models import Application
from committee import services as committee
from committee.models import Motion
from complaints.models import Case
from cpp_registry.demo import APPLICANT_EMAIL, FACTORY_EMAIL
from cpp_registry.documents import MAX_BYTES, validate_document
from directory.models import Factory, FundedProject, Organisation
from tests.core.test_access_matrix import PROJECT, changed_tables, posted_form, table_digests

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\n"
    b"IDATx\x9cc\xf8\x0f\x00\x01\x01\x01\x00\xb18\xf6\x14\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x03\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 40 + b"This program cannot be run"
HTML = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
SVG = b'%PDF-1.4\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>\n'
LANGUAGES = ["en", "zh-hant", "zh-hans"]


def not_the_type(kind):
    return (
        "The file's content is not a %(type)s file, whatever its name says. Please upload the real file.",
        {"type": kind},
    )


TOO_LARGE = ("The file is larger than 10 MB. Please upload a smaller file.", {})
EMPTY = ("The file is empty. Choose the file again.", {})
EMPTY_ADMIN = ("The submitted file is empty.", {})  # Django's own, on a model's file field in the back office


# --- The file rules ------------------------------------------------------------------------------------------

POLYGLOTS = {
    "html": HTML,
    "svg": SVG,
    "doctype": b"%PDF-1.7\n<!DOCTYPE html><p>x</p>",
    "xml": b'%PDF-1.7\n<?xml version="1.0"?><x:x xmlns:x="urn:x"/>',
    "upper case": b"%PDF-1.7\n<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "utf-16": b"%PDF-1.7\n" + "<html><script>x()</script>".encode("utf-16-le"),
    "iframe": b"%PDF-1.7\n% a comment\n" + b"x" * 3000 + b"<iframe src=//evil.example>",
    "comment": b"%PDF-1.7\n<!-- -->",
    "markup at the end": PDF + b"\n" + b"0" * 40_000 + b"<html><script>x()</script></html>",
    "zip at the end": PDF + b"PK\x03\x04" + b"0" * 100 + b"PK\x05\x06" + b"\x00" * 18,
}


@pytest.mark.parametrize("content", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_pdf_that_is_also_a_web_page_an_svg_or_an_archive_is_refused(content):
    with pytest.raises(ValidationError, match="not a PDF file"):
        validate_document(SimpleUploadedFile("report.pdf", content))


IMAGES = {
    "a PNG with a page after its last chunk": ("scan.png", PNG + b"<html><script>x()</script></html>"),
    "a PNG cut short": ("scan.png", PNG[:-12]),
    "a PNG with a script in a text chunk": ("scan.png", PNG[:33] + b"\x00\x00\x00\x0ftEXt<script>x()<" + PNG[33:]),
    "a JPEG with an SVG in its comment": ("scan.jpg", JPEG[:20] + b"\xff\xfe\x00\x10<svg onload=x>" + JPEG[20:]),
    "a JPEG without its end": ("scan.jpg", JPEG[:-2] + b"\x00\x00 not an image"),
    "an executable named .jpeg": ("scan.jpeg", EXE),
}


@pytest.mark.parametrize(("name", "content"), IMAGES.values(), ids=IMAGES.keys())
def test_an_image_that_carries_something_else_is_refused(name, content):
    with pytest.raises(ValidationError, match=r"not a (PNG|JPG|JPEG) file"):
        validate_document(SimpleUploadedFile(name, content))


ACCEPTED = {
    "a PDF": ("report.pdf", PDF),
    "a PDF with binary streams": ("report.pdf", PDF[:-6] + b"stream\n" + bytes(range(256)) * 200 + b"\n%%EOF\n"),
    "a PDF with XMP metadata": (
        "report.pdf",
        b'%PDF-1.7\n<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>\n%%EOF\n',
    ),
    "a PDF about HTML, deep inside": ("report.pdf", PDF + b"0" * 20_000 + b"(<html>) Tj" + b"0" * 20_000 + PDF),
    "a PNG": ("scan.png", PNG),
    "a JPEG": ("scan.jpg", JPEG),
    "a phone's motion photo (a video after the JPEG)": (
        "photo.JPG",
        JPEG + b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 500,
    ),
}


@pytest.mark.parametrize(("name", "content"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_real_document_is_accepted(name, content):
    validate_document(SimpleUploadedFile(name, content))


def test_ten_megabytes_are_judged_quickly_and_the_file_is_left_where_it_was(tmp_path):
    """Both ends are read, never the middle (a JPEG is searched for its end marker in 1 MB pieces)."""
    body = bytes(range(256)) * (MAX_BYTES // 256 - 64)
    for name, content in [("big.pdf", PDF + body), ("big.jpg", JPEG[:-2] + body + b"\xff\xd9")]:
        upload = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
        upload.write(content)
        upload.seek(123)
        started = time.perf_counter()
        validate_document(upload)
        assert time.perf_counter() - started < 0.5
        assert upload.tell() == 123
        upload.close()


def test_a_file_already_on_record_is_not_read_again_when_its_record_is_saved(settings, tmp_path):
    """The file on record was judged when it came in: saving its record (the admin's form re-runs a model's
    validators on every field) neither re-reads it nor refuses a file an older rule let in."""
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    organisation = Organisation.objects.create(name_en="Green Tech Ltd", br_number="12345678")
    organisation.code_of_conduct_file.save("older.png", ContentFile(PNG + b"trailing bytes of an older scanner"))
    organisation = Organisation.objects.get(pk=organisation.pk)
    validate_document(organisation.code_of_conduct_file)
    organisation.full_clean()


# --- Every upload form ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Case_:
    what: str
    filename: str
    content: bytes
    message: tuple  # (msgid, params); EMPTY is the back office's own on a model's field


CASES = [
    Case_("a renamed executable", "report.pdf", EXE, not_the_type("PDF")),
    Case_("a JPEG named .png", "scan.png", JPEG, not_the_type("PNG")),
    Case_("a PDF named .jpg", "scan.jpg", PDF, not_the_type("JPG")),
    Case_("a PDF that is a web page", "report.pdf", HTML, not_the_type("PDF")),
    Case_("a PDF that is an SVG", "report.pdf", SVG, not_the_type("PDF")),
    Case_("a PNG with a page after it", "scan.png", PNG + b"<html><script>x()</script>", not_the_type("PNG")),
    Case_("11 MB", "big.pdf", PDF + b"0" * (11 * 1024 * 1024), TOO_LARGE),
    Case_("an empty file", "empty.pdf", b"", EMPTY),
    Case_("an executable climbing folders", "../../../etc/evil.pdf", EXE, not_the_type("PDF")),
]


def multipart(data, boundary=None):
    """A multipart body written by hand, each file name exactly as given (the test client drops folders)."""
    boundary = boundary or f"----hostile-{uuid.uuid4().hex}"
    parts = []
    for name, value in data.items():
        for each in value if isinstance(value, list) else [value]:
            if isinstance(each, Upload):
                head = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{each.filename}"\r\n'
                    "Content-Type: application/pdf\r\n\r\n"
                )
                parts.append(head.encode() + each.content + b"\r\n")
            else:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{each}\r\n'.encode()
                )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Demo:
    draft: Application
    awaiting: Application
    motion: Motion
    users: dict


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    User = get_user_model()
    applicant = User.objects.get(email=APPLICANT_EMAIL)
    pmt = User.objects.get(email="pmt@demo.etsp.hk")
    draft = Application.objects.get(organisation__users=applicant, status=Application.Status.DRAFT)
    applications.project_record_save(
        application=draft, user=applicant, data=PROJECT, document=SimpleUploadedFile("contract.pdf", PDF)
    )
    motion = committee.motion_create(
        kind=Motion.Kind.WARNING,
        subject=Organisation.objects.get(br_number="20000002"),
        actor=pmt,
        question_en="Should the PMC support a warning?",
        papers=[{"title_en": "Investigation report", "title_zh": "調查報告", "link": ""}],
    )
    awaiting = Application.objects.get(status=Application.Status.AWAITING_INFORMATION)
    users = {"applicant": applicant, "factory": User.objects.get(email=FACTORY_EMAIL), "pmt": pmt}
    users["answerer"] = awaiting.organisation.users.get()
    return Demo(draft=draft, awaiting=awaiting, motion=motion, users=users)


def _case(status):
    return Case.objects.filter(status=status).order_by("pk").first()


def _provider():
    return Organisation.objects.get(br_number="20000002")


# Every upload form: (what it is — a form class, or a model field in the back office —, who, where, the
# form's other fields, the file field's name, whether it takes several files). A form class with a file field
# that is not here fails test_every_upload_form_is_tried.
FORMS = {
    "applications.forms.StaffMemberForm (add)": (
        "applicant",
        lambda d: f"/{{lang}}/applications/{d.draft.reference}/staff/add/",
        lambda d: {
            "name": "Chan Tai Man",
            "position": "Consultant",
            "years": "3",
            "months": "0",
            "experience": "energy",
        },
        "proof",
    ),
    "applications.forms.StaffMemberForm (change)": (
        "applicant",
        lambda d: f"/{{lang}}/applications/{d.draft.reference}/staff/{d.draft.staff.get().pk}/",
        lambda d: {
            "name": "Chan Tai Man",
            "position": "Consultant",
            "years": "3",
            "months": "0",
            "experience": "energy",
        },
        "proof",
    ),
    "applications.forms.ProjectRecordForm (add)": (
        "applicant",
        lambda d: f"/{{lang}}/applications/{d.draft.reference}/projects/add/",
        lambda d: {**PROJECT, "started_on": "2024-01-15", "ended_on": "2024-06-30", "completed": "yes"},
        "document",
    ),
    "applications.forms.ProjectRecordForm (change)": (
        "applicant",
        lambda d: f"/{{lang}}/applications/{d.draft.reference}/projects/{d.draft.projects.get().pk}/",
        lambda d: {**PROJECT, "started_on": "2024-01-15", "ended_on": "2024-06-30", "completed": "yes"},
        "document",
    ),
    "applications.forms.CodeOfConductForm": (
        "applicant",
        lambda d: f"/{{lang}}/applications/{d.draft.reference}/code-of-conduct/",
        lambda d: {"kind": "template"},
        "document",
    ),
    "applications.forms.AnswerForm": (
        "answerer",
        lambda d: f"/{{lang}}/applications/{d.awaiting.reference}/answer/",
        lambda d: {"text": "The certificate, signed."},
        "documents",
    ),
    "complaints.forms.LodgeForm": (
        "factory",
        lambda d: "/{lang}/complaints/new/",
        lambda d: {"organisation": str(_provider().pk), "description": "The report never came."},
        "documents",
    ),
    "complaints.forms.AnswerForm": (
        "applicant",
        lambda d: f"/{{lang}}/complaints/{_case(Case.Status.SUBSTANTIATED).reference}/answer/",
        lambda d: {"answer-text": "The heat exchanger is connected."},
        "answer-documents",
    ),
    "complaints.forms.MessageForm": (
        "factory",
        lambda d: f"/{{lang}}/complaints/{_case(Case.Status.RECORDED).reference}/message/",
        lambda d: {"message-text": "The letter we sent."},
        "message-documents",
    ),
    "admin: directory.organisation.code_of_conduct_file": (
        "pmt",
        lambda d: f"/{{lang}}/admin/directory/organisation/{_provider().pk}/change/",
        None,  # the change form as the page sends it
        "code_of_conduct_file",
    ),
    "admin: committee.paper.document": (
        "pmt",
        lambda d: f"/{{lang}}/admin/committee/motion/{d.motion.pk}/change/",
        None,
        "-document",  # the paper's row of the inline
    ),
    "complaints.admin_forms.RecordComplaintForm": (
        "pmt",
        lambda d: "/{lang}/admin/complaints/case/record/",
        lambda d: {
            "factory": str(Factory.objects.get(users__email=FACTORY_EMAIL).pk),
            "organisation": str(_provider().pk),
            "received_on": timezone.localdate().isoformat(),
            "source": Case.Source.POST,
            "description": "A letter about a late report.",
        },
        "documents",
    ),
    "complaints.admin_forms.RaiseSubstandardForm": (
        "pmt",
        lambda d: "/{lang}/admin/complaints/case/raise/",
        lambda d: {
            "funded_project": str(FundedProject.objects.order_by("pk").first().pk),
            "grounds": Case.Ground.SCOPE,
            "description": "No measurements after the works.",
        },
        "documents",
    ),
    "complaints.admin_forms.FindingsForm": (
        "pmt",
        lambda d: f"/{{lang}}/admin/complaints/case/{_case(Case.Status.UNDER_INVESTIGATION).pk}/findings/",
        lambda d: {"substantiated": "no", "findings": "The visit took place as agreed."},
        "documents",
    ),
    "complaints.admin_forms.MessageForm": (
        "pmt",
        lambda d: f"/{{lang}}/admin/complaints/case/{_case(Case.Status.RECORDED).pk}/message/",
        lambda d: {"text": "The factory's letter, scanned."},
        "documents",
    ),
}


def _stored(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _page(response):
    return html.unescape(response.content.decode(errors="replace"))


def _expected(message, language):
    msgid, params = message
    with translation.override(language):
        return tr(msgid) % params if params else tr(msgid)


def _base_data(client, form_name, demo, address):
    _user, _url, data, field = FORMS[form_name]
    if data is not None:
        return data(demo), field
    path = address.format(lang="en")
    form = posted_form(client.get(path).content.decode(), path)
    assert form is not None, f"{form_name}: no form on {path}"
    sent = {}
    for name, value in form.fields:
        sent.setdefault(name, []).append(value)
    if field.startswith("-"):
        field = next(name for name in form.files if name.endswith(field))
    assert field in form.files, f"{form_name}: no file input {field} on {path}"
    return {name: values if len(values) > 1 else values[0] for name, values in sent.items()}, field


@pytest.mark.parametrize("form_name", FORMS)
def test_every_hostile_file_is_refused_in_the_pages_language_and_nothing_is_stored(
    client, demo, settings, tmp_path, form_name
):
    who, address, _data, _field = FORMS[form_name]
    client.force_login(demo.users[who])
    address = address(demo)
    base, field = _base_data(client, form_name, demo, address)
    admin_field = form_name.startswith("admin:")
    failures = []
    for index, case in enumerate(CASES):
        language = LANGUAGES[(index + len(form_name)) % 3]
        before, files = table_digests(), _stored(tmp_path)
        body, content_type = multipart({**base, field: Upload(case.filename, case.content)})
        response = client.generic("POST", address.format(lang=language), body, content_type=content_type)
        page = _page(response)
        message = EMPTY_ADMIN if admin_field and case.message == EMPTY else case.message
        expected = _expected(message, language)
        changed = changed_tables(before, table_digests())
        new_files = sorted(set(_stored(tmp_path)) - set(files))
        if response.status_code != 200 or expected not in page or changed or new_files:
            failures.append(
                f"{case.what} [{language}]: {response.status_code}, {expected!r} shown: "
                f"{expected in page}, tables changed: {changed}, files: {new_files}"
            )
    assert not failures, f"{form_name} at {address}:\n" + "\n".join(failures)

    body, content_type = multipart({**base, field: Upload("good.pdf", PDF)})
    response = client.generic("POST", address.format(lang="en"), body, content_type=content_type)
    assert response.status_code == 302, f"{form_name}: a real PDF is refused too:\n{_page(response)[:3000]}"
    assert any(name.endswith("good.pdf") for name in _stored(settings.MEDIA_ROOT)), _stored(tmp_path)


def test_every_upload_form_is_tried(client, demo):
    """Every form class of the portal with a file field, and every file input of the back office's add and
    change pages, is in FORMS: a new upload form cannot escape the hostile files."""
    from django import forms
    from django.contrib import admin

    from tests.core.test_access_matrix import page_forms

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    apps = ("applications", "complaints", "committee", "directory", "cpp_registry")
    found = {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in apps
        and any(isinstance(f, forms.FileField) for f in getattr(cls, "base_fields", {}).values())
    }
    # A ModelAdmin's own form is tried through its page, below.
    found -= {f"{ma.form.__module__}.{ma.form.__qualname__}" for ma in admin.site._registry.values()}
    client.force_login(get_user_model().objects.get(email="admin@demo.etsp.hk"))
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        obj = demo.motion if model is Motion else model._default_manager.order_by("pk").first()
        pages = [reverse(f"admin:{info}_add")] + ([reverse(f"admin:{info}_change", args=[obj.pk])] if obj else [])
        inlines = {
            inline.get_formset(_superuser_request(), obj).get_default_prefix(): inline.model
            for inline in model_admin.get_inline_instances(_superuser_request(), obj)
        }
        for page in pages:
            for form in page_forms(client.get(page).content.decode()):
                for name in form.files:
                    prefix, _sep, rest = name.partition("-")
                    owner = inlines.get(prefix, model) if rest else model
                    found.add(f"admin: {owner._meta.label_lower}.{name.rsplit('-', 1)[-1]}")
    tried = {name.split(" (")[0] for name in FORMS}
    assert found <= tried, f"upload forms not tried: {sorted(found - tried)}"
    assert "admin: directory.organisation.code_of_conduct_file" in found and "admin: committee.paper.document" in found


def _superuser_request():
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(email="admin@demo.etsp.hk")
    return request


def test_a_name_that_is_only_folders_is_no_file_and_nothing_is_written_outside(client, demo, tmp_path):
    """`../` loses everything before any form sees it: the proof is missing (refused in the page's language),
    and nothing is written anywhere."""
    client.force_login(demo.users["applicant"])
    address = f"/zh-hans/applications/{demo.draft.reference}/staff/add/"
    base = FORMS["applications.forms.StaffMemberForm (add)"][2](demo)
    files = _stored(tmp_path)
    for name in ["../", "..", "/", "..\\..\\"]:
        body, content_type = multipart({**base, "proof": Upload(name, PDF)})
        page = _page(client.generic("POST", address, body, content_type=content_type))
        assert _expected(("Choose a file to upload.", {}), "zh-hans") in page
    assert _stored(tmp_path) == files


def test_a_name_that_climbs_folders_lands_in_its_own_folder_by_its_last_part(client, demo, tmp_path):
    client.force_login(demo.users["factory"])
    data = {"organisation": str(_provider().pk), "description": "The report never came."}
    files = _stored(tmp_path)
    body, content_type = multipart({**data, "documents": Upload("../../../../tmp/evil.pdf", PDF)})
    response = client.generic("POST", "/en/complaints/new/", body, content_type=content_type)
    assert response.status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert sorted(set(_stored(tmp_path)) - set(files)) == [f"media/complaints/{case.pk}/evil.pdf"]
