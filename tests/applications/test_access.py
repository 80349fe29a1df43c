"""Who may open the applicant's pages and the paper (deny by default): another organisation's user gets the
same 404 as for nothing at all, on every URL, GET and POST, and nothing changes; a visitor is asked to log
in; a PMC member reads the paper only once a motion about the application has been put to the members."""

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import resolve_url
from django.urls import reverse
from django_fsm_log.models import StateLog

from applications import services
from applications.models import Application, Attachment, Message, ProjectRecord, StaffMember
from committee import services as committee
from committee.models import Motion
from cpp_registry.models import Deadline, Notice
from cpp_registry.roles import Role
from directory.models import Organisation
from tests.committee.factories import member
from tests.core.factories import UserFactory, staff_user

from .factories import complete_application, officer
from .test_views import _organisation_post, _project_post, _staff_post, awaiting, pdf, submitted

pytestmark = pytest.mark.django_db

# Every applicant URL that names an application, with what a POST to it would send.
APPLICANT_URLS = [
    ("tasks", {}),
    ("organisation", {}),
    ("categories", {"categories": ["1", "2"]}),
    ("staff", {"done": "on"}),
    ("staff_add", {}),
    ("staff_edit", {"pk": "staff"}),
    ("staff_remove", {"pk": "staff"}),
    ("projects", {"done": "on"}),
    ("project_add", {}),
    ("project_edit", {"pk": "project"}),
    ("project_remove", {"pk": "project"}),
    ("code_of_conduct", {"kind": "own"}),
    ("privacy", {"acknowledge": "on"}),
    ("declaration", {"name": "Mallory", "position": "Intruder", "confirm": "on"}),
    ("check", {}),
    ("answer", {"text": "Mallory's answer."}),
    ("withdraw", {"reason": "Mallory says so", "confirm": "on"}),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _post_data(name):
    return {
        "organisation": _organisation_post(name_en="Hijacked Ltd"),
        "staff_add": _staff_post(name="Mallory"),
        "staff_edit": _staff_post(name="Mallory"),
        "project_add": _project_post(title="Mallory's project"),
        "project_edit": _project_post(title="Mallory's project"),
        "code_of_conduct": {"kind": "own", "document": pdf("mallory.pdf")},
        "answer": {"text": "Mallory's answer.", "documents": [pdf("mallory.pdf")]},
    }.get(name, dict(APPLICANT_URLS)[name])


def _address(name, application):
    kwargs = {"reference": application.reference}
    spec = dict(APPLICANT_URLS)[name]
    if spec.get("pk") == "staff":
        kwargs["pk"] = application.staff.first().pk
    elif spec.get("pk") == "project":
        kwargs["pk"] = application.projects.first().pk
    return reverse(f"applications:{name}", kwargs=kwargs)


def snapshot():
    """Everything an applicant's page could change."""
    rows = [
        (
            a.reference,
            a.status,
            a.categories,
            tuple(a.sections_done),
            a.signatory_name,
            a.code_of_conduct_kind,
            str(a.code_of_conduct_file),
            a.privacy_acknowledged_at,
            a.updated_at,
        )
        for a in Application.objects.order_by("pk")
    ]
    return {
        "applications": rows,
        "organisations": list(Organisation.objects.order_by("pk").values_list("name_en", "br_number", "version")),
        "staff": list(StaffMember.objects.order_by("pk").values_list("name", "years", "months", "proof")),
        "projects": list(ProjectRecord.objects.order_by("pk").values_list("title", "completed", "document")),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "logs": StateLog.objects.count(),
        "clocks": list(Deadline.objects.order_by("pk").values_list("due_day", "stopped_on", "met_at")),
        "notices": Notice.objects.count(),
    }


@pytest.fixture
def victims():
    """Green Tech's applications: a draft with every section done, and one awaiting information."""
    owner = UserFactory(email="owner@greentech.example.hk")
    return owner, complete_application(user=owner), awaiting(owner)


@pytest.mark.parametrize("name", [name for name, _spec in APPLICANT_URLS])
def test_another_organisations_user_gets_404_on_every_applicant_url_and_nothing_changes(client, victims, name):
    _owner, draft, asked = victims
    mallory = UserFactory(email="mallory@other.example.hk")
    complete_application(user=mallory)  # Mallory has an application (and an organisation) of her own
    client.force_login(mallory)
    before = snapshot()
    for application in (draft, asked):
        address = _address(name, application)
        assert client.get(address).status_code == 404, address
        assert client.post(address, _post_data(name)).status_code == 404, address
    assert snapshot() == before


@pytest.mark.parametrize("name", [name for name, _spec in APPLICANT_URLS])
def test_a_user_of_the_same_organisation_may_open_every_page(client, victims, name):
    """The other side of the 404s above: the organisation's users, not only the creator, may act."""
    _owner, draft, asked = victims
    colleague = UserFactory(email="colleague@greentech.example.hk")
    draft.organisation.users.add(colleague)
    asked.organisation.users.add(colleague)
    client.force_login(colleague)
    for application in (draft, asked):
        assert client.get(_address(name, application)).status_code in (200, 302)


def test_a_record_of_another_application_answers_404_under_my_own_reference(client, victims):
    """Changing or removing a staff member or a project record checks the record belongs to the application
    of the URL: another's record by its pk answers 404, whatever reference the URL carries."""
    _owner, draft, _asked = victims
    mallory = UserFactory(email="mallory@other.example.hk")
    mine = complete_application(user=mallory)
    client.force_login(mallory)
    before = snapshot()
    theirs_staff, theirs_project = draft.staff.first(), draft.projects.first()
    for name, pk in (
        ("staff_edit", theirs_staff.pk),
        ("staff_remove", theirs_staff.pk),
        ("project_edit", theirs_project.pk),
        ("project_remove", theirs_project.pk),
    ):
        address = reverse(f"applications:{name}", kwargs={"reference": mine.reference, "pk": pk})
        assert client.get(address).status_code == 404
        assert client.post(address, _post_data(name)).status_code == 404
    assert snapshot() == before


def test_a_draft_without_an_organisation_is_its_creators_only(client):
    creator = UserFactory(email="creator@example.hk")
    draft = services.application_start(user=creator)
    client.force_login(UserFactory(email="someone@example.hk"))
    assert client.get(reverse("applications:tasks", kwargs={"reference": draft.reference})).status_code == 404
    assert draft.reference not in client.get(reverse("applications:dashboard")).content.decode()
    client.force_login(creator)
    assert client.get(reverse("applications:tasks", kwargs={"reference": draft.reference})).status_code == 200


def test_a_reference_that_does_not_exist_answers_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("applications:tasks", kwargs={"reference": "APP-2026-99999"})).status_code == 404


