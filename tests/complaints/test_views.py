"""The factory's and the provider's pages of a case (§6.1), in the three languages, with dates written by hand.

The helpers at the top (parties, a case in each state, a PDF) serve the other view tests of this folder too.
"""

import datetime
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from committee import services as committee
from committee.models import Vote
from complaints import services
from complaints.models import Attachment, Case, Message
from cpp_registry.models import Notice
from directory.models import Registration
from tests.committee.factories import member
from tests.core.factories import UserFactory

from .factories import D, factory_with_user, funded_project, pmt, provider, ptst

pytestmark = pytest.mark.django_db
HKT = datetime.timezone(datetime.timedelta(hours=8))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
LANGUAGES = ["en", "zh-hant", "zh-hans"]
JAN_27, JAN_29, FEB_3 = D(2027, 1, 27), D(2027, 1, 29), D(2027, 2, 3)


def on(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


def pdf(name="evidence.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def parties():
    return provider(name_en="Green Tech Limited", name_zh="綠色科技有限公司"), factory_with_user()


def lodged(parties, day=JAN_27, description="The boiler was never commissioned.", documents=()):
    organisation, factory = parties
    with on(day):
        return services.case_lodge(
            user=factory.users.get(),
            factory=factory,
            organisation=organisation,
            description=description,
            documents=documents,
        )


def notified(case, day=JAN_29):
    with on(day):
        case = services.case_notify_provider(case=case, actor=pmt())
        return services.case_start_investigation(case=case, actor=ptst())


def substantiated(case, day=JAN_29):
    case = notified(case, day)
    with on(day):
        return services.case_record_findings(
            case=case,
            actor=ptst(),
            substantiated=True,
            findings="SECRET-FINDINGS: never commissioned.",
            preliminary_report="PRELIMINARY-REPORT: commission the boiler by 15 February.",
            documents=[pdf("preliminary.pdf")],
        )


def answered(case, day=FEB_3):
    with on(day):
        return services.case_provider_answer(
            case=case,
            user=case.organisation.users.get(),
            text="PROVIDER-ANSWER: commissioned on 2 February.",
            documents=[pdf("certificate.pdf")],
        )


FEB_10 = D(2027, 2, 10)


def with_pmc(case, day=FEB_10):
    """Consolidated, recommended removal with a reason, and put to the PMC (an open motion)."""
    staff = pmt()
    with on(day):
        case = services.case_consolidate(
            case=case,
            actor=staff,
            report="CONSOLIDATED-REPORT: late by three weeks.",
            recommended_penalty="removal",
            reason="RECOMMENDATION-REASON: a false certificate.",
        )
        motion = services.case_send_to_pmc(case=case, actor=staff)
        committee.motion_open(motion=motion, actor=staff)
    case.refresh_from_db()
    return case, motion


def url(name, case=None, language="en"):
    with translation.override(language):
        return reverse(f"complaints:{name}", kwargs={"case_ref": case.reference} if case else None)


def login(client, user):
    client.force_login(user)
    return client


def text_of(response):
    return response.content.decode()


# --- The lists ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Our complaints", "Lodge a complaint", "Green Tech Limited", "Recorded"]),
        ("zh-hant", ["我們的投訴", "提出投訴", "綠色科技有限公司", "已記錄"]),
        ("zh-hans", ["我们的投诉", "提出投诉", "綠色科技有限公司", "已记录"]),  # a name as it is written
    ],
)
def test_the_factory_lists_its_complaints_in_each_language(client, parties, language, words):
    case = lodged(parties)
    login(client, parties[1].users.get())
    response = client.get(url("list", language=language))
    assert response.status_code == 200
    page = text_of(response)
    for word in words:
        assert word in page, word
    assert case.reference in page
    assert url("detail", case, language) in page
    assert "Cases about us" not in page


