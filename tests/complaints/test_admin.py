"""Issue 9 §4: the back office of complaint and substandard-service cases. Each button runs its service as
the Programme Management Team or the PTST; a refusal is a message and changes nothing; the Programme
Director reads; a PMC member is not let in; the change page shows the clocks, the conversation, the log,
the motions and the warning; the list filters, including the overdue clocks with dates written by hand."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from committee import services as committee
from committee.models import Motion, Vote
from complaints import services
from complaints.models import Attachment, Case, Message
from cpp_registry.models import Deadline, Notice
from cpp_registry.roles import Role
from directory.models import Registration, Warning
from tests.core.factories import UserFactory, staff_user

from .factories import D, factory_with_user, funded_project, pmt, provider, ptst

pytestmark = pytest.mark.django_db
HKT = datetime.timezone(datetime.timedelta(hours=8))
S = Case.Status
PDF = b"%PDF-1.4\n% a test document\n"


def on(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


@pytest.fixture(autouse=True)
def wednesday_27_january_2027(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # each test's documents apart
    with on(D(2027, 1, 27)):
        yield


@pytest.fixture
def parties():
    return provider(name_en="Green Tech Limited", name_zh="綠色科技有限公司", br_number="31234567"), factory_with_user()


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def url(name, *args):
    return reverse(f"admin:complaints_case_{name}", args=args)


def step_url(case, step):
    return url(step.replace("-", "_"), case.pk)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def login(client, user):
    client.force_login(user)
    return client


def director():
    return staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk")


def pmc_member():
    return staff_user(Role.PMC_MEMBER, email="member@example.hk")


def superuser():
    return UserFactory(email="root@example.hk", is_staff=True, is_superuser=True)


def recorded(parties, *, received_on=None, actor=None):
    organisation, factory = parties
    return services.case_record(
        actor=actor or existing(pmt, "pmt@example.hk"),
        factory=factory,
        organisation=organisation,
        description="The boiler was never commissioned.",
        received_on=received_on or timezone.localdate(),
        source=Case.Source.POST,
    )


FLOW = [S.PROVIDER_NOTIFIED, S.UNDER_INVESTIGATION, S.SUBSTANTIATED, S.CORRECTIVE_ACTION, S.REPORT_CONSOLIDATED]


def existing(make, email):
    """The user made earlier in the test (making it again would reset its password, and log it out)."""
    return get_user_model().objects.filter(email=email).first() or make()


def advance(case, to):
    """Through the services, from where the case is to the state `to` (on the substantiated path)."""
    staff = existing(pmt, "pmt@example.hk")
    steps = {
        S.PROVIDER_NOTIFIED: lambda c: services.case_notify_provider(case=c, actor=staff),
        S.UNDER_INVESTIGATION: lambda c: services.case_start_investigation(case=c, actor=staff),
        S.SUBSTANTIATED: lambda c: services.case_record_findings(
            case=c, actor=staff, substantiated=True, findings="Not commissioned.", preliminary_report="Commission it."
        ),
        S.CORRECTIVE_ACTION: lambda c: services.case_provider_answer(
            case=c, user=c.organisation.users.get(), text="Commissioned on 2 February."
        ),
        S.REPORT_CONSOLIDATED: lambda c: services.case_consolidate(case=c, actor=staff, report="Late by 3 months."),
    }
    for state in FLOW[FLOW.index(case.status) + 1 if case.status in FLOW else 0 : FLOW.index(to) + 1]:
        case = steps[state](case)
    return case


def snapshot():
    return (
        list(Case.objects.order_by("pk").values_list()),
        Message.objects.count(),
        Attachment.objects.count(),
        StateLog.objects.count(),
        Motion.objects.count(),
        Notice.objects.count(),
        list(Registration.objects.order_by("pk").values_list("status", flat=True)),
        Case.history.count(),
    )


# --- a new case --------------------------------------------------------------------------------------


def test_section_6_1_the_pmt_records_a_complaint_received_by_post_with_its_letter(client, parties):
    organisation, factory = parties
    staff = pmt()
    login(client, staff)
    page = client.get(url("record"))
    assert page.status_code == 200
    assert "Record a complaint received by post or email" in page.text
    assert 'type="file"' in page.text and "autocomplete" in page.text
    response = client.post(
        url("record"),
        {
            "factory": factory.pk,
            "organisation": organisation.pk,
            "funded_project": "",
            "received_on": "2027-01-26",
            "source": "email",
            "description": "The boiler was never commissioned.",
            "documents": [pdf("letter.pdf"), pdf("photo.pdf")],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == url("change", case.pk)
    assert (case.kind, case.source, case.status, case.lodged_by) == ("complaint", "email", S.RECORDED, staff)
    assert (case.organisation, case.factory, case.received_on) == (organisation, factory, D(2027, 1, 26))
    complaint = case.messages.get()
    assert sorted(str(a) for a in complaint.attachments.all()) == ["letter.pdf", "photo.pdf"]
    # §6.1.1: recorded Tuesday 26 January 2027, the provider is told by Thursday 28 January.
    notify = Deadline.objects.for_subject(case).get()
    assert (notify.kind, notify.due_day) == (Deadline.Kind.COMPLAINT_NOTIFY, D(2027, 1, 28))


def test_recording_a_complaint_dated_in_the_future_is_refused_and_records_nothing(client, parties):
    organisation, factory = parties
    login(client, ptst())
    response = client.post(
        url("record"),
        {
            "factory": factory.pk,
            "organisation": organisation.pk,
            "received_on": "2027-01-28",
            "source": "post",
            "description": "Late.",
        },
    )
    assert response.status_code == 200
    assert "cannot be received on a future date" in response.text
    assert not Case.objects.exists() and not Deadline.objects.exists()


def test_a_document_that_is_not_a_pdf_is_refused_on_the_form_and_records_nothing(client, parties):
    organisation, factory = parties
    login(client, pmt())
    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        url("record"),
        {
            "factory": factory.pk,
            "organisation": organisation.pk,
            "received_on": "2027-01-27",
            "source": "post",
            "description": "Late.",
            "documents": [fake],
        },
    )
    assert response.status_code == 200
    assert "letter.pdf" in response.text and "not a PDF file" in response.text
    assert not Case.objects.exists()


def test_section_6_2_the_ptst_raises_a_substandard_case_on_a_funded_project(client, parties):
    organisation, factory = parties
    project = funded_project(organisation, factory)
    staff = ptst()
    login(client, staff)
    assert client.get(url("raise")).status_code == 200
    refused = client.post(url("raise"), {"funded_project": project.pk, "description": "Six months late."})
    assert refused.status_code == 200 and "Tick at least one ground of §6.2.1." in refused.text
    assert not Case.objects.exists()
    response = client.post(
        url("raise"),
        {"funded_project": project.pk, "grounds": ["c", "e"], "description": "Six months late; no report."},
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.kind, case.source, case.grounds, case.lodged_by) == ("substandard", "ptst", ["c", "e"], staff)
    assert (case.organisation, case.factory, case.funded_project) == (organisation, factory, project)
    page = client.get(url("change", case.pk)).text
    assert "(c) Unreasonable delay" in page and "(e) The report is missing" in page


# --- the steps, through their services ---------------------------------------------------------------


def test_section_6_1_the_whole_flow_through_the_buttons_as_the_pmt_and_the_ptst(client, parties):
    case = recorded(parties)
    team, support = pmt(), ptst()

    def post(user, step, data):
        login(client, user)
        response = client.post(step_url(case, step), data)
        assert response.status_code == 302, (step, texts(response))
        assert response.url == url("change", case.pk)
        return texts(response)

    assert client.get(step_url(case, "notify")).status_code == 302  # not logged in: the admin's log-in
    login(client, team)
    assert "Notify the provider" in client.get(step_url(case, "notify")).text
    post(team, "notify", {"text": "Please reply within 5 working days."})
    post(support, "investigate", {})
    said = post(
        support,
        "findings",
        {
            "substantiated": "yes",
            "findings": "The boiler was not commissioned.",
            "preliminary_report": "Commission the boiler and send the certificate.",
            "documents": [pdf("site-visit.pdf")],
        },
    )
    assert "preliminary report was sent to the provider" in said[-1]
    post(team, "assess", {"text": "Not yet: no certificate.", "complete": "no"})
    post(support, "message", {"text": "Please send the certificate.", "to_provider": "on", "to_factory": "on"})
    post(team, "consolidate", {"report": "Late by 3 months.", "recommended_penalty": "warning", "reason": ""})
    said = post(support, "send_to_pmc", {})
    motion = Motion.objects.get()
    assert reverse("admin:committee_motion_change", args=[motion.pk]) in said[-1]

    case.refresh_from_db()
    assert case.status == S.WITH_PMC
    assert (case.corrective_action_complete, case.recommended_penalty, case.proposed_penalty) == (
        False,
        "warning",
        "warning",
    )
    assert (motion.kind, motion.subject) == (Motion.Kind.WARNING, case)
    log = list(StateLog.objects.for_(case).order_by("pk").values_list("transition", "by__email"))
    assert log == [
        ("notify_provider", "pmt@example.hk"),
        ("investigate", "ptst@example.hk"),
        ("find_substantiated", "ptst@example.hk"),
        ("consolidate", "pmt@example.hk"),
        ("send_to_pmc", "ptst@example.hk"),
    ]
    report = case.messages.get(kind=Message.Kind.PRELIMINARY_REPORT)
    assert [str(a) for a in report.attachments.all()] == ["site-visit.pdf"]
    note = case.messages.get(kind=Message.Kind.NOTE)
    assert (note.to_provider, note.to_factory, note.author) == (True, True, support)


def test_section_6_1_2_not_substantiated_closes_the_case_and_leaves_only_the_message_button(client, parties):
    case = advance(recorded(parties), S.UNDER_INVESTIGATION)
    login(client, ptst())
    response = client.post(step_url(case, "findings"), {"substantiated": "no", "findings": "It works."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.substantiated) == (S.NOT_SUBSTANTIATED, False)
    page = client.get(url("change", case.pk)).text
    assert step_url(case, "message") in page
    for step in ("notify", "investigate", "findings", "assess", "consolidate", "send-to-pmc", "propose-removal"):
        assert f"/{step}/" not in page


def test_substantiated_findings_need_the_preliminary_report(client, parties):
    case = advance(recorded(parties), S.UNDER_INVESTIGATION)
    login(client, ptst())
    before = snapshot()
    response = client.post(step_url(case, "findings"), {"substantiated": "yes", "findings": "Not commissioned."})
    assert response.status_code == 200
    assert "Write the preliminary investigation report" in response.text
    assert snapshot() == before


def test_section_6_1_4_the_recommendation_defaults_to_the_records_proposal_and_another_needs_a_reason(client, parties):
    case = advance(recorded(parties), S.CORRECTIVE_ACTION)
    login(client, pmt())
    page = client.get(step_url(case, "consolidate"))
    form = page.context["form"]
    assert form["recommended_penalty"].value() == "warning"
    assert "record proposes: A warning" in page.text
    before = snapshot()
    refused = client.post(step_url(case, "consolidate"), {"report": "Fraud.", "recommended_penalty": "removal"})
    assert refused.status_code == 200 and "Give the reason" in refused.text
    assert snapshot() == before
    response = client.post(
        step_url(case, "consolidate"),
        {"report": "Fraud.", "recommended_penalty": "removal", "reason": "The report was forged."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.proposed_penalty, case.recommended_penalty, case.recommendation_reason) == (
        S.REPORT_CONSOLIDATED,
        "warning",
        "removal",
        "The report was forged.",
    )
    assert Deadline.objects.for_subject(case).get(kind=Deadline.Kind.COMPLAINT_REPORT).met_on_time is True


def test_section_6_3_1_removal_proposed_from_the_case_opens_a_removal_motion(client, parties):
    case = advance(recorded(parties), S.SUBSTANTIATED)
    login(client, pmt())
    refused = client.post(step_url(case, "propose-removal"), {"grounds": [], "reason": "Refused."})
    assert refused.status_code == 200 and "Tick the grounds of §6.3.1" in refused.text
    response = client.post(
        step_url(case, "propose-removal"), {"grounds": ["b"], "reason": "Refused to commission the boiler."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    motion = Motion.objects.get()
    assert (case.status, motion.kind) == (S.WITH_PMC, Motion.Kind.REMOVAL)
    assert "§6.3.1 (b)" in motion.recommendation_en and "Refused to commission" in motion.recommendation_en


def test_section_3_3_4_a_substantiated_substandard_case_cancels_the_provisional_registration(client, parties):
    organisation, factory = parties
    project = funded_project(organisation, factory)
    staff = ptst()
    case = services.case_raise_substandard(
        actor=staff, funded_project=project, grounds=["e"], description="The final report is missing."
    )
    login(client, pmt())
    assert step_url(case, "cancel-registration") not in client.get(url("change", case.pk)).text  # not yet found
    case = advance(case, S.SUBSTANTIATED)
    assert step_url(case, "cancel-registration") in client.get(url("change", case.pk)).text
    response = client.post(step_url(case, "cancel-registration"), {"reason": "Final report missing (§6.2.1 e)."})
    assert response.status_code == 302
    registration = Registration.objects.get(organisation=organisation)
    assert (registration.status, registration.needs_pmc_view) == ("cancelled_substandard", True)
    assert case.reference in registration.end_reason
    # Nothing provisional is left to cancel: the button is gone.
    assert step_url(case, "cancel-registration") not in client.get(url("change", case.pk)).text


def test_the_provider_hears_of_a_case_from_its_notice_first(client, parties):
    case = recorded(parties)
    login(client, pmt())
    form = client.get(step_url(case, "message")).context["form"]
    assert form.fields["to_provider"].disabled
    client.post(step_url(case, "message"), {"text": "Note for the file.", "to_provider": "on"})
    note = case.messages.get(kind=Message.Kind.NOTE)
    assert (note.to_provider, note.to_factory) == (False, False)
    assert not Notice.objects.filter(template_key="case_message").exists()


# --- buttons by state, refusals ------------------------------------------------------------------------

BUTTONS = {
    S.RECORDED: {"notify", "message"},
    S.PROVIDER_NOTIFIED: {"investigate", "message"},
    S.UNDER_INVESTIGATION: {"findings", "message"},
    S.SUBSTANTIATED: {"assess", "message", "consolidate", "propose-removal"},
    S.CORRECTIVE_ACTION: {"assess", "message", "consolidate", "propose-removal"},
    S.REPORT_CONSOLIDATED: {"message", "send-to-pmc", "propose-removal"},
}
ALL_STEPS = {
    "notify", "investigate", "findings", "assess", "message", "consolidate", "send-to-pmc", "propose-removal",
    "cancel-registration",
}  # fmt: skip


@pytest.mark.parametrize("state", list(BUTTONS))
def test_each_button_appears_only_when_the_state_allows_it(client, parties, state):
    case = advance(recorded(parties), state) if state != S.RECORDED else recorded(parties)
    login(client, ptst())
    page = client.get(url("change", case.pk)).text
    shown = {step for step in ALL_STEPS if step_url(case, step) in page}
    assert shown == BUTTONS[state]


def test_a_step_the_state_does_not_allow_is_refused_with_a_message_and_changes_nothing(client, parties):
    case = recorded(parties)
    login(client, pmt())
    response = client.get(step_url(case, "findings"))
    assert response.status_code == 302 and "is not possible now" in texts(response)[0]
    before = snapshot()
    response = client.post(
        step_url(case, "findings"),
        {"substantiated": "yes", "findings": "Not commissioned.", "preliminary_report": "Fix it."},
    )
    assert response.status_code == 200
    assert "that change is not possible from this state. Nothing was changed." in texts(response)[-1]
    assert snapshot() == before


def test_a_step_taken_by_another_officer_a_moment_ago_is_refused(client, parties):
    case = advance(recorded(parties), S.REPORT_CONSOLIDATED)
    login(client, pmt())
    page = client.get(step_url(case, "send-to-pmc"))
    assert page.status_code == 200 and "Late by 3 months." in page.text
    services.case_send_to_pmc(case=case, actor=ptst())  # meanwhile
    before = snapshot()
    response = client.post(step_url(case, "send-to-pmc"), {})
    assert response.status_code == 200
    assert "with the pmc now" in texts(response)[-1]
    assert snapshot() == before and Motion.objects.count() == 1


def test_an_unknown_step_or_case_is_not_found(client, parties):
    case = recorded(parties)
    login(client, pmt())
    assert client.get(f"{url('change', case.pk)}decide/").status_code in (302, 404)
    assert client.get(url("notify", 999999)).status_code == 404
    assert client.get(url("notify", "x%00y")).status_code in (400, 404)


# --- who may -----------------------------------------------------------------------------------------------

STEP_DATA = {
    "notify": {"text": "x"},
    "investigate": {},
    "findings": {"substantiated": "no", "findings": "x"},
    "assess": {"text": "x", "complete": "yes"},
    "message": {"text": "x", "to_factory": "on"},
    "consolidate": {"report": "x", "recommended_penalty": "warning"},
    "send-to-pmc": {},
    "propose-removal": {"grounds": ["a"], "reason": "x"},
    "cancel-registration": {"reason": "x"},
}


@pytest.mark.parametrize("who", ["director", "pmc_member"])
def test_view_only_roles_see_but_change_nothing(client, parties, who):
    organisation, factory = parties
    cases = [recorded(parties), advance(recorded(parties), S.UNDER_INVESTIGATION)]
    cases.append(advance(recorded(parties), S.REPORT_CONSOLIDATED))
    user = director() if who == "director" else pmc_member()
    login(client, user)
    before = snapshot()
    page = client.get(url("change", cases[0].pk))
    if who == "director":
        assert page.status_code == 200 and cases[0].reference in page.text
        assert not any(step_url(cases[0], step) in page.text for step in ALL_STEPS)
        assert "Record a complaint" not in client.get(url("changelist")).text
        expected = 403
    else:
        assert page.status_code == 302 and "/admin/login/" in page.url  # not staff: not let in
        expected = 302
    for case in cases:
        for step, data in STEP_DATA.items():
            assert client.get(step_url(case, step)).status_code == expected, step
            assert client.post(step_url(case, step), data).status_code == expected, step
        assert client.post(url("change", case.pk), {"status": "carried_out", "report": "x"}).status_code in (
            302,
            403,
        )
    for new in ("record", "raise"):
        assert client.get(url(new)).status_code == expected
        data = {"factory": factory.pk, "organisation": organisation.pk, "received_on": "2027-01-27"}
        assert client.post(url(new), {**data, "source": "post", "description": "x"}).status_code == expected
    assert snapshot() == before


def test_a_superuser_takes_the_steps_too(client, parties):
    case = recorded(parties)
    login(client, superuser())
    page = client.get(url("change", case.pk)).text
    assert step_url(case, "notify") in page
    assert client.post(step_url(case, "notify"), {"text": ""}).status_code == 302
    case.refresh_from_db()
    assert case.status == S.PROVIDER_NOTIFIED


@pytest.mark.parametrize("who", ["pmt", "ptst", "superuser"])
def test_the_case_itself_is_never_edited_added_or_deleted_in_the_admin(client, parties, who):
    case = recorded(parties)
    user = {"pmt": pmt, "ptst": ptst, "superuser": superuser}[who]()
    login(client, user)
    before = snapshot()
    page = client.get(url("change", case.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(url("change", case.pk), {"description": "HACKED", "status": "carried_out"}).status_code == 403
    assert client.get(url("add")).status_code == 403
    assert client.get(url("delete", case.pk)).status_code == 403
    assert client.post(url("delete", case.pk), {"post": "yes"}).status_code == 403
    client.post(url("changelist"), {"action": "delete_selected", "_selected_action": [case.pk], "post": "yes"})
    assert snapshot() == before


# --- what the change page shows ----------------------------------------------------------------------------


def test_the_case_page_shows_its_clocks_conversation_log_motion_and_warning(client, parties):
    organisation, _factory = parties
    staff = pmt()
    with on(D(2027, 1, 22)):  # Friday: notify by Tuesday 26 January
        case = recorded(parties)
    with on(D(2027, 1, 27)):  # late: met late; report due one month later, Saturday 27 Feb → Monday 1 March
        case = advance(case, S.SUBSTANTIATED)
        services.case_provider_answer(
            case=case, user=organisation.users.get(), text="Commissioned.", documents=[pdf("certificate.pdf")]
        )
        services.case_message(case=case, author=staff, text="Internal note only.")
        case = services.case_consolidate(case=Case.objects.get(pk=case.pk), actor=staff, report="Late.")
        motion = services.case_send_to_pmc(case=case, actor=staff)
        committee.motion_open(motion=motion, actor=staff)
        voter = staff_user(Role.PMC_MEMBER, email="voter@example.hk")
        committee.vote_cast(motion=motion, member=voter, choice=Vote.Choice.FOR)
        committee.motion_close(motion=motion, actor=staff)
        committee.motion_carry_out(motion=motion, actor=staff)
    warning = Warning.objects.get()
    login(client, ptst())
    page = client.get(url("change", case.pk)).text
    assert "2027-01-26" in page and "met late" in page  # notify by
    assert "2027-03-01" in page and "met on time" in page  # report due
    attachment = Attachment.objects.get(file__endswith="certificate.pdf")
    assert f'href="/documents/{attachment.file.name}"' in page
    assert "the Secretariat, the provider" in page  # the provider's answer
    assert "Internal note only." in page
    # The log names each step and state in words, never by its key (issue 10 §4).
    assert "transition log" in page.lower() and "Found substantiated (§6.1.3)" in page
    assert "find_substantiated" not in page and "under_investigation" not in page
    assert motion.reference in page
    # The PTST cannot open motions: the reference is shown without a link to them.
    assert reverse("admin:committee_motion_change", args=[motion.pk]) not in page
    assert reverse("admin:directory_warning_change", args=[warning.pk]) in page
    assert client.get(url("history", case.pk)).status_code == 200
    login(client, pmt())
    assert reverse("admin:committee_motion_change", args=[motion.pk]) in client.get(url("change", case.pk)).text


def test_section_6_1_4_a_warning_from_a_case_shows_on_the_providers_page_with_its_case(client, parties):
    organisation, _factory = parties
    staff = pmt()
    case = advance(recorded(parties), S.REPORT_CONSOLIDATED)
    motion = services.case_send_to_pmc(case=case, actor=staff)
    committee.motion_open(motion=motion, actor=staff)
    committee.vote_cast(motion=motion, member=staff_user(Role.PMC_MEMBER, email="v@example.hk"), choice="for")
    committee.motion_close(motion=motion, actor=staff)
    committee.motion_carry_out(motion=motion, actor=staff)
    assert Warning.objects.get().case == case
    login(client, director())
    page = client.get(reverse("admin:directory_organisation_change", args=[organisation.pk])).text
    assert f'<a href="{url("change", case.pk)}">{case.reference}</a>' in page


# --- the list: filters and search --------------------------------------------------------------------------


def listed(client, **params):
    response = client.get(url("changelist"), params)
    assert response.status_code == 200
    return {c.reference for c in response.context["cl"].result_list}


def test_section_6_1_1_the_overdue_filter_recorded_thursday_2026_12_24_is_overdue_on_wednesday_2026_12_30(
    client, parties
):
    """Recorded Thursday 24 December 2026: Friday 25 and Saturday 26 (Boxing Day) are holidays, Sunday 27
    too, Monday 28 the first working day after Christmas: notify by Tuesday 29 December. Overdue on
    Wednesday 30 December, not on Tuesday 29."""
    with on(D(2026, 12, 24)):
        late = recorded(parties)
        told = recorded(parties)
        services.case_notify_provider(case=told, actor=pmt())  # report due Monday 25 January 2027
    login(client, pmt())
    with on(D(2026, 12, 29)):
        assert listed(client, overdue="notify") == set()
        assert listed(client, overdue="any") == set()
    with on(D(2026, 12, 30)):
        assert listed(client, overdue="notify") == {late.reference}
        assert listed(client, overdue="report") == set()
        page = client.get(url("changelist")).text
        assert "2026-12-29 (overdue)" in page
    with on(D(2027, 1, 26)):
        assert listed(client, overdue="report") == {told.reference}
        assert listed(client, overdue="any") == {late.reference, told.reference}


def test_the_list_filters_by_state_kind_and_provider_and_searches(client, parties):
    organisation, factory = parties
    other = provider(name_en="Blue Sky Engineering Limited", name_zh="藍天工程有限公司", br_number="39876543")
    green = recorded(parties)
    blue = advance(recorded((other, factory)), S.UNDER_INVESTIGATION)
    substandard = services.case_raise_substandard(
        actor=ptst(), funded_project=funded_project(organisation, factory), grounds=["a"], description="Scope."
    )
    login(client, ptst())
    assert listed(client) == {green.reference, blue.reference, substandard.reference}
    assert listed(client, status__exact=S.UNDER_INVESTIGATION) == {blue.reference}
    assert listed(client, kind__exact="substandard") == {substandard.reference}
    assert listed(client, organisation__id__exact=other.pk) == {blue.reference}
    assert listed(client, q=blue.reference) == {blue.reference}
    assert listed(client, q="Blue Sky") == {blue.reference}
    assert listed(client, q="綠色科技") == {green.reference, substandard.reference}
    assert listed(client, q="39876543") == {blue.reference}
    page = client.get(url("changelist")).text
    assert "Record a complaint received by post or email" in page and "Raise a substandard-service case" in page
    assert "Blue Sky Engineering Limited" in page and "Bright Textiles" in page


@pytest.mark.parametrize("who", ["pmt", "ptst", "superuser"])
def test_every_step_page_opens_for_those_who_may_take_it(client, parties, who):
    cases = {S.RECORDED: recorded(parties)}
    for state in FLOW:
        cases[state] = advance(recorded(parties), state)
    login(client, {"pmt": pmt, "ptst": ptst, "superuser": superuser}[who]())
    for state, steps in BUTTONS.items():
        for step in steps:
            page = client.get(step_url(cases[state], step))
            assert page.status_code == 200, (state, step)
            assert cases[state].reference in page.text and 'type="submit"' in page.text
    for new in ("record", "raise"):
        assert client.get(url(new)).status_code == 200


@pytest.mark.parametrize(
    ("field", "term"), [("factory", "Bright"), ("organisation", "Green"), ("funded_project", "Boil")]
)
def test_the_new_case_forms_search_providers_factories_and_projects(client, parties, field, term):
    organisation, factory = parties
    funded_project(organisation, factory)
    login(client, ptst())
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "complaints", "model_name": "case", "field_name": field, "term": term},
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
