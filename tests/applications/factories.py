"""Applications built through the services, as an applicant fills in Annex A."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import Application, ProjectRecord
from cpp_registry.roles import Role
from tests.core.factories import UserFactory, staff_user

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def officer(**kwargs):
    kwargs.setdefault("email", "officer@example.hk")
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, **kwargs)


_counter = {"br": 30000000}


def organisation_details(**changes):
    _counter["br"] += 1
    details = {
        "name_en": "Green Tech Limited",
        "name_zh": "綠色科技有限公司",
        "br_number": f"{_counter['br']:08d}",
        "address_en": "1 Example Road, Kwun Tong",
        "address_zh": "觀塘示例道1號",
        "district": "kwun_tong",
        "phone": "+85221234567",
        "email": "info@greentech.example.hk",
        "contact_person": "Chan Tai Man",
        "contact_title": "Director",
        "areas": "c",
    }
    details.update(changes)
    return details


def add_staff(application, user, months=(24, 24, 24)):
    for i, total in enumerate(months):
        services.staff_member_save(
            application=application,
            user=user,
            data={"name": f"Engineer {i}", "position": "Consultant", "years": total // 12, "months": total % 12,
                  "fields": ["energy"]},
            proof=pdf(f"cv{i}.pdf"),
        )  # fmt: skip
    services.application_finish_list(application=application, user=user, section="staff")


def add_projects(application, user, projects=None):
    projects = projects or [
        {"kind": ProjectRecord.Kind.CONSULTANCY, "started_on": D(2024, 1, 1), "completed": True} for _ in range(3)
    ]
    for i, project in enumerate(projects):
        data = {
            "title": f"Project {i}",
            "client_company": f"Client {i} Factory",
            "client_contact": "Lee Siu Ming",
            "client_phone": "+85229876543",
            "client_email": "",
            "ended_on": None,
            "areas": "c",
            **project,
        }
        services.project_record_save(application=application, user=user, data=data, document=pdf(f"p{i}.pdf"))
    services.application_finish_list(application=application, user=user, section="projects")


def complete_application(*, user=None, categories="1", staff_months=(24, 24, 24), projects=None, organisation=None,
                         **details):  # fmt: skip
    """A draft with every section done: ready to submit."""
    user = user or UserFactory()
    application = services.application_start(user=user, organisation=organisation)
    if organisation is None:
        application = services.application_save_organisation(
            application=application, user=user, details=organisation_details(**details)
        )
    application = services.application_save_categories(application=application, user=user, categories=categories)
    add_staff(application, user, staff_months)
    add_projects(application, user, projects)
    services.application_save_code_of_conduct(
        application=application, user=user, kind="template", document=pdf("coc.pdf")
    )
    services.application_acknowledge_privacy(application=application, user=user)
    services.application_declare(application=application, user=user, name="Chan Tai Man", position="Director")
    return Application.objects.get(pk=application.pk)


def engineering(started_on, completed=True, ended_on=None):
    return {"kind": ProjectRecord.Kind.ENGINEERING, "started_on": started_on, "completed": completed,
            "ended_on": ended_on}  # fmt: skip