@pytest.mark.parametrize(
    ("language", "heading", "state"),
    [
        ("en", "Cases about us", "Under investigation"),
        ("zh-hant", "有關我們的個案", "調查中"),
        ("zh-hans", "有关我们的个案", "调查中"),
    ],
)
def test_the_provider_lists_the_cases_about_it_from_notification_on(client, parties, language, heading, state):
    organisation, _factory = parties
    waiting = lodged(parties, description="Not yet told.")
    told = notified(lodged(parties))
    login(client, organisation.users.get())
    page = text_of(client.get(url("list", language=language)))
    assert heading in page and state in page
    assert told.reference in page
    assert waiting.reference not in page
    assert "Lodge a complaint" not in page and "提出投訴" not in page


def test_a_user_of_both_a_factory_and_a_provider_sees_both_lists(client, parties):
    _organisation, factory = parties
    both = factory.users.get()
    other = provider(name_en="Blue Water Limited")
    other.users.add(both)
    notified(lodged(parties))
    page = text_of(login(client, both).get(url("list")))
    assert "Our complaints" in page and "Cases about us" in page


def test_someone_who_is_neither_gets_a_polite_page_and_no_case(client, parties):
    case = lodged(parties)
    applicant = UserFactory(email="applicant@example.hk")
    for name in ("list", "lodge"):
        response = login(client, applicant).get(url(name))
        assert response.status_code == 403
        assert "Your account" in text_of(response)
        assert case.reference not in text_of(response)


# --- Lodging --------------------------------------------------------------------------------------------


def test_a_factory_lodges_a_complaint_with_a_file_and_sees_the_case_page(client, parties, media):
    organisation, factory = parties
    with on(JAN_27):  # the session is opened on the day it is used
        login(client, factory.users.get())
        response = client.post(
            url("lodge"),
            {
                "organisation": organisation.pk,
                "funded_project": "",
                "description": "The boiler was never commissioned.",
                "documents": [pdf("contract.pdf")],
            },
        )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", case)
    assert (case.factory, case.organisation, case.source, case.status) == (factory, organisation, "portal", "recorded")
    attachment = Attachment.objects.get()
    assert attachment.message.case == case and attachment.file.name == f"complaints/{case.pk}/contract.pdf"
    assert (media / "complaints" / str(case.pk) / "contract.pdf").read_bytes() == PDF
    page = text_of(client.get(response["Location"]))
    assert re.search(rf"<title>{case.reference} ·", page)
    assert f"Its reference is {case.reference}" in page
    assert f'href="/documents/complaints/{case.pk}/contract.pdf"' in page
    # Wednesday 27 January 2027 + 2 working days (§6.1.1).
    assert "by 2027-01-29 (§6.1.1)" in page
    assert client.get(f"/documents/complaints/{case.pk}/contract.pdf").status_code == 200
    assert Notice.objects.filter(template_key="case_received", recipient=factory.users.get()).count() == 1


def test_the_lodge_form_lists_live_providers_by_name_in_the_page_language(client, parties):
    organisation, factory = parties
    gone = provider(name_en="Aardvark Engineering Limited", name_zh="土豚工程有限公司")
    Registration.objects.filter(organisation=gone).update(status="withdrawn")
    provider(name_en="Able Environmental Limited", name_zh="安寶環保有限公司")
    project = funded_project(organisation, factory)
    login(client, factory.users.get())
    page = text_of(client.get(url("lodge")))
    assert "Aardvark" not in page
    assert page.index("Able Environmental Limited") < page.index("Green Tech Limited")
    assert project.reference in page
    page = text_of(client.get(url("lodge", language="zh-hant")))
    assert "綠色科技有限公司" in page and "安寶環保有限公司" in page and "Green Tech Limited" not in page
    assert "提出投訴" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Lodge a complaint", "What happened", "Send the complaint", "Choose a provider"]),
        ("zh-hant", ["提出投訴", "事件經過", "提交投訴", "選擇供應商"]),
        ("zh-hans", ["提出投诉", "事件经过", "提交投诉", "选择供应商"]),
    ],
)
def test_the_lodge_page_and_the_polite_refusal_in_each_language(client, parties, language, words):
    page = text_of(login(client, parties[1].users.get()).get(url("lodge", language=language)))
    for word in words:
        assert word in page, word
    refusal = login(client, UserFactory(email="applicant@example.hk")).get(url("list", language=language))
    assert refusal.status_code == 403
    assert {"en": "Your account acts for neither", "zh-hant": "你的帳戶並非代表", "zh-hans": "你的账户并非代表"}[
        language
    ] in text_of(refusal)


