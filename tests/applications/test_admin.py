"""The Secretariat's side of Annex A in the back office (issue 8 §3, §4): each step's button runs its service;
a refusal is a message and changes nothing; the roles that only read can read and change nothing; the
changelist's filters and search. Dates are written by hand."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django_fsm_log.models import StateLog

from applications import services
from applications.models import Application, Message
from committee.models import Motion
from cpp_registry.models import Deadline, Notice
from cpp_registry.roles import Role
from directory.models import Registration
from tests.core.factories import UserFactory, staff_user

from .factories import D, complete_application, engineering, officer

pytestmark = pytest.mark.django_db
HKT = datetime.timezone(datetime.timedelta(hours=8))


def on(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


def submitted(day=None, user=None, **kwargs):
    with on(day or D(2027, 3, 1)):
        application = complete_application(user=user or UserFactory(), **kwargs)
        return services.application_submit(application=application, user=application.created_by)


def step_url(application, name):
    return reverse("admin:applications_application_transition", args=[application.pk, name])


def change_url(application):
    return reverse("admin:applications_application_change", args=[application.pk])


def criteria_url(application):
    return reverse("admin:applications_application_criteria", args=[application.pk])


def changelist(client, **params):
    response = client.get(reverse("admin:applications_application_changelist"), params)
    assert response.status_code == 200
    return sorted(a.reference for a in response.context["cl"].result_list)


def snapshot():
    """Everything a step could change, to compare before and after a refusal."""
    return {
        "applications": list(Application.objects.order_by("pk").values_list()),
        "history": Application.history.count(),
        "log": StateLog.objects.count(),
        "clocks": list(Deadline.objects.order_by("pk").values_list()),
        "messages": Message.objects.count(),
        "notices": Notice.objects.count(),
        "registrations": Registration.objects.count(),
        "motions": Motion.objects.count(),
    }


@pytest.fixture(autouse=True)
def _long_sessions(settings):
    """The tests travel to 2027 with a session opened today: let it last."""
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600


@pytest.fixture
def pmt(client):
    user = officer()
    client.force_login(user)
    client.user = user
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- the buttons, through the services ----------------------------------------------------------------------


def test_section_4_1_3_ask_for_information_stops_the_clock_and_writes_to_the_applicant(pmt):
    application = submitted()
    page = pmt.get(change_url(application))
    assert page.status_code == 200
    body = page.content.decode()
    assert step_url(application, "ask_for_information") in body and step_url(application, "approve") in body
    assert 'name="_save"' not in body  # the record is read, not edited

    step_page = pmt.get(step_url(application, "ask_for_information"))
    assert step_page.status_code == 200
    assert "the clock stops until the complete answer arrives" in step_page.content.decode()
    with on(D(2027, 3, 3)):
        response = pmt.post(
            step_url(application, "ask_for_information"), {"text": "Please send the certificate of project 2."}
        )
    assert response.status_code == 302 and response.url == change_url(application)
    application.refresh_from_db()
    assert application.status == Application.Status.AWAITING_INFORMATION
    request = application.messages.get()
    assert (request.kind, request.author, request.text) == (
        Message.Kind.REQUEST,
        pmt.user,
        "Please send the certificate of project 2.",
    )
    clock = services.application_clock(application)
    assert clock.stopped_on == D(2027, 3, 3)
    log = StateLog.objects.for_(application).latest("timestamp")
    assert (log.transition, log.by) == ("ask_for_information", pmt.user)
    assert Notice.objects.filter(template_key="application_information_requested").count() == 1


def test_section_4_1_4_approve_grants_a_provisional_registration_per_category(pmt):
    application = submitted(categories="12", projects=[engineering(D(2024, 1, 4))] * 3)
    with on(D(2027, 3, 4)):
        response = pmt.post(step_url(application, "approve"), {"text": "Welcome to the programme."}, follow=True)
    assert any("approved" in m for m in messages_of(response))
    application.refresh_from_db()
    assert (application.status, application.decided_by, application.decision_text) == (
        Application.Status.APPROVED,
        pmt.user,
        "Welcome to the programme.",
    )
    assert sorted(
        Registration.objects.filter(organisation=application.organisation).values_list("category", "granted_on")
    ) == [("1", D(2027, 3, 4)), ("2", D(2027, 3, 4))]
    assert services.application_clock(application).met_on_time is True
    assert Notice.objects.filter(template_key="application_approved").count() == 1


def test_section_4_1_5_report_to_the_pmc_opens_a_motion_with_the_report_in_both_languages(pmt):
    application = submitted(staff_months=(24, 24, 23))
    with on(D(2027, 3, 4)):
        response = pmt.post(
            step_url(application, "refer"),
            {"recommendation_en": "Accept: the third consultant joined in 2025.", "recommendation_zh": "建議接納。"},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.REFERRED
    motion = Motion.objects.get()
    assert motion.subject == application
    assert motion.recommendation_en.startswith("Accept: the third consultant joined in 2025.")
    assert motion.recommendation_zh.startswith("建議接納。")
    page = pmt.get(change_url(application)).content.decode()
    assert reverse("admin:committee_motion_change", args=[motion.pk]) in page  # the PMC motion link


def test_staff_record_the_applicants_written_withdrawal(pmt):
    application = submitted()
    with on(D(2027, 3, 4)):
        response = pmt.post(step_url(application, "withdraw"), {"reason": "Letter of 3 March 2027: not now."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    log = StateLog.objects.for_(application).latest("timestamp")
    assert (log.transition, log.by, log.description) == ("withdraw", pmt.user, "Letter of 3 March 2027: not now.")
    assert services.application_clock(application).met_at is not None


def test_section_3_2_2_equivalent_experience_is_recorded_with_its_reason_then_approval_goes_through(pmt):
    application = submitted(staff_months=(24, 24, 23))
    page = pmt.get(change_url(application)).content.decode()
    assert criteria_url(application) in page
    assert "Short of 24 months: Engineer 2 (23 months)." in page  # the criterion's reason
    assert pmt.get(criteria_url(application)).status_code == 200

    with on(D(2027, 3, 4)):
        response = pmt.post(criteria_url(application), {"categories": ["1"], "reason": "Engineer 2 holds a CEng."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.override_categories, application.override_reason, application.override_by) == (
        "1",
        "Engineer 2 holds a CEng.",
        pmt.user,
    )
    assert application.history.first().history_user == pmt.user  # audited
    assert "met on equivalent experience" in pmt.get(change_url(application)).content.decode()
    assert changelist(pmt, criteria="overridden") == [application.reference]

    with on(D(2027, 3, 4)):
        pmt.post(step_url(application, "approve"), {"text": ""})
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED


# --- refusals: a clear message, nothing changes -------------------------------------------------------------


def test_section_4_1_5_approving_an_application_that_misses_the_criteria_says_report_it_to_the_pmc(pmt):
    application = submitted(staff_months=(24, 24, 23))
    before = snapshot()
    with on(D(2027, 3, 4)):
        response = pmt.post(step_url(application, "approve"), {"text": "Welcome."})
    assert response.status_code == 200
    message = " ".join(messages_of(response))
    assert "Category 1: the criteria are not met. Report the application to the PMC (§4.1.5)" in message
    assert snapshot() == before


def test_an_application_that_meets_the_criteria_cannot_be_reported_to_the_pmc(pmt):
    application = submitted()
    before = snapshot()
    with on(D(2027, 3, 4)):
        response = pmt.post(step_url(application, "refer"), {"recommendation_en": "Refer it anyway."})
    assert response.status_code == 200
    assert "meets the criteria: approve it" in " ".join(messages_of(response))
    assert snapshot() == before


def test_a_step_without_its_required_text_is_refused_on_the_form(pmt):
    application = submitted()
    before = snapshot()
    for name, data in [("ask_for_information", {"text": "  "}), ("refer", {}), ("withdraw", {"reason": ""})]:
        response = pmt.post(step_url(application, name), data)
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
    assert pmt.post(criteria_url(application), {"categories": ["1"], "reason": ""}).status_code == 200
    assert pmt.post(criteria_url(application), {"categories": ["2"], "reason": "Not applied for"}).status_code == 200
    assert snapshot() == before


def test_a_decided_application_offers_no_step_and_refuses_each(pmt):
    application = submitted()
    with on(D(2027, 3, 4)):
        services.application_approve(application=application, actor=officer(email="first@example.hk"))
    body = pmt.get(change_url(application)).content.decode()
    assert "/transition/" not in body and criteria_url(application) not in body
    before = snapshot()
    # Opening a step's page from an old tab: back to the application, with why.
    response = pmt.get(step_url(application, "approve"), follow=True)
    assert "approved now; that change is not possible" in " ".join(messages_of(response))
    for name, data in [
        ("approve", {"text": ""}),
        ("ask_for_information", {"text": "More?"}),
        ("withdraw", {"reason": "Letter"}),
        ("refer", {"recommendation_en": "x"}),
    ]:
        response = pmt.post(step_url(application, name), data)
        assert response.status_code == 200, name
        assert messages_of(response), name
    response = pmt.post(criteria_url(application), {"categories": ["1"], "reason": "Too late"})
    assert "can only be weighed while it is processed" in " ".join(messages_of(response))
    assert snapshot() == before


@pytest.mark.parametrize("name", ["submit", "answer", "pmc_accept", "pmc_refuse", "x", "save", "delete"])
def test_only_the_secretariats_steps_have_a_page(pmt, name):
    application = submitted()
    before = snapshot()
    assert pmt.get(step_url(application, name)).status_code == 404
    assert pmt.post(step_url(application, name), {"text": "x"}).status_code == 404
    assert snapshot() == before


def test_no_application_is_made_edited_or_deleted_in_the_admin(pmt):
    application = submitted()
    before = snapshot()
    assert pmt.get(reverse("admin:applications_application_add")).status_code == 403
    assert pmt.post(change_url(application), {"categories": "2", "decision_text": "HACKED"}).status_code == 403
    delete = reverse("admin:applications_application_delete", args=[application.pk])
    assert pmt.post(delete, {"post": "yes"}).status_code == 403
    pmt.post(
        reverse("admin:applications_application_changelist"),
        {"action": "delete_selected", "_selected_action": [application.pk], "post": "yes"},
    )
    assert snapshot() == before


def test_an_unknown_or_malformed_id_is_not_found(pmt):
    for object_id in ("999999", "x"):
        assert pmt.get(f"/en/admin/applications/application/{object_id}/transition/approve/").status_code == 404
        assert pmt.post(f"/en/admin/applications/application/{object_id}/criteria/", {}).status_code == 404


# --- who may do what ----------------------------------------------------------------------------------------


def role_user(role):
    if role == "superuser":
        return UserFactory(email="root@example.hk", is_staff=True, is_superuser=True)
    return staff_user(role)


# What each role gets on each page of an application that misses the criteria: (GET, empty POST).
DECIDES = {"changelist": (200, 200), "change": (200, 403), "history": (200, 200), "version": (200, 405),
           "step": (200, 200), "criteria": (200, 200)}  # fmt: skip
READS = {**DECIDES, "step": (403, 403), "criteria": (403, 403)}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PROGRAMME_MANAGEMENT_TEAM, DECIDES),
        ("superuser", DECIDES),
        (Role.PTST, READS),
        (Role.PROGRAMME_DIRECTOR, READS),
    ],
)
def test_every_page_as_each_staff_role_with_get_and_post_changes_nothing_by_itself(client, role, expected):
    """Every admin page of applications, GET and an empty POST, as each staff role: those who decide get
    the form again with what is missing (or, for approval, why not: the criteria are not met); those who
    read are refused; nothing changes for anybody."""
    application = submitted(staff_months=(24, 24, 23))
    client.force_login(role_user(role))
    pages = {
        "changelist": [reverse("admin:applications_application_changelist")],
        "change": [change_url(application)],
        "history": [reverse("admin:applications_application_history", args=[application.pk])],
        "version": [
            reverse(
                "admin:applications_application_simple_history",
                args=[application.pk, application.history.earliest("history_id").history_id],
            )
        ],
        "step": [step_url(application, name) for name in ("ask_for_information", "approve", "refer", "withdraw")],
        "criteria": [criteria_url(application)],
    }
    before = snapshot()
    for page, urls in pages.items():
        for url in urls:
            got = (client.get(url).status_code, client.post(url, {}).status_code)
            assert got == expected[page], (page, url, got)
    assert snapshot() == before


def test_a_pmc_member_is_sent_to_the_back_office_log_in_from_every_page(client):
    application = submitted()
    client.force_login(staff_user(Role.PMC_MEMBER))
    before = snapshot()
    urls = [reverse("admin:applications_application_changelist"), change_url(application), criteria_url(application)]
    urls += [step_url(application, name) for name in ("ask_for_information", "approve", "refer", "withdraw")]
    for url in urls:
        for response in (client.get(url), client.post(url, {"text": "x", "categories": ["1"], "reason": "x"})):
            assert response.status_code == 302 and "/admin/login/" in response.url, url
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.PTST, Role.PROGRAMME_DIRECTOR])
def test_view_only_officers_read_everything_and_change_nothing(client, role):
    """§3.1.1: the PTST and the Programme Director read applications; every POST is refused (403) and
    nothing changes."""
    application = submitted(staff_months=(24, 24, 23))
    client.force_login(staff_user(role))
    assert changelist(client) == [application.reference]
    page = client.get(change_url(application))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Short of 24 months" in body and application.organisation.name_en in body
    assert "/transition/" not in body and criteria_url(application) not in body

    before = snapshot()
    for name in ("ask_for_information", "approve", "refer", "withdraw"):
        assert client.get(step_url(application, name)).status_code == 403
        data = {"text": "x", "reason": "x", "recommendation_en": "x"}
        assert client.post(step_url(application, name), data).status_code == 403
    assert client.get(criteria_url(application)).status_code == 403
    assert client.post(criteria_url(application), {"categories": ["1"], "reason": "x"}).status_code == 403
    assert client.post(change_url(application), {"decision_text": "HACKED"}).status_code == 403
    assert snapshot() == before


def test_staff_without_a_role_read_nothing(client):
    application = submitted()
    client.force_login(UserFactory(is_staff=True))
    before = snapshot()
    assert client.get(reverse("admin:applications_application_changelist")).status_code == 403
    assert client.get(change_url(application)).status_code in (302, 403)
    assert client.get(step_url(application, "approve")).status_code == 404
    assert client.post(step_url(application, "approve"), {"text": ""}).status_code == 404
    assert snapshot() == before


def test_a_superuser_takes_the_steps(client):
    application = submitted()
    admin_user = role_user("superuser")
    client.force_login(admin_user)
    assert step_url(application, "approve") in client.get(change_url(application)).content.decode()
    with on(D(2027, 3, 4)):
        assert client.post(step_url(application, "approve"), {"text": ""}).status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decided_by) == (Application.Status.APPROVED, admin_user)


# --- the changelist -----------------------------------------------------------------------------------------


@pytest.fixture
def clocks():
    """Clocks of 10 working days (§4.1.3), the due days counted by hand:
    - overdue: submitted Mon 2027-03-01 → due Mon 2027-03-15;
    - due soon: submitted Mon 2027-03-08 → due Mon 2027-03-22;
    - running: submitted Mon 2027-03-15 → due Wed 2027-03-31 (Good Friday 26 March is a general holiday);
    - stopped: submitted Mon 2027-03-01, information asked for on Wed 2027-03-03;
    - met: submitted Mon 2027-03-01, approved on Thu 2027-03-04;
    - a draft: no clock."""
    pmt_user = officer(email="clocks@example.hk")
    made = {
        "overdue": submitted(D(2027, 3, 1), name_en="Overdue Ltd"),
        "due_soon": submitted(D(2027, 3, 8), name_en="Due Soon Ltd"),
        "running": submitted(D(2027, 3, 15), name_en="Running Ltd"),
        "stopped": submitted(D(2027, 3, 1), name_en="Stopped Ltd"),
        "met": submitted(D(2027, 3, 1), name_en="Met Ltd"),
        "draft": complete_application(name_en="Draft Ltd"),
    }
    with on(D(2027, 3, 3)):
        services.application_ask_for_information(application=made["stopped"], actor=pmt_user, text="More, please.")
    with on(D(2027, 3, 4)):
        services.application_approve(application=made["met"], actor=pmt_user)
    due = {name: services.application_clock(a) for name, a in made.items()}
    assert due["overdue"].due_day == D(2027, 3, 15)
    assert due["due_soon"].due_day == D(2027, 3, 22)
    assert due["running"].due_day == D(2027, 3, 31)
    assert due["draft"] is None
    return {name: a.reference for name, a in made.items()}


def test_the_clock_filters_on_friday_2027_03_19(pmt, clocks):
    """Today Friday 19 March 2027; the next working day is Monday 22 March."""
    with on(D(2027, 3, 19)):
        assert changelist(pmt, clock="open") == sorted(clocks[n] for n in ("overdue", "due_soon", "running", "stopped"))
        assert changelist(pmt, clock="due_soon") == [clocks["due_soon"]]
        assert changelist(pmt, clock="overdue") == [clocks["overdue"]]
        assert changelist(pmt, clock="stopped") == [clocks["stopped"]]
        assert len(changelist(pmt)) == 6
        body = pmt.get(reverse("admin:applications_application_changelist")).content.decode()
    assert "2027-03-15 (overdue)" in body
    assert "stopped since 2027-03-03" in body
    assert "2027-03-31" in body and "2027-03-22" in body


def test_the_clock_filters_a_working_day_later(pmt, clocks):
    """Monday 22 March 2027: "due soon" is due today or on Tuesday 23 March; 22 March is due today."""
    with on(D(2027, 3, 22)):
        assert changelist(pmt, clock="due_soon") == [clocks["due_soon"]]
    with on(D(2027, 3, 23)):
        assert changelist(pmt, clock="due_soon") == []
        assert changelist(pmt, clock="overdue") == sorted([clocks["overdue"], clocks["due_soon"]])
    with on(D(2027, 3, 30)):  # Tuesday after Easter Monday: the running clock is due tomorrow
        assert changelist(pmt, clock="due_soon") == [clocks["running"]]


def test_filters_by_state_category_and_criteria(pmt):
    met = submitted(categories="1")
    not_met = submitted(staff_months=(24, 12, 6))
    both = submitted(categories="12", projects=[engineering(D(2024, 1, 4))] * 3)
    draft = complete_application(categories="2", projects=[engineering(D(2024, 1, 4))] * 3)
    assert changelist(pmt, status__exact="submitted") == sorted([met.reference, not_met.reference, both.reference])
    assert changelist(pmt, status__exact="draft") == [draft.reference]
    assert changelist(pmt, category="1") == sorted([met.reference, not_met.reference, both.reference])
    assert changelist(pmt, category="2") == sorted([both.reference, draft.reference])
    assert changelist(pmt, criteria="met") == sorted([met.reference, both.reference])
    assert changelist(pmt, criteria="not_met") == [not_met.reference]
    assert changelist(pmt, criteria="overridden") == []
    body = pmt.get(reverse("admin:applications_application_changelist")).content.decode()
    assert "Not met: category 1" in body


def test_search_by_reference_name_in_either_language_and_br_number(pmt):
    one = submitted(name_en="Kowloon Heat Recovery Limited", name_zh="九龍熱能回收有限公司", br_number="41234567")
    other = submitted(name_en="Sha Tin Solar Limited", name_zh="沙田太陽能有限公司", br_number="47654321")
    assert changelist(pmt, q=one.reference) == [one.reference]
    assert changelist(pmt, q="heat recovery") == [one.reference]
    assert changelist(pmt, q="沙田太陽能") == [other.reference]
    assert changelist(pmt, q="41234567") == [one.reference]
    assert changelist(pmt, q="Limited") == sorted([one.reference, other.reference])
