"""Uploads of Annex A evidence go through the documents module (cpp_registry.documents): a PDF, PNG or JPEG
of at most 10 MB whose content matches its extension. A refused file is told in a clear, translated message
and leaves nothing behind — no row, no file on disk; a name carrying a folder never reaches the disk as one."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as tr  # not "gettext(": the catalogue is not the tests'

from applications import services
from applications.models import Application, Attachment, Message, ProjectRecord, StaffMember
from cpp_registry.documents import MAX_BYTES
from cpp_registry.uploads import DocumentField, DocumentsField
from tests.core.factories import UserFactory

from .factories import PDF
from .test_views import _project_post, _staff_post, awaiting, error_summary, page, pdf

pytestmark = pytest.mark.django_db
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def stored(media):
    """Every file on disk under the test's folder (MEDIA_ROOT and around it), relative to it."""
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


@pytest.fixture
def applicant():
    return UserFactory(email="owner@greentech.example.hk")


@pytest.fixture
def draft(applicant):
    return services.application_start(user=applicant)


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def _staff_add(draft):
    return reverse("applications:staff_add", kwargs={"reference": draft.reference})


BAD_FILES = [
    ("spoofed", "cv.pdf", EXE, "The file's content is not a PDF file, whatever its name says."),
    ("spoofed image", "cv.png", PDF, "The file's content is not a PNG file, whatever its name says."),
    ("not a document", "cv.exe", EXE, "Upload a PDF, PNG or JPEG file; “exe” files are not accepted."),
    ("no extension", "cv", PDF, "Give the file a name that ends in .pdf, .png or .jpg."),
    ("oversized", "cv.pdf", PDF + b"0" * (MAX_BYTES + 1 - len(PDF)), "The file is larger than 10 MB."),
    ("empty", "cv.pdf", b"", "The file is empty. Choose the file again."),
]