def test_an_empty_complaint_follows_the_form_pattern_and_records_nothing(client, parties):
    login(client, parties[1].users.get())
    assert "There is a problem" in text_of(client.post(url("lodge"), {}))  # a POST with nothing in it is checked too
    response = client.post(url("lodge"), {"organisation": "", "description": "  "})
    page = text_of(response)
    assert response.status_code == 200
    assert re.search(r"<title>Error: Lodge a complaint", page)
    assert "There is a problem" in page
    assert 'href="#id_organisation"' in page and 'href="#id_description"' in page
    assert 'aria-invalid="true"' in page
    assert not Case.objects.exists()


def test_a_service_refusal_is_shown_on_the_lodge_form(client, parties):
    """A funded project of another provider: the service refuses, the form says why, nothing is recorded."""
    organisation, factory = parties
    other = provider(name_en="Blue Water Limited")
    project = funded_project(other, factory)
    login(client, factory.users.get())
    response = client.post(
        url("lodge"),
        {"organisation": organisation.pk, "funded_project": project.pk, "description": "Late."},
    )
    assert response.status_code == 200
    assert "That funded project was carried out by another provider." in text_of(response)
    assert re.search(r"<title>Error: ", text_of(response))
    assert not Case.objects.exists()


def test_a_provider_that_is_not_a_factory_cannot_lodge(client, parties):
    organisation, _factory = parties
    response = login(client, organisation.users.get()).post(
        url("lodge"), {"organisation": organisation.pk, "description": "x"}
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


# --- The case page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["State: Recorded", "The case in writing", "Write to the Secretariat", "Complaint (§6.1)"]),
        ("zh-hant", ["狀況：已記錄", "個案書面往來", "致函秘書處", "投訴（§6.1）"]),
        ("zh-hans", ["状况：已记录", "个案书面往来", "致函秘书处", "投诉（§6.1）"]),
    ],
)
def test_the_case_page_in_each_language(client, parties, language, words):
    case = lodged(parties)
    response = login(client, parties[1].users.get()).get(url("detail", case, language))
    page = text_of(response)
    assert response.status_code == 200
    assert re.search(rf"<title>{case.reference} ·", page)
    for word in words:
        assert word in page, word


def test_the_provider_sees_nothing_before_notification(client, parties):
    organisation, _factory = parties
    case = lodged(parties)
    login(client, organisation.users.get())
    assert client.get(url("detail", case)).status_code == 404
    assert case.reference not in text_of(client.get(url("list")))
    notified(case)
    page = text_of(client.get(url("detail", case)))
    assert "The boiler was never commissioned." in page
    assert "The Secretariat told you of this case on 2027-01-29 (§6.1.1)." in page
    # One calendar month after Friday 29 January 2027 is Sunday 28 February: Monday 1 March (§6.1.4).
    assert "by 2027-03-01 (§6.1.4)" in page


