"""Documents sent with a complaint, an answer or a message: a PDF, PNG or JPEG whose content matches its name,
at most 10 MB, with a plain name. A refused file is named in the error summary, and nothing is stored — no
case, no message, no row, no file under MEDIA_ROOT."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.forms import LodgeForm
from complaints.models import Attachment, Case, Message
from cpp_registry.documents import MAX_BYTES
from cpp_registry.uploads import MAX_FILES

from .factories import factory_with_user, provider
from .test_views import PDF, lodged, login, notified, pdf, substantiated, url

pytestmark = pytest.mark.django_db
EXE = b"MZ\x90\x00\x03\x00\x00\x00 this is a program"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def parties():
    return provider(name_en="Green Tech Limited"), factory_with_user()


def stored(media):
    """Every file under MEDIA_ROOT."""
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []


def counts():
    return [Case.objects.count(), Message.objects.count(), Attachment.objects.count()]


REFUSED = [
    ("spoofed", lambda: SimpleUploadedFile("invoice.pdf", EXE), "invoice.pdf: The file's content is not a PDF file"),
    ("not a document", lambda: SimpleUploadedFile("tool.exe", EXE), "“exe” files are not accepted"),
    (
        "larger than 10 MB",
        lambda: SimpleUploadedFile("scan.pdf", PDF + b"0" * (MAX_BYTES + 1 - len(PDF))),
        "scan.pdf: The file is larger than 10 MB",
    ),
    ("a leading dot", lambda: SimpleUploadedFile(".hidden.pdf", PDF), "without a folder or a leading dot"),
    ("empty", lambda: SimpleUploadedFile("empty.pdf", b""), "The file is empty"),
]


@pytest.mark.parametrize(("what", "make", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_file_refuses_the_complaint_clearly_and_stores_nothing(client, parties, media, what, make, message):
    organisation, factory = parties
    login(client, factory.users.get())
    response = client.post(
        url("lodge"),
        {"organisation": organisation.pk, "description": "Late.", "documents": [pdf("good.pdf"), make()]},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>Error: ", page) and "There is a problem" in page
    assert message in page.replace("&#x27;", "'")
    assert 'href="#id_documents"' in page
    assert counts() == [0, 0, 0]
    assert stored(media) == []


def test_more_than_ten_files_are_refused(client, parties, media):
    organisation, factory = parties
    login(client, factory.users.get())
    files = [pdf(f"page{i}.pdf") for i in range(MAX_FILES + 1)]
    response = client.post(url("lodge"), {"organisation": organisation.pk, "description": "x", "documents": files})
    assert "Upload at most 10 files at a time." in response.content.decode()
    assert counts() == [0, 0, 0] and stored(media) == []


def test_a_name_with_a_folder_is_refused_by_the_form(parties):
    """The HTTP parser already drops a folder from a file's name (below); the form refuses one that reaches it
    anyway (a Windows path, which a POSIX basename leaves whole)."""
    organisation, factory = parties
    upload = SimpleUploadedFile("..\\..\\settings.pdf", PDF)
    form = LodgeForm(
        data={"organisation": str(organisation.pk), "description": "x"},
        files={"documents": upload},
        factories=[factory],
        providers=[organisation],
    )
    assert not form.is_valid()
    assert "without a folder" in form.errors["documents"][0]


def _multipart(fields, files, boundary="----complaints-test"):
    """A multipart body with the file names exactly as given (the test client would drop their folders)."""
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_a_path_in_a_name_never_leaves_the_cases_folder(client, parties, media):
    """A name that climbs folders ("../../") loses them before any form sees it (Django's upload parser): the
    file is kept, if at all, under the case's own folder with its plain name; nothing lands elsewhere."""
    organisation, factory = parties
    login(client, factory.users.get())
    body, content_type = _multipart(
        {"organisation": organisation.pk, "description": "Late."},
        [("documents", "../../../etc/cron.pdf", PDF)],
    )
    response = client.generic("POST", url("lodge"), body, content_type=content_type)
    assert response.status_code == 302
    case = Case.objects.get()
    assert stored(media) == [f"complaints/{case.pk}/cron.pdf"]


def test_a_hidden_name_sent_over_http_is_refused(client, parties, media):
    organisation, factory = parties
    login(client, factory.users.get())
    body, content_type = _multipart(
        {"organisation": organisation.pk, "description": "Late."}, [("documents", "..\u2215evil.pdf", PDF)]
    )
    response = client.generic("POST", url("lodge"), body, content_type=content_type)
    assert response.status_code == 200
    assert "without a folder or a leading dot" in response.content.decode()
    assert counts() == [0, 0, 0] and stored(media) == []


@pytest.mark.parametrize(("what", "make", "message"), REFUSED[:3], ids=[r[0] for r in REFUSED[:3]])
def test_a_refused_file_refuses_the_providers_answer_and_stores_nothing(client, parties, media, what, make, message):
    organisation, _factory = parties
    case = substantiated(lodged(parties))
    before, files_before = counts(), stored(media)
    login(client, organisation.users.get())
    response = client.post(url("answer", case), {"answer-text": "Fixed.", "answer-documents": [make()]})
    page = response.content.decode()
    assert response.status_code == 200 and message in page.replace("&#x27;", "'")
    assert 'href="#id_answer-documents"' in page
    assert counts() == before and stored(media) == files_before
    case.refresh_from_db()
    assert case.status == Case.Status.SUBSTANTIATED


@pytest.mark.parametrize("side", ["factory", "provider"])
def test_a_refused_file_refuses_a_message_and_stores_nothing(client, parties, media, side):
    organisation, factory = parties
    case = notified(lodged(parties))
    before, files_before = counts(), stored(media)
    login(client, factory.users.get() if side == "factory" else organisation.users.get())
    response = client.post(
        url("message", case),
        {"message-text": "See attached.", "message-documents": [SimpleUploadedFile("photo.jpg", EXE)]},
    )
    assert response.status_code == 200
    assert "photo.jpg: The file's content is not a JPG file" in response.content.decode().replace("&#x27;", "'")
    assert counts() == before and stored(media) == files_before
