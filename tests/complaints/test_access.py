"""Who may open a case (deny by default): its factory, its provider once told (§6.1.1), and for the case
report the Secretariat and the PMC members voting on it. Everyone else gets 404 on every case URL, GET and
POST, and nothing changes; a visitor who is not logged in is asked to log in."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django_fsm_log.models import StateLog

from committee import services as committee
from complaints import services
from complaints.models import Attachment, Case, Message
from cpp_registry.models import Notice
from cpp_registry.roles import Role
from tests.committee.factories import member
from tests.core.factories import UserFactory, staff_user

from .factories import D, factory_with_user, pmt, provider
from .test_views import answered, lodged, login, notified, on, pdf, substantiated, url, with_pmc

pytestmark = pytest.mark.django_db
CASE_URLS = ["detail", "answer", "message", "paper"]
PARTY_URLS = ["detail", "answer", "message"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def parties():
    return provider(name_en="Green Tech Limited"), factory_with_user()


@pytest.fixture
def case(parties):
    """A substantiated case with the provider's answer and a message from each side, all with documents."""
    _organisation, factory = parties
    case = answered(substantiated(lodged(parties, documents=[pdf("contract.pdf")])))
    services.case_message(case=case, author=factory.users.get(), text="From the factory.", documents=[pdf("f.pdf")])
    services.case_message(case=case, author=pmt(), text="A note for the file.", documents=[pdf("note.pdf")])
    return case


def counts():
    return [model.objects.count() for model in (Case, Message, Attachment, StateLog, Notice)]


def _outsiders():
    """Everyone who is neither the case's factory nor its provider, by name (built inside the test)."""
    return {
        "another factory": lambda: factory_with_user(email="other-factory@example.hk").users.get(),
        "another provider": lambda: provider(name_en="Blue Water Limited").users.get(),
        "a PMC member without a motion": lambda: member(email="voter@example.hk"),
        "an applicant": lambda: UserFactory(email="applicant@example.hk"),
        "staff without the permission": lambda: UserFactory(email="clerk@example.hk", is_staff=True),
    }


def _every_request(client, case):
    for name in CASE_URLS:
        address = url(name, case)
        yield name, "GET", client.get(address)
        yield (
            name,
            "POST",
            client.post(address, {"answer-text": "x", "message-text": "x", "answer-documents": [pdf()]}),
        )


@pytest.mark.parametrize("who", list(_outsiders()))
def test_everyone_else_gets_404_on_every_case_url_and_nothing_changes(client, case, who):
    login(client, _outsiders()[who]())
    before = counts()
    answers = [(name, method, r.status_code) for name, method, r in _every_request(client, case)]
    assert answers == [(name, method, 404) for name in CASE_URLS for method in ("GET", "POST")]
    assert counts() == before
    case.refresh_from_db()
    assert case.status == Case.Status.CORRECTIVE_ACTION


@pytest.mark.parametrize("role", [Role.PROGRAMME_MANAGEMENT_TEAM, Role.PTST, Role.PROGRAMME_DIRECTOR])
def test_the_secretariat_works_in_the_back_office_and_reads_the_papers(client, case, role):
    login(client, staff_user(role, email="officer@example.hk"))
    before = counts()
    for name in PARTY_URLS:
        assert client.get(url(name, case)).status_code == 404
        assert client.post(url(name, case), {"message-text": "x", "answer-text": "x"}).status_code == 404
    assert counts() == before
    assert client.get(url("paper", case)).status_code == 200


def test_a_provider_sees_no_case_url_before_it_is_told(client, parties):
    organisation, _factory = parties
    case = lodged(parties)
    login(client, organisation.users.get())
    before = counts()
    for name, method, response in _every_request(client, case):
        assert response.status_code == 404, (name, method)
    assert counts() == before
    notified(case)
    assert client.get(url("detail", case)).status_code == 200


def test_the_parties_do_not_read_the_papers(client, parties, case):
    for user in (parties[0].users.get(), parties[1].users.get()):
        assert login(client, user).get(url("paper", case)).status_code == 404


def test_a_pmc_member_reads_the_papers_once_a_motion_is_put_and_not_before(client, case):
    voter = member(email="voter@example.hk")
    login(client, voter)
    assert client.get(url("paper", case)).status_code == 404
    case, motion = with_pmc(case)
    response = client.get(url("paper", case))
    assert response.status_code == 200
    # The motion's paper links here.
    assert motion.papers.get().link == reverse("complaints:paper", kwargs={"case_ref": case.reference})


def test_a_draft_motion_or_a_motion_on_another_case_opens_nothing(client, parties, case):
    other = substantiated(lodged(parties, description="Another case."))
    staff = pmt()
    with on(D(2027, 2, 10)):
        services.case_consolidate(case=other, actor=staff, report="Report.")
        draft = services.case_send_to_pmc(case=other, actor=staff)  # not put to the members yet
    login(client, member(email="voter@example.hk"))
    assert client.get(url("paper", other)).status_code == 404
    with_pmc(case)  # a motion on the other case
    assert client.get(url("paper", other)).status_code == 404
    committee.motion_open(motion=draft, actor=staff)
    assert client.get(url("paper", other)).status_code == 200


def test_the_documents_follow_the_pages(client, parties, case):
    """A document is read by the Secretariat, by the side its message is meant for, and by PMC members
    voting on the case (the report's documents, not the notes); 404 to anyone else."""
    organisation, factory = parties
    files = {a.file.name.rsplit("/", 1)[-1]: a.file.url for a in Attachment.objects.all()}
    assert set(files) == {"contract.pdf", "preliminary.pdf", "certificate.pdf", "f.pdf", "note.pdf"}
    readers = {
        "factory": (factory.users.get(), {"contract.pdf", "f.pdf"}),
        "provider": (organisation.users.get(), {"contract.pdf", "preliminary.pdf", "certificate.pdf"}),
        "director": (staff_user(Role.PROGRAMME_DIRECTOR, email="d@example.hk"), set(files)),
        "outsider": (factory_with_user(email="other@example.hk").users.get(), set()),
        "member": (member(email="voter@example.hk"), set()),
    }
    for who, (user, readable) in readers.items():
        login(client, user)
        got = {name for name, address in files.items() if client.get(address).status_code == 200}
        assert got == readable, who
    with_pmc(case)
    login(client, readers["member"][0])
    got = {name for name, address in files.items() if client.get(address).status_code == 200}
    assert got == {"contract.pdf", "preliminary.pdf", "certificate.pdf"}


@pytest.mark.parametrize("name", ["list", "lodge", *CASE_URLS])
def test_anonymous_visitors_are_asked_to_log_in(client, case, name):
    address = url(name, case if name in CASE_URLS else None)
    for response in (client.get(address), client.post(address, {"message-text": "x"})):
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL)
        assert parse_qs(location.query)["next"] == [address]


def test_a_case_reference_that_does_not_exist_is_404_for_a_party(client, parties, case):
    login(client, parties[1].users.get())
    assert client.get(url("detail", case).replace(case.reference, "CASE-2027-99999")).status_code == 404
