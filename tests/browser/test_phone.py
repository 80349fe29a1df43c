"""Issue 10 §2: every page a provider, a factory, a member of the public or a PMC member uses fits a phone.

At 390 × 844 CSS pixels (a common phone, in Chromium's mobile emulation) no page scrolls sideways:
`document.documentElement.scrollWidth <= window.innerWidth`, on each page, as the person who uses it, with
real data made through the services — long names, long addresses, tables with every column filled.
"""

import datetime

import pytest
from django.utils import timezone

from applications import services as applications
from committee import services as committee
from committee.models import Motion, Paper
from complaints import services as complaints
from complaints.models import Case
from cpp_registry.roles import Role
from directory import services as directory
from directory.models import Factory, FundedProject
from tests.applications.factories import complete_application, officer, pdf
from tests.browser.conftest import log_in
from tests.core.factories import PASSWORD, UserFactory, staff_user
from tests.directory.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_NAME = "Harbour Green Environmental Engineering and Energy Management Consultants Limited"
LONG_EMAIL = "environmental.engineering.enquiries@harbourgreen-consultants.example.hk"
LONG_SITE = "https://www.harbourgreen-environmental-engineering-consultants.example.hk/services/energy-audits"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(media):
    return build_world()


def build_world():
    """A provider with a long name and two registrations, its user, a factory and its user, an applicant
    with a draft, a submitted and a questioned application, a complaint put to the PMC, and a PMC member
    with motions open and closed — made through the services (tests/core/test_layout.py reads them too)."""
    today = timezone.localdate()
    staff = officer()
    owner = UserFactory(email="a.very.long.provider.user.name@harbourgreen-consultants.example.hk")
    provider = OrganisationFactory(
        name_en=LONG_NAME,
        name_zh="海港綠色環境工程及能源管理顧問有限公司",
        email=LONG_EMAIL,
        website=LONG_SITE,
        address_en="Unit 1203, 12/F, Millennium City 5, 418 Kwun Tong Road, Kwun Tong, Kowloon, Hong Kong",
        contact_person="Chan Tai Man",
        contact_title="Senior Environmental Engineering Consultant",
        users=[owner],
    )
    registration = directory.registration_grant(
        organisation=provider, category="1", granted_on=today - datetime.timedelta(days=30), imported=True
    )
    directory.registration_grant(
        organisation=provider, category="2", granted_on=today - datetime.timedelta(days=20), imported=True
    )
    invitation = directory.invitation_create(
        organisation=provider,
        inviter=owner,
        email="a.colleague.with.a.long.address@harbourgreen-consultants.example.hk",
    )

    factory = Factory.objects.create(
        name_en="Dongguan Bright Textiles and Garment Manufacturing Factory Company Limited",
        name_zh="東莞明亮紡織及製衣廠有限公司",
        region=Factory.Region.GUANGDONG,
    )
    factory_user = UserFactory(email="factory.operations.manager@dongguan-bright-textiles.example.cn")
    factory.users.add(factory_user)
    project = FundedProject.objects.create(
        reference="CPPP-2026-00042",
        factory=factory,
        provider=provider,
        role_category="1",
        title="Boiler optimisation, heat recovery and compressed-air leak survey",
        areas="b",
        started_on=today - datetime.timedelta(days=60),
    )
    case = complaints.case_lodge(
        user=factory_user,
        factory=factory,
        organisation=provider,
        funded_project=project,
        description="The boiler was never commissioned; see https://example.cn/photos/boiler-room-2026-05-01.pdf",
        documents=[pdf("boiler-room-photographs-taken-on-the-first-of-may.pdf")],
    )
    case = complaints.case_notify_provider(case=case, actor=staff)
    case = complaints.case_start_investigation(case=case, actor=staff_user(Role.PTST, email="ptst@example.hk"))
    case = complaints.case_record_findings(
        case=case,
        actor=staff,
        substantiated=True,
        findings="Never commissioned.",
        preliminary_report="Commission the boiler within 10 working days.",
    )
    case = complaints.case_provider_answer(case=case, user=owner, text="Commissioned.", documents=[pdf()])
    case = complaints.case_consolidate(case=case, actor=staff, report="Late by three weeks.")
    case_motion = complaints.case_send_to_pmc(case=case, actor=staff)
    committee.motion_open(motion=case_motion, actor=staff)

    applicant = UserFactory(email="applicant.with.a.long.address@greentech-environmental.example.hk")
    draft = complete_application(user=applicant, name_en="Green Tech Environmental Services Limited")
    sent = applications.application_submit(
        application=complete_application(user=applicant, staff_months=(24, 24, 23)), user=applicant
    )
    asked = applications.application_submit(application=complete_application(user=applicant), user=applicant)
    asked = applications.application_ask_for_information(
        application=asked, actor=staff, text="Please send the completion certificate of project 2."
    )
    applications.application_refer(application=sent, actor=staff, recommendation_en="Accept: equivalent experience.")
    application_motion = Motion.objects.get(subject_id=sent.pk, kind=Motion.Kind.ACCEPT_APPLICATION)
    committee.motion_open(motion=application_motion, actor=staff)

    pmc = staff_user(Role.PMC_MEMBER, email="pmc.member.with.a.long.address@committee.example.hk")
    removal = committee.motion_create(
        kind=Motion.Kind.REMOVAL,
        subject=provider,
        question_en="Should the provider be removed from the register for a breach of the code of conduct?",
        question_zh="應否因違反操守準則將該供應商從名冊除名？",
        recommendation_en="Remove: three substantiated complaints within 24 months (§6.1.4).",
        actor=staff,
        papers=[
            {"title_en": "Consolidated investigation report", "document": pdf("consolidated-report.pdf")},
            {"title_en": "The case in the back office", "link": LONG_SITE},
        ],
    )
    committee.motion_open(motion=removal, actor=staff)
    Motion.objects.filter(pk=removal.pk).update(closes_on=today + datetime.timedelta(days=14), meeting="PMC 12/2026")
    committee.vote_cast(motion=removal, member=pmc, choice="for")
    warning = committee.motion_create(
        kind=Motion.Kind.WARNING, subject=provider, question_en="Support a warning?", actor=staff
    )
    closed = committee.motion_open(motion=warning, actor=staff)
    committee.vote_cast(motion=closed, member=pmc, choice="against")
    committee.motion_close(motion=closed, actor=staff)
    assert Paper.objects.filter(motion=removal).count() == 2

    return {
        "staff": staff,
        "owner": owner,
        "provider": provider,
        "registration": registration,
        "invitation": invitation,
        "factory_user": factory_user,
        "case": Case.objects.get(pk=case.pk),
        "applicant": applicant,
        "draft": draft,
        "sent": sent,
        "asked": asked,
        "pmc": pmc,
        "removal": removal,
    }