@pytest.mark.parametrize(("case", "name", "content", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_proof_is_refused_clearly_and_nothing_is_stored(signed_in, draft, media, case, name, content, message):
    before = stored(media)
    data = _staff_post(proof=SimpleUploadedFile(name, content, content_type="application/pdf"))
    html = page(signed_in.post(_staff_add(draft), data))
    summary = error_summary(html)
    assert message in summary
    assert 'href="#id_proof"' in summary
    assert not StaffMember.objects.exists()
    assert stored(media) == before == []


def test_the_refusal_is_in_the_pages_language(signed_in, draft, media):
    address = reverse("applications:staff_add", kwargs={"reference": draft.reference}).replace("/en/", "/zh-hant/")
    html = page(signed_in.post(address, _staff_post(proof=SimpleUploadedFile("cv.pdf", EXE))))
    with translation.override("zh-hant"):
        expected = tr(
            "The file's content is not a %(type)s file, whatever its name says. Please upload the real file."
        ) % {"type": "PDF"}
    assert "whatever its name says" not in expected
    assert expected in error_summary(html)
    assert stored(media) == []


def test_a_bad_project_document_and_a_bad_code_of_conduct_are_refused_and_nothing_is_stored(signed_in, draft, media):
    address = reverse("applications:project_add", kwargs={"reference": draft.reference})
    html = page(signed_in.post(address, _project_post(document=SimpleUploadedFile("contract.pdf", EXE))))
    assert "not a PDF file" in error_summary(html)
    address = reverse("applications:code_of_conduct", kwargs={"reference": draft.reference})
    html = page(signed_in.post(address, {"kind": "own", "document": SimpleUploadedFile("coc.jpg", PDF)}))
    assert "not a JPG file" in error_summary(html)
    draft.refresh_from_db()
    assert not ProjectRecord.objects.exists()
    assert (draft.code_of_conduct_kind, draft.code_of_conduct_file.name, draft.sections_done) == ("", "", [])
    assert stored(media) == []


def test_replacing_a_proof_with_a_bad_file_keeps_the_good_one(signed_in, draft, media, applicant):
    member = services.staff_member_save(
        application=draft,
        user=applicant,
        data={"name": "Chan", "position": "Consultant", "years": 2, "months": 0, "fields": ["energy"]},
        proof=pdf("cv.pdf"),
    )
    before = stored(media)
    address = reverse("applications:staff_edit", kwargs={"reference": draft.reference, "pk": member.pk})
    html = page(signed_in.post(address, _staff_post(name="Changed", proof=SimpleUploadedFile("cv2.pdf", EXE))))
    assert "not a PDF file" in error_summary(html)
    member.refresh_from_db()
    assert (member.name, member.proof.name) == ("Chan", f"applications/{draft.pk}/staff/cv.pdf")
    assert stored(media) == before == [f"media/applications/{draft.pk}/staff/cv.pdf"]


def test_an_answer_with_one_bad_document_among_several_stores_nothing(client, media):
    applicant = UserFactory(email="owner@greentech.example.hk")
    application = awaiting(applicant)
    client.force_login(applicant)
    before = stored(media)
    address = reverse("applications:answer", kwargs={"reference": application.reference})
    documents = [pdf("certificate.pdf"), SimpleUploadedFile("letter.pdf", EXE), pdf("photo.pdf")]
    html = page(client.post(address, {"text": "Attached.", "documents": documents}))
    summary = error_summary(html)
    assert "letter.pdf: The file's content is not a PDF file" in summary
    assert "certificate.pdf" not in summary and 'href="#id_documents"' in summary
    application.refresh_from_db()
    assert application.status == Application.Status.AWAITING_INFORMATION
    assert not Message.objects.filter(kind=Message.Kind.ANSWER).exists()
    assert not Attachment.objects.exists()
    assert stored(media) == before


def test_at_most_ten_documents_at_a_time(client, media):
    applicant = UserFactory(email="owner@greentech.example.hk")
    application = awaiting(applicant)
    client.force_login(applicant)
    address = reverse("applications:answer", kwargs={"reference": application.reference})
    html = page(client.post(address, {"text": "x", "documents": [pdf(f"d{i}.pdf") for i in range(11)]}))
    assert "Upload at most 10 files at a time." in error_summary(html)
    assert not Attachment.objects.exists()


def _multipart(fields, filename, content, boundary="BoUnDaRy7c1b"):
    """A request body written by hand: the test client itself would strip the folder from the name."""
    parts = []
    for name, value in fields.items():
        for each in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{each}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="proof"; filename="{filename}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("filename", ["../../escape.pdf", "a/b/escape.pdf", "..\\..\\escape.pdf", "/etc/escape.pdf"])
def test_a_name_with_a_folder_is_stripped_to_its_file_name_inside_the_applications_folder(
    signed_in, draft, media, filename
):
    fields = {k: v for k, v in _staff_post().items() if k != "proof"}
    body, content_type = _multipart(fields, filename, PDF)
    response = signed_in.post(_staff_add(draft), body, content_type=content_type)
    assert response.status_code == 302
    member = StaffMember.objects.get()
    assert member.proof.name == f"applications/{draft.pk}/staff/escape.pdf"
    assert stored(media) == [f"media/applications/{draft.pk}/staff/escape.pdf"]


@pytest.mark.parametrize("filename", ["..", ".", "../"])
def test_a_name_that_is_only_a_folder_is_no_file_and_nothing_is_stored(signed_in, draft, media, filename):
    fields = {k: v for k, v in _staff_post().items() if k != "proof"}
    body, content_type = _multipart(fields, filename, PDF)
    html = page(signed_in.post(_staff_add(draft), body, content_type=content_type))
    assert 'href="#id_proof"' in error_summary(html)
    assert not StaffMember.objects.exists()
    assert stored(media) == []


@pytest.mark.parametrize("name", ["../x.pdf", "a/b.pdf", "a\\b.pdf", ".hidden.pdf"])
def test_the_form_field_itself_refuses_a_name_with_a_folder(name):
    """Should a name with a folder ever reach the form (Django's parser strips it first), it is refused."""
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload._name = name  # past UploadedFile's own stripping of the folder
    for field in (DocumentField(), DocumentsField()):
        with pytest.raises(ValidationError, match="without a folder"):
            field.clean([upload] if isinstance(field, DocumentsField) else upload)
