"""The applicant's pages of Annex A (issue 8 §2): the dashboard, the task list, each section, check your
answers and submit, the conversation, answer and withdraw, and the paper; in the three languages."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as tr  # not "tr(": the catalogue is not the tests'
from django_fsm_log.models import StateLog

from applications import services
from applications.models import Application, Attachment, Message, ProjectRecord, StaffMember
from cpp_registry.models import Notice
from cpp_registry.roles import Role
from directory.models import Organisation, Registration
from directory.services import registration_grant
from tests.core.factories import UserFactory, staff_user

from .factories import PDF, D, complete_application, officer, organisation_details

pytestmark = pytest.mark.django_db
HKT = datetime.timezone(datetime.timedelta(hours=8))
LANGUAGES = ("en", "zh-hant", "zh-hans")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def on(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def url(name, application=None, lang="en", **kwargs):
    if application is not None:
        kwargs["reference"] = application.reference
    with translation.override(lang):
        return reverse(f"applications:{name}", kwargs=kwargs)


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def h1(html):
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def error_summary(html):
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return unescape(match.group(0)) if match else ""


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def applicant():
    return UserFactory(email="owner@greentech.example.hk")


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def submitted(user, day=None, **kwargs):
    with on(day or D(2027, 2, 5)):
        return services.application_submit(application=complete_application(user=user, **kwargs), user=user)


def awaiting(user, text="Please send the completion certificate of project 2."):
    application = submitted(user)
    with on(D(2027, 2, 10)):
        return services.application_ask_for_information(application=application, actor=officer(), text=text)


# --- Every page in the three languages -----------------------------------------------------------------

# name, the English heading, and how to reach it: "draft" (a complete draft), "awaiting" (the Secretariat
# asked for information), "staff"/"project" (one of the draft's records).
PAGES = [
    ("dashboard", "My applications", None),
    ("tasks", "Apply to register as a provider", "draft"),
    ("organisation", "Organisation details", "new"),
    ("categories", "Categories applied for", "draft"),
    ("staff", "Staff and their experience", "draft"),
    ("staff_add", "Add a member of staff", "draft"),
    ("staff_edit", "Change a member of staff", "staff"),
    ("staff_remove", "Remove a member of staff", "staff"),
    ("projects", "Project records", "draft"),
    ("project_add", "Add a project", "draft"),
    ("project_edit", "Change a project record", "project"),
    ("project_remove", "Remove a project record", "project"),
    ("code_of_conduct", "Signed code of conduct", "draft"),
    ("privacy", "Personal information collection statement", "draft"),
    ("declaration", "Declaration", "draft"),
    ("check", "Check your answers before you submit", "draft"),
    ("answer", "Answer the Secretariat", "awaiting"),
    ("withdraw", "Withdraw the application", "draft"),
]


def _address(name, how, applicant, lang):
    if how is None:
        return url(name, lang=lang)
    if how == "awaiting":
        return url(name, awaiting(applicant), lang=lang)
    if how == "new":
        return url(name, services.application_start(user=applicant), lang=lang)
    application = complete_application(user=applicant)
    if how == "staff":
        return url(name, application, lang=lang, pk=application.staff.first().pk)
    if how == "project":
        return url(name, application, lang=lang, pk=application.projects.first().pk)
    return url(name, application, lang=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("name", "heading", "how"), PAGES, ids=[p[0] for p in PAGES])
def test_every_applicant_page_speaks_the_language_of_its_address(signed_in, applicant, lang, name, heading, how):
    html = page(signed_in.get(_address(name, how, applicant, lang)))
    with translation.override(lang):
        expected = tr(heading)
        if lang != "en":
            assert expected != heading, f"{heading!r} has no {lang} translation"
        assert h1(html) == expected
        assert expected in title(html)
        if how is not None:  # a page about one application carries its reference at the top and in the title
            reference = Application.objects.latest("pk").reference
            assert reference in title(html)
            assert html.index(reference) < html.index("<h1")
        if lang != "en":  # the navigation and the page's own words, not only the heading
            assert tr("My applications") != "My applications"
            assert tr("My applications") in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_submitted_task_list_the_check_page_and_the_paper_speak_each_language(client, applicant, lang):
    application = awaiting(applicant)
    client.force_login(applicant)
    with translation.override(lang):
        html = page(client.get(url("tasks", application, lang=lang)))
        assert h1(html) == tr("Your application")
        assert tr("Messages with the Secretariat") in html
        assert tr("Answer the Secretariat") in html
        assert tr("The 10 working days are stopped while we wait for your answer.") in html
        html = page(client.get(url("check", application, lang=lang)))
        assert h1(html) == tr("Your answers")
        client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
        html = page(client.get(url("paper", application, lang=lang)))
        assert h1(html) == tr("Application as submitted")
        if lang != "en":
            assert tr("Application as submitted") != "Application as submitted"
            assert tr("Messages between the Secretariat and the applicant") in html


@pytest.mark.parametrize(
    ("lang", "met", "not_met"), [("en", "Met", "Not met"), ("zh-hant", "符合", "不符合"), ("zh-hans", "符合", "不符合")]
)
def test_the_criteria_are_told_in_the_pages_language(signed_in, applicant, lang, met, not_met):
    """Criterion.label and .reason are translated when the page renders, not when the check runs."""
    application = complete_application(user=applicant, staff_months=(24, 24, 23))
    html = unescape(page(signed_in.get(url("check", application, lang=lang))))
    with translation.override(lang):
        assert tr("At least 3 project records with the client's contact details (§4.1.2)") in html
        reason = tr("Short of 24 months: %(people)s.") % {
            "people": tr("%(name)s (%(months)d months)") % {"name": "Engineer 2", "months": 23}
        }
        assert reason in html
        if lang != "en":
            assert "Short of 24 months" not in html
    assert f"{not_met}:" in html and f"{met}:" in html


# --- The dashboard and starting -----------------------------------------------------------------------


def test_the_dashboard_lists_my_applications_with_state_categories_and_due_day(signed_in, applicant):
    draft = complete_application(user=applicant)
    sent = submitted(applicant, categories="2", projects=None)
    other = complete_application()  # somebody else's
    html = page(signed_in.get(url("dashboard")))
    assert draft.reference in html and sent.reference in html
    assert other.reference not in html
    assert "Not sent yet: you are still filling it in." in html
    assert "Received: the Secretariat is processing your application." in html
    assert "Due by 2027-02-23" in html  # §4.1.3: ten working days from Friday 5 February 2027
    assert "Category 2 — Consultancy-engineering" in html


def test_a_new_applicant_starts_an_application_and_lands_on_its_task_list(signed_in, applicant):
    response = signed_in.post(url("start"))
    application = Application.objects.get()
    assert (application.created_by, application.organisation) == (applicant, None)
    assert response.status_code == 302 and response["Location"] == url("tasks", application)
    html = page(signed_in.get(response["Location"]))
    assert html.count("Not started") == 7
    assert "Cannot start yet" in html


def test_starting_is_a_post_only(signed_in):
    assert signed_in.get(url("start")).status_code == 405
    assert not Application.objects.exists()


def test_a_user_acting_for_an_organisation_chooses_it_or_a_new_one(signed_in, applicant):
    organisation = Organisation.objects.create(name_en="Green Tech Ltd", br_number="12345678")
    organisation.users.add(applicant)
    html = page(signed_in.get(url("dashboard")))
    assert "Which organisation is this application for?" in html and "Green Tech Ltd" in html

    response = signed_in.post(url("start"), {})
    html = page(response)
    assert "Choose the organisation the application is for, or a new organisation." in error_summary(html)
    assert title(html).startswith("Error: ")
    assert not Application.objects.exists()

    signed_in.post(url("start"), {"organisation": str(organisation.pk)})
    assert Application.objects.get().organisation == organisation
    signed_in.post(url("start"), {"organisation": "new"})
    assert Application.objects.filter(organisation=None).count() == 1


def test_one_cannot_start_for_an_organisation_one_does_not_act_for(signed_in):
    stranger = Organisation.objects.create(name_en="Other Ltd", br_number="87654321")
    response = signed_in.post(url("start"), {"organisation": str(stranger.pk)})
    assert response.status_code == 302  # no organisation to choose: a new organisation's application
    assert Application.objects.get().organisation is None


# --- The sections -------------------------------------------------------------------------------------


def _organisation_post(**changes):
    details = organisation_details(phone="2123 4567")
    details["areas"] = list(details["areas"])
    details.update(changes)
    return details


def test_the_organisation_section_checks_the_br_number_and_phone_and_saves(signed_in, applicant):
    application = services.application_start(user=applicant)
    address = url("organisation", application)
    html = page(signed_in.post(address, _organisation_post(br_number="1234567", phone="12")))
    summary = error_summary(html)
    assert "A Business Registration number has exactly 8 digits (for example 12345678)." in summary
    assert 'href="#id_br_number"' in summary and 'href="#id_phone"' in summary
    assert 'aria-invalid="true"' in html
    assert title(html).startswith("Error: ")
    assert not Organisation.objects.exists()

    response = signed_in.post(address, _organisation_post(br_number="12345678"))
    assert response.status_code == 302 and response["Location"] == url("tasks", application)
    application.refresh_from_db()
    assert application.organisation.br_number == "12345678"
    assert str(application.organisation.phone) == "+85221234567"
    assert "organisation" in application.sections_done


def test_a_br_number_already_on_the_register_is_refused_in_the_summary(signed_in, applicant):
    Organisation.objects.create(name_en="Taken Ltd", br_number="12345678")
    application = services.application_start(user=applicant)
    html = page(signed_in.post(url("organisation", application), _organisation_post(br_number="12345678")))
    assert "is already on the register" in error_summary(html)
    assert Organisation.objects.count() == 1


def test_an_existing_providers_details_are_shown_read_only_with_the_contact_change_link(signed_in, applicant):
    organisation = complete_application(user=applicant).organisation
    registration_grant(organisation=organisation, category="1", granted_on=D(2026, 1, 5))
    application = services.application_start(user=applicant, organisation=organisation)
    html = page(signed_in.get(url("organisation", application)))
    assert "<form" not in html.split("<main", 1)[1].split("</main>")[0]
    assert organisation.br_number in html
    assert reverse("directory:contact_change_create", kwargs={"pk": organisation.pk}) in html
    signed_in.post(url("organisation", application), _organisation_post(name_en="Hijack Ltd"))
    organisation.refresh_from_db()
    assert organisation.name_en == "Green Tech Limited"


def test_an_existing_provider_applies_for_the_category_it_does_not_hold(signed_in, applicant):
    """§5.2.3: a provider registered in category 1 is offered category 2 only."""
    organisation = Organisation.objects.create(name_en="Green Tech Ltd", br_number="12345678")
    organisation.users.add(applicant)
    registration_grant(organisation=organisation, category="1", granted_on=D(2026, 1, 5))
    application = services.application_start(user=applicant, organisation=organisation)
    html = page(signed_in.get(url("categories", application)))
    assert 'value="2"' in html and 'value="1"' not in html
    assert "Your organisation already holds: Category 1 — Consultancy." in html
    html = page(signed_in.post(url("categories", application), {"categories": ["1"]}))
    assert error_summary(html)
    signed_in.post(url("categories", application), {"categories": ["2"]})
    application.refresh_from_db()
    assert application.categories == "2"


def test_categories_need_a_choice(signed_in, applicant):
    application = services.application_start(user=applicant)
    html = page(signed_in.post(url("categories", application), {}))
    assert "Choose category 1, category 2 or both." in error_summary(html)
    signed_in.post(url("categories", application), {"categories": ["2", "1"]})
    application.refresh_from_db()
    assert application.categories == "12"


def _staff_post(**changes):
    data = {
        "name": "Chan Tai Man",
        "position": "Senior consultant",
        "years": "3",
        "months": "6",
        "experience": ["energy", "pollution"],
        "proof": pdf("cv.pdf"),
    }
    data.update(changes)
    return data


def test_staff_are_added_changed_removed_and_the_list_finished(signed_in, applicant):
    application = services.application_start(user=applicant)
    html = page(signed_in.post(url("staff", application), {"done": "on"}))
    assert "Add at least one entry first." in error_summary(html)

    html = page(signed_in.post(url("staff_add", application), _staff_post(months="12", experience=[])))
    summary = error_summary(html)
    assert "Enter the months, from 0 to 11; 12 months make a year." in summary
    assert "Tick at least one field of experience." in summary
    assert 'href="#id_experience_0"' in summary
    response = signed_in.post(url("staff_add", application), _staff_post())
    assert response["Location"] == url("staff", application)
    member = StaffMember.objects.get()
    assert (member.years, member.months, member.fields) == (3, 6, ["energy", "pollution"])

    html = page(signed_in.get(url("staff", application)))
    assert "Chan Tai Man" in html and "3 years 6 months" in html and "In progress" not in html
    assert page(signed_in.get(url("tasks", application))).count("In progress") == 1

    data = _staff_post(name="Chan Siu Ming", years="2", months="0")
    del data["proof"]  # a change may keep the document
    signed_in.post(url("staff_edit", application, pk=member.pk), data)
    member.refresh_from_db()
    assert (member.name, member.total_months) == ("Chan Siu Ming", 24)
    assert member.proof.name.endswith("cv.pdf")

    signed_in.post(url("staff", application), {"done": "on"})
    application.refresh_from_db()
    assert "staff" in application.sections_done

    signed_in.post(url("staff_remove", application, pk=member.pk))
    assert not StaffMember.objects.exists()
    application.refresh_from_db()
    assert "staff" not in application.sections_done


def test_a_new_member_of_staff_needs_a_proof(signed_in, applicant):
    application = services.application_start(user=applicant)
    data = _staff_post()
    del data["proof"]
    html = page(signed_in.post(url("staff_add", application), data))
    assert 'href="#id_proof"' in error_summary(html)
    assert not StaffMember.objects.exists()


def _project_post(**changes):
    data = {
        "title": "Boiler retrofit",
        "client_company": "Kwun Tong Dyeing Ltd",
        "client_contact": "Lee Siu Ming",
        "client_phone": "2987 6543",
        "client_email": "",
        "started_on": "2024-01-15",
        "ended_on": "2024-12-20",
        "kind": "engineering",
        "completed": "yes",
        "areas": ["b", "c"],
        "document": pdf("contract.pdf"),
    }
    data.update(changes)
    return data


def test_a_project_record_is_added_and_changed(signed_in, applicant):
    application = services.application_start(user=applicant)
    html = page(signed_in.post(url("project_add", application), _project_post(kind="", completed="")))
    assert "Choose consultancy or engineering." in error_summary(html)
    assert "Say whether the project is completed." in error_summary(html)
    html = page(signed_in.post(url("project_add", application), _project_post(ended_on="2023-01-01")))
    assert "A project cannot end before it starts." in error_summary(html)
    assert not ProjectRecord.objects.exists()

    signed_in.post(url("project_add", application), _project_post())
    record = ProjectRecord.objects.get()
    assert (record.kind, record.completed, record.areas, str(record.client_phone)) == (
        "engineering",
        True,
        "bc",
        "+85229876543",
    )
    data = _project_post(completed="no", ended_on="")
    del data["document"]
    signed_in.post(url("project_edit", application, pk=record.pk), data)
    record.refresh_from_db()
    assert (record.completed, record.ended_on) == (False, None)
    assert record.document.name.endswith("contract.pdf")


def test_the_code_of_conduct_page_links_the_template_and_needs_the_signed_copy(signed_in, applicant):
    application = services.application_start(user=applicant)
    html = page(signed_in.get(url("code_of_conduct", application)))
    assert reverse("directory:code_of_conduct") in html
    html = page(signed_in.post(url("code_of_conduct", application), {"kind": "template"}))
    assert "Upload the signed code of conduct." in error_summary(html)
    signed_in.post(url("code_of_conduct", application), {"kind": "own", "document": pdf("coc.pdf")})
    application.refresh_from_db()
    assert application.code_of_conduct_kind == "own" and "code_of_conduct" in application.sections_done
    signed_in.post(url("code_of_conduct", application), {"kind": "template"})  # keeps the signed copy
    application.refresh_from_db()
    assert application.code_of_conduct_kind == "template" and application.code_of_conduct_file


def test_the_privacy_statement_says_what_the_law_requires_and_is_acknowledged(signed_in, applicant):
    application = services.application_start(user=applicant)
    html = page(signed_in.get(url("privacy", application)))
    for words in (
        "Personal Data (Privacy) Ordinance (Cap. 486)",
        "Environmental Protection Department",
        "Project Management Committee",
        "access to, and correction of",
        "public directory shows",
    ):
        assert words in html
    html = page(signed_in.post(url("privacy", application), {}))
    assert "Tick the box to say you have read the statement." in error_summary(html)
    signed_in.post(url("privacy", application), {"acknowledge": "on"})
    application.refresh_from_db()
    assert application.privacy_acknowledged_at is not None


def test_the_declaration_needs_the_signatory_and_the_tick(signed_in, applicant):
    application = services.application_start(user=applicant)
    html = page(signed_in.post(url("declaration", application), {"name": "Chan Tai Man", "position": "Director"}))
    assert "Tick the box to make the declaration." in error_summary(html)
    signed_in.post(url("declaration", application), {"name": "Chan Tai Man", "position": "Director", "confirm": "on"})
    application.refresh_from_db()
    assert (application.signatory_name, application.signatory_position) == ("Chan Tai Man", "Director")
    assert application.declared_at is not None


# --- Save and resume ----------------------------------------------------------------------------------


def test_save_and_resume_across_a_log_out(client):
    """An applicant stops after a section, logs out, logs in again and finds the same answers."""
    user = UserFactory(email="resume@example.hk")
    client.force_login(user)
    client.post(url("start"))
    application = Application.objects.get()
    client.post(url("organisation", application), _organisation_post(br_number="22334455", name_en="Resume Ltd"))
    client.post(url("categories", application), {"categories": ["1"]})
    client.post(url("staff_add", application), _staff_post(name="Wong Ka Yan"))
    client.logout()
    assert client.get(url("tasks", application)).status_code == 302  # logged out: asked to log in

    client.force_login(user)
    html = page(client.get(url("dashboard")))
    assert application.reference in html
    html = page(client.get(url("tasks", application)))
    assert html.count("Completed") == 2 and html.count("In progress") == 1
    html = page(client.get(url("organisation", application)))
    assert 'value="Resume Ltd"' in html and 'value="22334455"' in html
    html = page(client.get(url("categories", application)))
    assert re.search(r'value="1"[^>]*checked', html)
    assert "Wong Ka Yan" in page(client.get(url("staff", application)))


# --- Check your answers and submit -------------------------------------------------------------------


def test_check_your_answers_shows_every_answer_with_a_change_link(signed_in, applicant):
    application = complete_application(user=applicant)
    html = page(signed_in.get(url("check", application)))
    for name in ("organisation", "categories", "code_of_conduct", "privacy", "declaration"):
        assert f'href="{url(name, application)}"' in html
    for member in application.staff.all():
        assert f'href="{url("staff_edit", application, pk=member.pk)}"' in html
    for record in application.projects.all():
        assert f'href="{url("project_edit", application, pk=record.pk)}"' in html
    assert "Green Tech Limited" in html and "Chan Tai Man, Director" in html
    assert "Submit the application" in html
    assert "does not meet every criterion" not in html


def test_section_3_2_2_check_your_answers_shows_24_24_23_months_not_met_with_the_reason(signed_in, applicant):
    application = complete_application(user=applicant, staff_months=(24, 24, 23))
    html = page(signed_in.get(url("check", application)))
    criterion = html[html.index("At least 3 staff, each with at least 2 years") - 200 :]
    assert "Not met:" in criterion[:300]
    assert "2 members of staff have at least 24 months of experience; 3 are needed." in html
    assert "Short of 24 months: Engineer 2 (23 months)." in html
    assert "Your application does not meet every criterion. You can still submit it." in html
    assert "Project Management Committee" in html

    response = signed_in.post(url("check", application))
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.criteria_met) == (Application.Status.SUBMITTED, False)


def test_submitting_twice_submits_once_and_the_second_is_told_in_a_message(signed_in, applicant):
    application = complete_application(user=applicant)
    with on(D(2027, 2, 5)):
        signed_in.force_login(applicant)  # a session of that day
        first = signed_in.post(url("check", application), follow=True)
        second = signed_in.post(url("check", application), follow=True)
    assert "is submitted" in " ".join(messages_of(first))
    assert second.status_code == 200
    assert second.redirect_chain == [(url("tasks", application), 302)]
    assert "was already submitted on 2027-02-05" in " ".join(messages_of(second))
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert StateLog.objects.for_(application).count() == 1
    assert Notice.objects.filter(template_key="application_submitted").count() == 1


def test_an_incomplete_application_is_refused_in_the_error_summary(signed_in, applicant):
    application = services.application_start(user=applicant)
    html = page(signed_in.post(url("check", application)))
    assert "Complete every section before you submit" in error_summary(html)
    assert title(html).startswith("Error: ")
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


# --- After submission --------------------------------------------------------------------------------


def test_the_task_list_after_submission_shows_the_state_the_clock_and_a_withdraw_link(signed_in, applicant):
    application = submitted(applicant)
    html = page(signed_in.get(url("tasks", application)))
    assert "Received: the Secretariat is processing your application." in html
    assert "by 2027-02-23 (§4.1.3)" in html
    assert url("withdraw", application) in html
    assert url("answer", application) not in html
    assert url("organisation", application) not in html  # the answers are no longer changed
    response = signed_in.get(url("organisation", application), follow=True)
    assert "its answers cannot be changed now" in " ".join(messages_of(response))


def test_the_secretariats_request_is_answered_with_several_documents(signed_in, applicant):
    application = awaiting(applicant)
    html = page(signed_in.get(url("tasks", application)))
    assert "Please send the completion certificate of project 2." in html
    assert "The 10 working days are stopped while we wait for your answer." in html
    assert url("answer", application) in html

    html = page(signed_in.post(url("answer", application), {"text": ""}))
    assert "Write your answer or attach a document." in error_summary(html)
    with on(D(2027, 2, 17)):
        signed_in.force_login(applicant)
        response = signed_in.post(
            url("answer", application),
            {"text": "Both attached.", "documents": [pdf("certificate.pdf"), pdf("letter.pdf")]},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    answer = Message.objects.get(kind=Message.Kind.ANSWER)
    assert sorted(str(a) for a in answer.attachments.all()) == ["certificate.pdf", "letter.pdf"]
    html = page(signed_in.get(url("tasks", application)))
    assert html.index("Please send the completion certificate") < html.index("Both attached.")  # newest last
    assert "by 2027-03-03" in html  # §4.1.3: ten working days again from Wednesday 17 February 2027
    for attachment in answer.attachments.all():
        assert attachment.file.url in html
        assert signed_in.get(attachment.file.url).status_code == 200


def test_the_written_decision_is_shown_and_withdrawal_is_no_longer_offered(signed_in, applicant):
    application = submitted(applicant)
    with on(D(2027, 2, 8)):
        services.application_approve(application=application, actor=officer(), text="Approved: welcome aboard.")
    html = page(signed_in.get(url("tasks", application)))
    assert "The written decision" in html and "Approved: welcome aboard." in html
    assert url("withdraw", application) not in html
    response = signed_in.post(url("withdraw", application), {"reason": "x", "confirm": "on"}, follow=True)
    assert "can no longer be withdrawn" in " ".join(messages_of(response))
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED


def test_the_applicant_withdraws_with_a_reason(signed_in, applicant):
    application = submitted(applicant)
    html = page(signed_in.post(url("withdraw", application), {"reason": "Not now"}))
    assert "Tick the box to confirm the withdrawal." in error_summary(html)
    with on(D(2027, 2, 8)):
        signed_in.force_login(applicant)
        signed_in.post(url("withdraw", application), {"reason": "Not now", "confirm": "on"})
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert "Withdrawn: the application is not processed further." in page(signed_in.get(url("tasks", application)))


def test_the_paper_shows_the_answers_as_submitted_with_their_documents(client, applicant):
    application = submitted(applicant, staff_months=(24, 24, 23))
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    html = page(client.get(url("paper", application)))
    assert application.reference in title(html)
    assert application.organisation.br_number in html and "Engineer 2" in html and "Project 2" in html
    assert "Short of 24 months: Engineer 2 (23 months)." in html
    assert "<form" not in html.split("<main", 1)[1].split("</main>")[0]
    for member in application.staff.all():
        assert member.proof.url in html
        assert client.get(member.proof.url).status_code == 200
    assert application.code_of_conduct_file.url in html


# --- The home page and the navigation ------------------------------------------------------------------


def test_the_home_page_links_the_annex_a_sentence_to_the_dashboard(client):
    html = page(client.get("/en/"))
    assert f'<a href="{url("dashboard")}">Providers apply online with the Annex A form.' in html


def test_my_applications_is_in_the_navigation_of_a_logged_in_applicant_only(client, applicant):
    def nav():
        html = page(client.get("/en/"))
        return html[html.index('<nav class="portal-nav"') : html.index("</nav>")]

    assert "My applications" not in nav()
    client.force_login(applicant)
    assert f'href="{url("dashboard")}"' in nav()
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    assert "My applications" not in nav()


def test_registration_granted_meanwhile_moves_the_organisation_section_to_read_only(signed_in, applicant):
    """Once the organisation holds a registration, its details are the register's (§5.2.1)."""
    application = complete_application(user=applicant, categories="1")
    registration_grant(organisation=application.organisation, category="2", granted_on=D(2026, 1, 5))
    assert Registration.objects.count() == 1
    html = page(signed_in.get(url("organisation", application)))
    assert "Ask to change the contact details" in html


def test_attachments_and_messages_are_kept_in_order(signed_in, applicant):
    application = awaiting(applicant, text="First question.")
    with on(D(2027, 2, 11)):
        services.application_answer(application=application, user=applicant, text="First answer.")
    with on(D(2027, 2, 12)):
        services.application_ask_for_information(application=application, actor=officer(), text="Second question.")
    html = page(signed_in.get(url("tasks", application)))
    positions = [html.index(t) for t in ("First question.", "First answer.", "Second question.")]
    assert positions == sorted(positions)
    assert not Attachment.objects.exists()