def widths(browser, live_server, paths, *, user=None):
    """{path: (scrollWidth, innerWidth)} of each page at 390 × 844, as `user` (logged in first) or nobody."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        screen=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
        locale="en-GB",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = {}
    try:
        if user is not None:
            log_in(page, user.email, PASSWORD)
        for path in paths:
            response = page.goto(path)
            expected = 404 if "no-such-page" in path else 200
            assert response.status == expected, (path, response.status)
            found[path] = tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    finally:
        context.close()
    print("\n".join(f"{w:>5} / {inner}  {path}" for path, (w, inner) in found.items()))
    return found


def too_wide(found):
    return {path: w for path, (w, inner) in found.items() if w > inner or inner != PHONE["width"]}


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_public_pages_fit_a_phone(browser, live_server, world, lang):
    token = world["invitation"].token
    paths = [
        f"/{lang}/",
        f"/{lang}/accounts/login/",
        f"/{lang}/accounts/signup/",
        f"/{lang}/directory/invitations/{token}/",
        f"/{lang}/no-such-page/",
        # The public directory's pages (another engineer's templates): measured here all the same.
        f"/{lang}/directory/",
        f"/{lang}/directory/{world['provider'].pk}/",
    ]
    assert too_wide(widths(browser, live_server, paths)) == {}


def test_a_providers_pages_fit_a_phone(browser, live_server, world):
    organisation, case = world["provider"], world["case"]
    paths = [
        "/en/directory/mine/",
        f"/en/directory/mine/{organisation.pk}/contact-change/",
        f"/en/directory/mine/registrations/{world['registration'].pk}/withdraw/",
        f"/en/directory/mine/{organisation.pk}/invitations/",
        f"/en/directory/mine/invitations/{world['invitation'].pk}/withdraw/",
        f"/en/directory/invitations/{world['invitation'].token}/",
        "/en/complaints/",
        f"/en/complaints/{case.reference}/",
    ]
    found = widths(browser, live_server, paths, user=world["owner"])
    # And once a contact change is waiting: the page says so instead of offering the form.
    directory.contact_change_request(
        organisation=organisation, user=world["owner"], details={**organisation.contact_details(), "email": LONG_EMAIL}
    )
    found.update(widths(browser, live_server, [f"/zh-hant/directory/mine/{organisation.pk}/contact-change/"],
                        user=world["owner"]))  # fmt: skip
    assert too_wide(found) == {}


def test_an_applicants_pages_fit_a_phone(browser, live_server, world):
    draft, sent, asked = world["draft"].reference, world["sent"].reference, world["asked"].reference
    staff_member, record = world["draft"].staff.first(), world["draft"].projects.first()
    sections = [
        "organisation/",
        "categories/",
        "staff/",
        "staff/add/",
        f"staff/{staff_member.pk}/",
        f"staff/{staff_member.pk}/remove/",
        "projects/",
        "projects/add/",
        f"projects/{record.pk}/",
        f"projects/{record.pk}/remove/",
        "code-of-conduct/",
        "privacy/",
        "declaration/",
        "check/",
    ]
    paths = [
        "/en/applications/",
        f"/en/applications/{draft}/",
        *[f"/en/applications/{draft}/{section}" for section in sections],
        f"/en/applications/{sent}/",
        f"/en/applications/{sent}/check/",
        f"/en/applications/{asked}/",
        f"/en/applications/{asked}/answer/",
        f"/en/applications/{asked}/withdraw/",
    ]
    assert too_wide(widths(browser, live_server, paths, user=world["applicant"])) == {}


def test_a_factorys_pages_fit_a_phone(browser, live_server, world):
    paths = ["/en/complaints/", "/en/complaints/new/", f"/en/complaints/{world['case'].reference}/"]
    assert too_wide(widths(browser, live_server, paths, user=world["factory_user"])) == {}


@pytest.mark.parametrize("lang", ["en", "zh-hant"])
def test_a_pmc_members_pages_fit_a_phone(browser, live_server, world, lang):
    motion = world["removal"]
    paths = [
        f"/{lang}/committee/",
        f"/{lang}/committee/motions/{motion.pk}/",
        f"/{lang}/committee/motions/{motion.pk}/vote/?choice=against&expected=for",
        f"/{lang}/committee/my-votes/",
        f"/{lang}/applications/{world['sent'].reference}/papers/",
        f"/{lang}/complaints/{world['case'].reference}/papers/",
    ]
    assert too_wide(widths(browser, live_server, paths, user=world["pmc"])) == {}


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 1200}, {"width": 768, "height": 1400}])
def test_the_footer_reaches_the_foot_of_a_short_page(browser, live_server, viewport):
    """Issue 10 §2: on a page shorter than the window the footer sits at the window's foot, not halfway up."""
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-GB")
    page = context.new_page()
    try:
        for path in ("/en/no-such-page/", "/en/accounts/password/reset/"):
            page.goto(path)
            bottom, height, document = page.evaluate(
                "[document.querySelector('footer').getBoundingClientRect().bottom, window.innerHeight,"
                " document.documentElement.scrollHeight]"
            )
            assert document <= height, f"{path} is not a short page at this size"
            assert bottom == height, path
    finally:
        context.close()
