"""A file replaced leaves nothing behind (issue 11 §2; cpp_registry.documents): replacing an organisation's
signed code of conduct or a motion paper's document in the back office — or clearing it — deletes the old file
once the change commits, and only then; unless another record still holds the same file (an approved
application's signed code of conduct is its organisation's too: applications.services.processing._grant
copies the name); a refused save or a rollback deletes nothing. The portal's own replacements (an applicant's
new proof) and removals (a member of staff taken off the list) leave nothing behind either."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from applications import services as applications
from applications.models import Application
from committee.models import Motion
from cpp_registry.roles import Role
from directory.models import Organisation
from tests.applications.factories import complete_application, officer
from tests.committee.factories import motion
from tests.core.factories import UserFactory, staff_user
from tests.core.test_access_matrix import STAFF, posted_form
from tests.directory.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pmt(client):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    return client


def stored(media):
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []


def change_form(client, path, **changes):
    """The admin's change form as the page sends it, with `changes`."""
    form = posted_form(client.get(path).content.decode(), path)
    data = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    data = {name: values if len(values) > 1 else values[0] for name, values in data.items()}
    for name, value in changes.items():
        if name.startswith("*"):  # the one field whose name ends so (an inline's row)
            name = next(n for n in [*form.files, *data] if n.endswith(name[1:]))
        data[name] = value
    return data


def signed(organisation, name="signed.pdf"):
    organisation.code_of_conduct_file.save(name, ContentFile(PDF))
    return organisation.code_of_conduct_file.name


def test_replacing_a_signed_code_of_conduct_deletes_the_old_file_once_committed(
    pmt, media, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory()
    old = signed(organisation)
    path = reverse("admin:directory_organisation_change", args=[organisation.pk])
    data = change_form(pmt, path, code_of_conduct_file=SimpleUploadedFile("signed-2026.pdf", PDF))
    with django_capture_on_commit_callbacks() as callbacks:
        assert pmt.post(path, data).status_code == 302
    organisation.refresh_from_db()
    new = organisation.code_of_conduct_file.name
    assert new != old and default_storage.exists(new)
    assert default_storage.exists(old)  # not before the change commits
    for callback in callbacks:
        callback()
    assert not default_storage.exists(old)
    assert stored(media) == [new]


def test_clearing_the_file_deletes_it(pmt, media, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    signed(organisation)
    path = reverse("admin:directory_organisation_change", args=[organisation.pk])
    data = change_form(pmt, path, **{"code_of_conduct_file-clear": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        assert pmt.post(path, data).status_code == 302
    organisation.refresh_from_db()
    assert not organisation.code_of_conduct_file
    assert stored(media) == []


def test_the_file_an_approved_application_still_holds_is_kept(pmt, media, django_capture_on_commit_callbacks):
    """§7.1: approving an application copies its signed code of conduct's name to the organisation; a new one
    recorded for the organisation later leaves the application's in place."""
    application = complete_application()
    applications.application_submit(application=application, user=application.created_by)
    applications.application_approve(application=Application.objects.get(pk=application.pk), actor=officer())
    organisation = Organisation.objects.get(pk=application.organisation_id)
    shared = application.code_of_conduct_file.name
    assert organisation.code_of_conduct_file.name == shared
    path = reverse("admin:directory_organisation_change", args=[organisation.pk])
    data = change_form(pmt, path, code_of_conduct_file=SimpleUploadedFile("own-code.pdf", PDF))
    with django_capture_on_commit_callbacks(execute=True):
        assert pmt.post(path, data).status_code == 302
    organisation.refresh_from_db()
    assert organisation.code_of_conduct_file.name != shared
    assert default_storage.exists(shared) and default_storage.exists(organisation.code_of_conduct_file.name)


def test_replacing_a_papers_document_deletes_the_old_one(pmt, media, django_capture_on_commit_callbacks):
    draft = motion(papers=[{"title_en": "Investigation report", "title_zh": "調查報告", "link": ""}])
    paper = draft.papers.get()
    paper.document.save("report.pdf", ContentFile(PDF))
    old = paper.document.name
    path = reverse("admin:committee_motion_change", args=[draft.pk])
    data = change_form(pmt, path, **{"*-document": SimpleUploadedFile("report-v2.pdf", PDF)})
    with django_capture_on_commit_callbacks(execute=True):
        response = pmt.post(path, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    paper.refresh_from_db()
    assert paper.document.name != old
    assert stored(media) == [paper.document.name]
    assert Motion.objects.get(pk=draft.pk).status == Motion.Status.DRAFT


def test_a_save_the_service_refuses_deletes_nothing_and_stores_nothing(pmt, media, django_capture_on_commit_callbacks):
    """§5.2: the second of two officers saving the same organisation is refused (the form's version is
    stale): the file on record stays, and the one sent is not kept."""
    organisation = OrganisationFactory()
    old = signed(organisation)
    path = reverse("admin:directory_organisation_change", args=[organisation.pk])
    data = change_form(pmt, path, code_of_conduct_file=SimpleUploadedFile("late.pdf", PDF))
    Organisation.objects.filter(pk=organisation.pk).update(version=organisation.version + 1)  # the other officer
    with django_capture_on_commit_callbacks(execute=True):
        response = pmt.post(path, data)
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.code_of_conduct_file.name == old
    assert stored(media) == [old]


def test_a_rollback_deletes_nothing(media, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    old = signed(organisation)
    organisation = Organisation.objects.get(pk=organisation.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            organisation.code_of_conduct_file = SimpleUploadedFile("new.pdf", PDF)
            organisation.save()
            raise RuntimeError("the change is rolled back")
    assert callbacks == []
    assert default_storage.exists(old)


def test_an_applicants_replaced_proof_and_removed_member_leave_no_file(
    client, media, django_capture_on_commit_callbacks
):
    applicant = UserFactory(email="owner@greentech.example.hk")
    draft = applications.application_start(user=applicant)
    member = applications.staff_member_save(
        application=draft, user=applicant, data=STAFF, proof=SimpleUploadedFile("cv.pdf", PDF)
    )
    client.force_login(applicant)
    edit = reverse("applications:staff_edit", kwargs={"reference": draft.reference, "pk": member.pk})
    data = {"name": "Wong Ka Yan", "position": "Consultant", "years": "3", "months": "0", "experience": "energy"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(edit, {**data, "proof": SimpleUploadedFile("cv-2026.pdf", PDF)}).status_code == 302
    member.refresh_from_db()
    assert stored(media) == [member.proof.name] and member.proof.name.endswith("cv-2026.pdf")
    remove = reverse("applications:staff_remove", kwargs={"reference": draft.reference, "pk": member.pk})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(remove).status_code == 302
    assert stored(media) == []
