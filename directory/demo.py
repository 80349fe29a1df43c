"""Demo register for `make run` (called by `manage.py seed_demo` after the core's users). Idempotent: an
organisation that exists (by BR number) is left as it is.

Covers every state of a registration (§3.3, §5.1.1), provisional and confirmed providers in the directory,
names in English and Traditional Chinese, a funded project whose approved report confirmed a
registration, a pending contact-detail change and a warning.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from cpp_registry import demo as core_demo

from . import services
from .models import Category, ContactChangeRequest, Factory, FundedProject, Organisation, Registration

DAY = datetime.timedelta(days=1)

ORGANISATIONS = [
    # br, name_en, name_zh, district, areas, [(category, state, granted days ago)]
    ("20000001", "Harbour Green Engineering Limited", "海港綠色工程有限公司", "kwun_tong", "bc",
     [("1", "confirmed", 500), ("2", "provisional", 120)]),
    ("20000002", "Pearl River Energy Consultants Limited", "珠江能源顧問有限公司", "sha_tin", "c",
     [("1", "provisional", 60)]),
    ("20000003", "Clear Water Environmental Technology Limited", "清水環保科技有限公司", "tsuen_wan", "d",
     [("2", "confirmed", 400)]),
    ("20000004", "Lion Rock Clean Air Services Limited", "獅子山清新空氣服務有限公司", "wong_tai_sin", "a",
     [("1", "provisional", 670)]),
    ("20000005", "Victoria Cleaner Production Advisory Limited", "維多利亞清潔生產顧問有限公司", "wan_chai", "e",
     [("1", "cancelled_expired", 760)]),
    ("20000006", "Kowloon Boiler Engineering Company Limited", "九龍鍋爐工程有限公司", "kowloon_city", "b",
     [("2", "cancelled_substandard", 300)]),
    ("20000007", "Tai Po Solar and Energy Limited", "大埔太陽能源有限公司", "tai_po", "c",
     [("1", "withdrawn", 350)]),
    ("20000008", "New Territories Waste Solutions Limited", "新界廢物處理方案有限公司", "yuen_long", "e",
     [("2", "removed", 450)]),
]  # fmt: skip


def _organisation(br, name_en, name_zh, district, areas):
    index = int(br[-1])
    return Organisation.objects.create(
        br_number=br,
        name_en=name_en,
        name_zh=name_zh,
        district=district,
        areas=areas,
        address_en=f"{index} Demo Road, Hong Kong",
        address_zh=f"香港示範道{index}號",
        phone=f"+852212300{index:02d}",
        contact_person=f"Demo contact {index}",
        contact_title="Manager",
        website=f"https://provider{index}.example.hk",
        code_of_conduct_kind=Organisation.CodeOfConduct.TEMPLATE,
    )


def seed(command):
    User = get_user_model()
    today = timezone.localdate()
    staff = User.objects.filter(email=core_demo.ADMIN_EMAIL).first()
    applicant = User.objects.filter(email=core_demo.APPLICANT_EMAIL).first()
    factory_user = User.objects.filter(email=core_demo.FACTORY_EMAIL).first()

    factory, _created = Factory.objects.get_or_create(
        name_en="Dongguan Bright Textiles Factory",
        defaults={"name_zh": "東莞明亮紡織廠", "region": Factory.Region.GUANGDONG, "address": "東莞市長安鎮"},
    )
    if factory_user:
        factory.users.add(factory_user)

    for br, name_en, name_zh, district, areas, registrations in ORGANISATIONS:
        if Organisation.objects.filter(br_number=br).exists():
            continue
        organisation = _organisation(br, name_en, name_zh, district, areas)
        for category, state, days_ago in registrations:
            registration = services.registration_grant(
                organisation=organisation,
                category=category,
                actor=staff,
                granted_on=today - days_ago * DAY,
                reason="Demo",
                imported=True,  # demo history: some of these grants are older than 24 months
            )
            if state == "confirmed":
                project = FundedProject.objects.create(
                    reference=f"CPPP-DEMO-{br[-2:]}{category}",
                    factory=factory,
                    provider=organisation,
                    role_category=category,
                    title="Boiler optimisation and heat recovery" if category == "2" else "Energy audit",
                    areas=areas,
                    started_on=today - (days_ago - 30) * DAY,
                    completed_on=today - (days_ago - 200) * DAY,
                    report_status=FundedProject.ReportStatus.SUBMITTED,
                )
                services.funded_project_report_decide(
                    project=project, actor=staff, approved=True, on=today - (days_ago - 220) * DAY
                )
            elif state == "cancelled_expired":
                # Its 24 months have ended: the daily job cancels it.
                services.registrations_expire(today=today)
            elif state == "cancelled_substandard":
                services.registration_cancel_substandard(
                    registration=registration, actor=staff, reason="Demo: final report below standard"
                )
            elif state == "withdrawn":
                services.registration_withdraw(
                    registration=registration, actor=staff, reason="Demo: written request to leave"
                )
            elif state == "removed":
                services.registration_remove(registration=registration, actor=staff, reason="Demo: PMC decision")
        if br == "20000001" and applicant:
            organisation.users.add(applicant)
            services.contact_change_request(
                organisation=organisation,
                user=applicant,
                details={**organisation.contact_details(), "email": "new-contact@harbourgreen.example.hk"},
            )
        if br == "20000003":
            services.warning_record(organisation=organisation, actor=staff, text="Demo: a late final report.")

    if applicant and not Organisation.objects.filter(users=applicant).exists():
        organisation = Organisation.objects.filter(br_number="20000001").first()
        if organisation:
            organisation.users.add(applicant)
    live = Registration.objects.live().count()
    pending = ContactChangeRequest.objects.filter(status=ContactChangeRequest.Status.PENDING).count()
    command.stdout.write(
        f"Directory: {Organisation.objects.count()} organisations, {live} live registrations, "
        f"{pending} pending contact change(s); categories {', '.join(Category.values)}."
    )
