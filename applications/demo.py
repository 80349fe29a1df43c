"""Demo applications for `make run` (called by `manage.py seed_demo` after the directory's demo). Idempotent:
an organisation that exists (by BR number) is left as it is, and so is a demo draft already started.

An application in every state, each made through the services as an applicant and the Secretariat would
(§4): a half-filled draft, submitted ones with a running clock (one meeting the criteria, one not), one
awaiting information (its clock stopped), one approved (a provisional registration), one reported to the
PMC with its motion open for pmc@demo.etsp.hk, one accepted and one refused by the PMC, one withdrawn.
Dates are relative to today; the documents are small demo PDFs.

The applicants are organisations of their own (BR numbers starting with 4). The demo applicant
(applicant@demo.etsp.hk) acts for Harbour Green Engineering (BR 20000001, the directory's demo), which holds
live registrations in both categories: its draft names no category yet (§3.1.3: none is free). So that the
demo applicant also sees a submitted application, it acts for one of these organisations too.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from committee import services as committee
from committee.models import Motion, Vote
from cpp_registry import demo as core_demo
from directory.models import Organisation

from . import services
from .models import Application, ProjectRecord

DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n% ETSP Registry demo document\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
STAFF_EMAIL = "pmt@demo.etsp.hk"
PMC_EMAIL = "pmc@demo.etsp.hk"
HARBOUR_GREEN = "20000001"

# br, name_en, name_zh, district, categories, staff months, engineering projects?, state
APPLICANTS = [
    ("40000001", "Sai Kung Clean Energy Limited", "西貢清潔能源有限公司", "sai_kung", "1", (36, 30, 24), False,
     "submitted"),
    ("40000002", "Tuen Mun Heat Recovery Limited", "屯門熱能回收有限公司", "tuen_mun", "1", (30, 24, 18), False,
     "submitted"),
    ("40000003", "Kwai Tsing Water Engineering Limited", "葵青水務工程有限公司", "kwai_tsing", "2", (36,), True,
     "awaiting_information"),
    ("40000004", "Sham Shui Po Green Advisory Limited", "深水埗綠色顧問有限公司", "sham_shui_po", "1", (48, 36, 25),
     False, "approved"),
    ("40000005", "North District Boiler Services Limited", "北區鍋爐服務有限公司", "north", "1", (24, 20, 14), False,
     "referred"),
    ("40000006", "Islands Eco Consultants Limited", "離島生態顧問有限公司", "islands", "1", (40, 24, 22), False,
     "accepted"),
    ("40000007", "Eastern Waste Technologies Limited", "東區廢物科技有限公司", "eastern", "1", (26, 12, 6), False,
     "refused"),
    ("40000008", "Southern Air Quality Limited", "南區空氣質素有限公司", "southern", "1", (30, 30, 30), False,
     "withdrawn"),
]  # fmt: skip


def _pdf(name):
    return ContentFile(PDF, name=name)


def _applicant(br):
    """The demo applicant itself for the first organisation; a user of its own for each of the others."""
    User = get_user_model()
    if br == "40000001":
        return User.objects.get(email=core_demo.APPLICANT_EMAIL)
    user, created = User.objects.get_or_create(
        email=f"applicant-{br}@demo.etsp.hk", defaults={"full_name": f"Demo applicant {br}", "language": "en"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _organisation_details(br, name_en, name_zh, district):
    index = int(br[-1])
    return {
        "name_en": name_en,
        "name_zh": name_zh,
        "br_number": br,
        "address_en": f"{index} Applicant Street, Hong Kong",
        "address_zh": f"香港申請街{index}號",
        "district": district,
        "phone": f"+852213400{index:02d}",
        "fax": "",
        "email": f"info{index}@applicant.example.hk",
        "website": "",
        "contact_person": f"Applicant contact {index}",
        "contact_title": "Director",
        "areas": "bc",
    }


def _staff(application, user, months):
    for i, total in enumerate(months):
        services.staff_member_save(
            application=application,
            user=user,
            data={
                "name": f"Consultant {i + 1}",
                "position": "Senior consultant" if i == 0 else "Consultant",
                "years": total // 12,
                "months": total % 12,
                "fields": ["energy", "cleaner_production"] if i % 2 == 0 else ["pollution"],
            },
            proof=_pdf(f"cv-{i + 1}.pdf"),
        )


def _projects(application, user, engineering, today):
    kind = ProjectRecord.Kind.ENGINEERING if engineering else ProjectRecord.Kind.CONSULTANCY
    for i in range(3):
        started = today - (900 - 200 * i) * DAY
        services.project_record_save(
            application=application,
            user=user,
            data={
                "title": ("Boiler retrofit and heat recovery" if engineering else "Energy audit") + f" {i + 1}",
                "client_company": f"Demo Factory {i + 1} Limited",
                "client_contact": "Lee Siu Ming",
                "client_phone": "+85229876543",
                "client_email": f"factory{i + 1}@example.hk",
                "started_on": started,
                "ended_on": started + 120 * DAY,
                "kind": kind,
                "completed": True,
                "areas": "c",
            },
            document=_pdf(f"project-{i + 1}.pdf"),
        )


def _complete(application, user, categories, months, engineering, today):
    """Every section of Annex A, as the applicant fills it in."""
    application = services.application_save_categories(application=application, user=user, categories=categories)
    _staff(application, user, months)
    services.application_finish_list(application=application, user=user, section="staff")
    _projects(application, user, engineering, today)
    services.application_finish_list(application=application, user=user, section="projects")
    services.application_save_code_of_conduct(
        application=application,
        user=user,
        kind=Application.CodeOfConduct.TEMPLATE,
        document=_pdf("code-of-conduct.pdf"),
    )
    services.application_acknowledge_privacy(application=application, user=user)
    return services.application_declare(application=application, user=user, name="Chan Tai Man", position="Director")


def _pmc_decides(application, staff, member, choice):
    motion = services.application_motion(application)
    committee.motion_open(motion=motion, actor=staff)
    if choice is None:
        return
    committee.vote_cast(motion=motion, member=member, choice=choice)
    committee.motion_close(motion=motion, actor=staff)
    committee.motion_carry_out(motion=motion, actor=staff)


def _applicant_application(spec, staff, member, today):
    br, name_en, name_zh, district, categories, months, engineering, state = spec
    user = _applicant(br)
    application = services.application_start(user=user)
    application = services.application_save_organisation(
        application=application, user=user, details=_organisation_details(br, name_en, name_zh, district)
    )
    application = _complete(application, user, categories, months, engineering, today)
    application = services.application_submit(application=application, user=user)
    if state == "awaiting_information":
        services.application_ask_for_information(
            application=application,
            actor=staff,
            text="Please send the completion certificate of project 2, signed by the client.",
        )
    elif state == "approved":
        services.application_approve(application=application, actor=staff, text="Welcome to the programme.")
    elif state in ("referred", "accepted", "refused"):
        services.application_refer(
            application=application,
            actor=staff,
            recommendation_en="The third consultant is short of 24 months; the team's record is otherwise strong.",
            recommendation_zh="第三名顧問的經驗未滿24個月；團隊其他紀錄良好。",
        )
        choice = {"referred": None, "accepted": Vote.Choice.FOR, "refused": Vote.Choice.AGAINST}[state]
        _pmc_decides(application, staff, member, choice)
    elif state == "withdrawn":
        services.application_withdraw(application=application, user=user, reason="We will apply again next year.")


def _harbour_green_draft():
    """The demo applicant's own draft, half filled: the organisation is the register's; no category is
    chosen yet (both are held live); one consultant added."""
    organisation = Organisation.objects.filter(br_number=HARBOUR_GREEN).first()
    applicant = get_user_model().objects.filter(email=core_demo.APPLICANT_EMAIL).first()
    if organisation is None or applicant is None or organisation.applications.exists():
        return
    if not organisation.users.filter(pk=applicant.pk).exists():
        return
    draft = services.application_start(user=applicant, organisation=organisation)
    _staff(draft, applicant, (30,))


def seed(command):
    User = get_user_model()
    staff = User.objects.get(email=STAFF_EMAIL)
    member = User.objects.get(email=PMC_EMAIL)
    today = timezone.localdate()
    _harbour_green_draft()
    for spec in APPLICANTS:
        if not Organisation.objects.filter(br_number=spec[0]).exists():
            _applicant_application(spec, staff, member, today)

    if command is not None:
        counts = dict.fromkeys(Application.Status.values, 0)
        for status in Application.objects.values_list("status", flat=True):
            counts[status] += 1
        mine = Application.objects.filter(organisation__users__email=core_demo.APPLICANT_EMAIL).count()
        open_motions = Motion.objects.open().filter(kind=Motion.Kind.ACCEPT_APPLICATION).count()
        command.stdout.write(
            f"Applications: {sum(counts.values())} ("
            + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items())
            + f"); {mine} for {core_demo.APPLICANT_EMAIL}, {open_motions} open PMC motion(s) for {PMC_EMAIL}."
        )