def test_the_provider_reads_the_preliminary_report_and_answers_with_evidence(client, parties, media):
    organisation, _factory = parties
    case = substantiated(lodged(parties))
    owner = organisation.users.get()
    login(client, owner)
    page = text_of(client.get(url("detail", case)))
    assert "PRELIMINARY-REPORT" in page and "Answer with your corrective action" in page
    report_file = Attachment.objects.get(message__kind=Message.Kind.PRELIMINARY_REPORT).file.name
    assert f'href="/documents/{report_file}"' in page
    assert client.get(f"/documents/{report_file}").status_code == 200
    assert "SECRET-FINDINGS" not in page
    with on(FEB_3):
        login(client, owner)
        response = client.post(
            url("answer", case), {"answer-text": "Commissioned on 2 February.", "answer-documents": [pdf("cert.pdf")]}
        )
    assert response.status_code == 302 and response["Location"] == url("detail", case)
    case.refresh_from_db()
    assert case.status == Case.Status.CORRECTIVE_ACTION
    answer = Message.objects.get(kind=Message.Kind.CORRECTIVE_ACTION)
    assert (answer.author, answer.to_provider, answer.to_factory) == (owner, True, False)
    assert answer.attachments.get().file.name == f"complaints/{case.pk}/cert.pdf"
    page = text_of(client.get(url("detail", case)))
    assert "Commissioned on 2 February." in page and "cert.pdf" in page
    assert "Your corrective action is sent to the Secretariat" in page


def test_the_factory_never_sees_the_preliminary_report_nor_the_providers_answers(client, parties):
    organisation, factory = parties
    case = answered(substantiated(lodged(parties)))
    with on(FEB_3):
        services.case_message(case=case, author=organisation.users.get(), text="PROVIDER-NOTE to the Secretariat.")
        services.case_message(case=case, author=pmt(), text="SECRETARIAT-NOTE for the file.")
    login(client, factory.users.get())
    page = text_of(client.get(url("detail", case)))
    assert "State: Corrective action" in page
    for secret in ("PRELIMINARY-REPORT", "PROVIDER-ANSWER", "PROVIDER-NOTE", "SECRETARIAT-NOTE", "SECRET-FINDINGS"):
        assert secret not in page, secret
    assert "preliminary.pdf" not in page and "certificate.pdf" not in page
    assert "Answer with your corrective action" not in page
    for attachment in Attachment.objects.exclude(message__kind=Message.Kind.COMPLAINT):
        assert client.get(attachment.file.url).status_code == 404
    # Nor can the factory answer for the provider.
    before = Message.objects.count()
    response = client.post(url("answer", case), {"answer-text": "Fake answer."})
    assert response.status_code == 404 and Message.objects.count() == before


def test_an_answer_before_the_findings_is_refused_on_the_form(client, parties):
    organisation, _factory = parties
    case = notified(lodged(parties))
    login(client, organisation.users.get())
    response = client.post(url("answer", case), {"answer-text": "Too early."})
    page = text_of(response)
    assert response.status_code == 200
    assert "it is not waiting for your corrective action" in page
    assert re.search(r"<title>Error: ", page)
    assert not Message.objects.filter(kind=Message.Kind.CORRECTIVE_ACTION).exists()


def test_an_empty_answer_asks_for_the_corrective_action(client, parties):
    organisation, _factory = parties
    case = substantiated(lodged(parties))
    response = login(client, organisation.users.get()).post(url("answer", case), {"answer-text": ""})
    assert "Describe your corrective action, or attach your evidence." in text_of(response)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBSTANTIATED


def test_each_party_writes_to_the_secretariat_and_reads_only_its_own_side(client, parties):
    organisation, factory = parties
    case = notified(lodged(parties))
    login(client, factory.users.get())
    response = client.post(
        url("message", case), {"message-text": "FACTORY-SAYS more delays.", "message-documents": [pdf("photo.pdf")]}
    )
    assert response.status_code == 302
    from_factory = Message.objects.get(text="FACTORY-SAYS more delays.")
    assert (from_factory.to_factory, from_factory.to_provider, from_factory.from_secretariat) == (True, False, False)
    assert Notice.objects.filter(template_key="case_message_received").exists()
    login(client, organisation.users.get())
    client.post(url("message", case), {"message-text": "PROVIDER-SAYS we are on it."})
    page = text_of(client.get(url("detail", case)))
    assert "PROVIDER-SAYS" in page and "FACTORY-SAYS" not in page and "photo.pdf" not in page
    assert client.get(from_factory.attachments.get().file.url).status_code == 404
    page = text_of(login(client, factory.users.get()).get(url("detail", case)))
    assert "FACTORY-SAYS" in page and "PROVIDER-SAYS" not in page