@pytest.mark.parametrize("name", ["dashboard", "start", "paper", *[name for name, _spec in APPLICANT_URLS]])
def test_a_visitor_is_asked_to_log_in_and_nothing_changes(client, victims, name):
    _owner, draft, _asked = victims
    if name in ("dashboard", "start"):
        address = reverse(f"applications:{name}")
    elif name == "paper":
        address = reverse("applications:paper", kwargs={"reference": draft.reference})
    else:
        address = _address(name, draft)
    before = snapshot()
    for response in (client.get(address), client.post(address, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert snapshot() == before


def _paper(application):
    return reverse("applications:paper", kwargs={"reference": application.reference})


def test_the_paper_is_for_the_secretariat_not_for_the_applicant_nor_staff_without_the_permission(client):
    owner = UserFactory(email="owner@greentech.example.hk")
    application = submitted(owner)
    for user, status in (
        (owner, 404),  # the applicant reads its application on the task list and check-your-answers pages
        (UserFactory(email="other@example.hk"), 404),
        (UserFactory(email="nobody@staff.example.hk", is_staff=True), 404),  # staff without the view permission
        (staff_user(Role.PTST, email="ptst@example.hk"), 200),
        (staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk"), 200),
        (officer(), 200),
    ):
        client.force_login(user)
        assert client.get(_paper(application)).status_code == status, user.email


def test_a_pmc_member_reads_the_paper_only_through_a_motion_put_to_the_members(client):
    """404 without a motion, 404 while the motion is a draft, 200 once it is open (its paper links here),
    and still 404 for another application."""
    owner = UserFactory(email="owner@greentech.example.hk")
    application = submitted(owner, staff_months=(24, 24, 23))
    other = submitted(UserFactory(email="other@example.hk"), staff_months=(24, 24, 23))
    pmc = member(email="member@example.hk")
    client.force_login(pmc)
    assert client.get(_paper(application)).status_code == 404

    pmt = officer()
    services.application_refer(application=application, actor=pmt, recommendation_en="Accept: equivalent.")
    motion = Motion.objects.get(subject_type=ContentType.objects.get_for_model(Application), subject_id=application.pk)
    assert client.get(_paper(application)).status_code == 404  # a draft motion is not the members' yet
    committee.motion_open(motion=motion, actor=pmt)
    response = client.get(_paper(application))
    assert response.status_code == 200
    assert application.reference in response.content.decode()
    assert motion.papers.get().link == _paper(application)
    assert client.get(_paper(other)).status_code == 404
    for document in (application.staff.first().proof, application.projects.first().document):
        assert client.get(document.url).status_code == 200  # the paper's documents too


def test_an_applicants_documents_go_to_its_own_users_only(client, victims):
    _owner, draft, _asked = victims
    proof = draft.staff.first().proof
    client.force_login(UserFactory(email="mallory@other.example.hk"))
    assert client.get(proof.url).status_code == 404
    client.force_login(draft.organisation.users.first())
    response = client.get(proof.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
