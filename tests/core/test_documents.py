"""Uploaded documents: only PDF, PNG or JPEG whose content matches, at most 10 MB; served through one
view to those entitled, and 404 to everyone else (deny by default)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import modelform_factory

from committee.models import Paper
from cpp_registry.documents import MAX_BYTES, validate_document
from cpp_registry.roles import Role
from directory.models import Organisation
from tests.committee.factories import member, open_motion

from .factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("conduct.exe", b"MZ\x90\x00", "“exe” files are not accepted"),
        ("conduct.pdf", b"MZ\x90\x00 not a pdf", "not a PDF file"),
        ("scan.png", b"\xff\xd8\xff\xe0 a jpeg", "not a PNG file"),
    ],
)
def test_a_wrong_file_is_refused_with_a_clear_message(name, content, error):
    """§7.1: an upload that is not a PDF, PNG or JPEG — by its extension or by its first bytes — is refused."""
    with pytest.raises(ValidationError) as refused:
        validate_document(SimpleUploadedFile(name, content))
    assert error in " ".join(refused.value.messages)


# A whole (1×1, grey) PNG, to its last chunk; a JPEG's header and end-of-image marker (the validator reads both
# ends of a file: cpp_registry.documents).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\n"
    b"IDATx\x9cc\xf8\x0f\x00\x01\x01\x01\x00\xb18\xf6\x14\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.mark.parametrize(
    ("name", "content"),
    [("conduct.pdf", PDF), ("CONDUCT.PDF", PDF), ("scan.png", PNG), ("scan.jpg", JPEG), ("scan.JPEG", JPEG)],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_pdf_or_an_image_is_accepted(name, content):
    """§7.1: the signed code of conduct as a PDF or a scan (PNG, JPEG, any case of extension) is accepted
    by the record's own form, and stored as it was sent."""
    organisation = Organisation.objects.create(name_en="Green Tech Ltd", br_number="12345678")
    Form = modelform_factory(Organisation, fields=["code_of_conduct_file"])
    form = Form(data={}, files={"code_of_conduct_file": SimpleUploadedFile(name, content)}, instance=organisation)
    assert form.is_valid(), form.errors.as_text()
    form.save()
    organisation.refresh_from_db()
    assert organisation.code_of_conduct_file.name.startswith("code-of-conduct/")
    with organisation.code_of_conduct_file.open("rb") as stored:
        assert stored.read() == content


def test_a_file_over_10_mb_is_refused():
    """§7.1 (decision): at most 10 MB."""
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * MAX_BYTES)
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        validate_document(big)


def test_the_upload_form_refuses_a_wrong_file_and_changes_nothing():
    """§7.1: the validator sits on the model field, so the admin's forms refuse it too (translated)."""
    from django.utils import translation

    organisation = Organisation.objects.create(name_en="Green Tech Ltd", br_number="12345678")
    Form = modelform_factory(Organisation, fields=["code_of_conduct_file"])
    with translation.override("zh-hant"):
        form = Form(
            data={}, files={"code_of_conduct_file": SimpleUploadedFile("conduct.exe", b"MZ")}, instance=organisation
        )
        assert not form.is_valid()
        assert "不接受" in str(form.errors)
    organisation.refresh_from_db()
    assert not organisation.code_of_conduct_file


@pytest.fixture
def organisation():
    organisation = Organisation.objects.create(name_en="Green Tech Ltd", br_number="12345678")
    organisation.code_of_conduct_file.save("signed.pdf", ContentFile(PDF))
    return organisation


def test_the_code_of_conduct_is_served_to_its_organisation_and_to_staff(client, organisation):
    """§7.1: the signed code of conduct on record is read by the Secretariat and the organisation's users."""
    url = organisation.code_of_conduct_file.url
    assert url.startswith("/documents/code-of-conduct/")
    own = UserFactory(email="own@example.hk")
    organisation.users.add(own)
    for user in (own, staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["other organisation", "pmc member", "factory"])
def test_the_code_of_conduct_answers_404_to_anyone_else(client, organisation, who):
    """§7.1 (decision): to anyone else the file does not exist."""
    other = Organisation.objects.create(name_en="Other Ltd", br_number="87654321")
    users = {
        "other organisation": lambda: other.users.add(UserFactory(email="other@example.hk")) or other.users.get(),
        "pmc member": lambda: staff_user(Role.PMC_MEMBER, email="pmc@example.hk"),
        "factory": lambda: UserFactory(email="factory@example.hk"),
    }
    client.force_login(users[who]())
    assert client.get(organisation.code_of_conduct_file.url).status_code == 404


def test_anonymous_is_asked_to_log_in(client, organisation):
    """§7.1 (decision): a visitor who is not logged in is asked to log in, and reads nothing."""
    response = client.get(organisation.code_of_conduct_file.url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", ["code-of-conduct/missing.pdf", "../settings.py", "code-of-conduct/../../x"])
def test_unknown_or_crafted_names_answer_404(client, name):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    assert client.get(f"/documents/{name}").status_code == 404


def test_a_motion_paper_goes_to_members_and_staff_only(client):
    """§6.1.4: the papers the Secretariat puts to the PMC are read by members and staff only."""
    motion = open_motion()
    paper = Paper.objects.create(motion=motion, title_en="Report")
    paper.document.save("report.pdf", ContentFile(PDF))
    client.force_login(member(email="m1@example.hk"))
    assert client.get(paper.document.url).status_code == 200
    client.force_login(UserFactory(email="applicant@example.hk"))
    assert client.get(paper.document.url).status_code == 404
