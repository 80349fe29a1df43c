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
    with pytest.raises(ValidationError) as refused:
        validate_document(SimpleUploadedFile(name, content))
    assert error in " ".join(refused.value.messages)


def test_a_pdf_or_an_image_is_accepted():
    validate_document(SimpleUploadedFile("conduct.PDF", PDF))
    validate_document(SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff\xe0 jpeg"))


def test_a_file_over_10_mb_is_refused():
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * MAX_BYTES)
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        validate_document(big)


def test_the_upload_form_refuses_a_wrong_file_and_changes_nothing():
    """The validator sits on the model field, so the admin's forms refuse it too (translated)."""
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
    other = Organisation.objects.create(name_en="Other Ltd", br_number="87654321")
    users = {
        "other organisation": lambda: other.users.add(UserFactory(email="other@example.hk")) or other.users.get(),
        "pmc member": lambda: staff_user(Role.PMC_MEMBER, email="pmc@example.hk"),
        "factory": lambda: UserFactory(email="factory@example.hk"),
    }
    client.force_login(users[who]())
    assert client.get(organisation.code_of_conduct_file.url).status_code == 404


def test_anonymous_is_asked_to_log_in(client, organisation):
    response = client.get(organisation.code_of_conduct_file.url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", ["code-of-conduct/missing.pdf", "../settings.py", "code-of-conduct/../../x"])
def test_unknown_or_crafted_names_answer_404(client, name):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    assert client.get(f"/documents/{name}").status_code == 404


def test_a_motion_paper_goes_to_members_and_staff_only(client):
    motion = open_motion()
    paper = Paper.objects.create(motion=motion, title_en="Report")
    paper.document.save("report.pdf", ContentFile(PDF))
    client.force_login(member(email="m1@example.hk"))
    assert client.get(paper.document.url).status_code == 200
    client.force_login(UserFactory(email="applicant@example.hk"))
    assert client.get(paper.document.url).status_code == 404