def test_a_closed_case_shows_its_result_and_takes_no_more_messages(client, parties):
    organisation, factory = parties
    case = notified(lodged(parties))
    with on(D(2027, 2, 1)):
        services.case_record_findings(case=case, actor=ptst(), substantiated=False, findings="It was commissioned.")
    for user in (factory.users.get(), organisation.users.get()):
        login(client, user)
        page = text_of(client.get(url("detail", case)))
        assert "Not substantiated: no penalty (§6.1.2)." in page
        assert "It was commissioned." in page  # the result goes to both sides (§6.1.2)
        assert "Write to the Secretariat" not in page
        before = Message.objects.count()
        response = client.post(url("message", case), {"message-text": "But…"})
        assert response.status_code == 200
        assert f"Case {case.reference} is closed." in text_of(response)
        assert Message.objects.count() == before


def test_the_pmcs_decision_is_the_result_both_sides_read(client, parties):
    organisation, factory = parties
    case, motion = with_pmc(answered(substantiated(lodged(parties))))
    with on(D(2027, 2, 15)):
        committee.vote_cast(motion=motion, member=member(email="m1@example.hk"), choice=Vote.Choice.FOR)
        committee.motion_close(motion=motion, actor=pmt())
    for user in (factory.users.get(), organisation.users.get()):
        page = text_of(login(client, user).get(url("detail", case)))
        assert "Removal from the register" in page
        assert "within 10 working days" in page
        assert "CONSOLIDATED-REPORT" not in page and "RECOMMENDATION-REASON" not in page
    page = text_of(client.get(url("list")))
    assert "Removal from the register" in page


def test_the_papers_page_holds_the_whole_report_for_a_member_voting(client, parties):
    case = answered(substantiated(lodged(parties)))
    with on(D(2027, 2, 5)):
        services.case_assess_corrective_action(case=case, actor=pmt(), text="ASSESSMENT: it works.", complete=True)
    case, _motion = with_pmc(case)
    page = text_of(login(client, member(email="voter@example.hk")).get(url("paper", case)))
    for part in (
        "SECRET-FINDINGS",
        "PRELIMINARY-REPORT",
        "PROVIDER-ANSWER",
        "ASSESSMENT: it works.",
        "CONSOLIDATED-REPORT",
        "RECOMMENDATION-REASON",
        "Removal from the register",
        "preliminary.pdf",
        "certificate.pdf",
    ):
        assert part in page, part
    assert re.search(rf"<title>{case.reference} · Investigation report", page)


@pytest.mark.parametrize(
    ("language", "word"), [("en", "Investigation report"), ("zh-hant", "調查報告"), ("zh-hans", "调查报告")]
)
def test_the_papers_page_in_each_language(client, parties, language, word):
    case, _motion = with_pmc(substantiated(lodged(parties)))
    page = text_of(login(client, pmt()).get(url("paper", case, language)))
    assert word in page and case.reference in page


# --- The way in ------------------------------------------------------------------------------------------


def test_the_navigation_offers_complaints_to_factories_and_providers_only(client, parties):
    organisation, factory = parties
    link = f'href="{url("list")}"'
    assert link in text_of(login(client, factory.users.get()).get("/en/"))
    assert link in text_of(login(client, organisation.users.get()).get("/en/"))
    assert link not in text_of(login(client, UserFactory(email="applicant@example.hk")).get("/en/"))
    assert link not in text_of(login(client, member(email="voter@example.hk")).get("/en/"))


def test_the_home_page_links_the_factories_sentence_to_lodging(client):
    page = text_of(client.get("/zh-hant/"))
    assert f'href="{url("lodge", language="zh-hant")}"' in page
