"""The admin is a door too (issue 7 §1): tried as each staff role — the view-only ones included — with GET
and POST, on the demo data. Each test here failed on the main branch before the hardening:

- django-simple-history's history form saved a POST, even from a user with view permission only;
- the PMT could hard-delete a registration (its transition log left orphaned), a motion, a vote …;
- a decided final report's provider and dates could be edited;
- hostile filter values (`%00`, an 11-digit year) were a 500;
- staff adding a contact change while one was pending was a 500;
- changing a closure day's date moved no clock off the old date.
"""

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from cpp_registry import deadlines
from cpp_registry.models import ClosureDay, Deadline, Notice
from cpp_registry.roles import Role
from directory import services
from directory.models import (
    CONTACT_FIELDS,
    ContactChangeRequest,
    FundedProject,
    Organisation,
    Registration,
    Warning,
)
from tests.core.factories import staff_user
from tests.directory.factories import FundedProjectFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))

STAFF = ["admin@demo.etsp.hk", "pmt@demo.etsp.hk", "ptst@demo.etsp.hk", "director@demo.etsp.hk", "pmc@demo.etsp.hk"]
# Records of the register, which end by a transition and are never deleted (closure days are the calendar,
# unmarked through their service; users are deactivated).
NEVER_DELETED = [
    "directory.registration",
    "directory.organisation",
    "directory.warning",
    "directory.fundedproject",
    "directory.contactchangerequest",
    "directory.factory",
    "committee.motion",
    "committee.vote",
    "core.notice",
    "core.deadline",
    "core.user",
]


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0)


def login(client, email):
    client.force_login(get_user_model().objects.get(email=email))
    return client


def snapshot(*model_classes):
    """Every row of the given models (and their history tables), to compare before and after."""
    rows = {}
    for model in model_classes:
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
        history = getattr(model, "history", None)
        if history is not None:
            rows[f"{model._meta.label}.history"] = history.count()
    return rows


def _hostile_value(field, value):
    if isinstance(field, models.CharField | models.TextField) and not field.choices:
        return "HACKED"
    if isinstance(field, models.DateField):
        return "2099-01-01"
    return "" if value is None else value


def history_models():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    ]


def test_every_history_admin_is_ours_and_read_only():
    from cpp_registry.admin_base import HistoryAdmin

    found = history_models()
    assert len(found) >= 7
    assert all(isinstance(model_admin, HistoryAdmin) for _model, model_admin in found)


@pytest.mark.parametrize("email", STAFF)
def test_a_post_to_any_history_form_changes_nothing_whatever_the_role(client, demo, email):
    """Critical (issue 7 §1): the history form is for reading. A POST — a revert, or an edit of any field,
    as the PTST renamed an organisation and approved a report — answers 405 and changes nothing."""
    login(client, email)
    models_ = [model for model, _admin in history_models()]
    before = snapshot(*models_, Registration, Warning)
    posted = 0
    for model, _model_admin in history_models():
        for obj in model._default_manager.order_by("pk")[:2]:
            record = obj.history.order_by("history_id").first()
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
                args=[obj.pk, record.history_id],
            )
            data = {
                f.name: _hostile_value(f, getattr(obj, f.attname))
                for f in model._meta.concrete_fields
                if not isinstance(f, models.FileField)
            }
            data.update({"_change_history": "1", "users": [1, 2], "form_version": 0, "decision": "approve"})
            response = client.post(url, data)
            assert response.status_code in (302, 403, 405), (url, response.status_code)
            posted += 1
    assert posted >= 10
    assert snapshot(*models_, Registration, Warning) == before


def test_a_view_only_officer_reads_a_past_version_without_a_save_or_revert_button(client, demo):
    login(client, "ptst@demo.etsp.hk")
    organisation = Organisation.objects.order_by("pk").first()
    record = organisation.history.first()
    page = client.get(reverse("admin:directory_organisation_simple_history", args=[organisation.pk, record.history_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert organisation.name_en in body
    assert 'name="_save"' not in body and "Revert" not in body


@pytest.mark.parametrize("email", STAFF)
def test_nothing_of_the_register_is_deleted_from_the_admin(client, demo, email):
    """Records end by a transition, never by a delete: for every record of the register, the delete page
    and the bulk action are refused for every role, the superuser included, and nothing is deleted. (One
    test per role over every model: the demo is seeded once per role, not once per model and role.)"""
    login(client, email)
    deleted = []
    for label in NEVER_DELETED:
        model = next(m for m in admin.site._registry if m._meta.label_lower == label)
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the demo has no {label}"
        count = model._default_manager.count()
        info = (model._meta.app_label, model._meta.model_name)
        delete_url = reverse("admin:{}_{}_delete".format(*info), args=[obj.pk])
        assert client.get(delete_url).status_code in (302, 403), label
        assert client.post(delete_url, {"post": "yes"}).status_code in (302, 403), label
        client.post(
            reverse("admin:{}_{}_changelist".format(*info)),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        if model._default_manager.count() != count:
            deleted.append(label)
    assert deleted == []


def test_a_decided_final_report_keeps_its_provider_project_and_dates(client, demo):
    """A decision once taken stays taken: the project it was taken on cannot be edited afterwards."""
    login(client, "pmt@demo.etsp.hk")
    project = FundedProject.objects.filter(report_status=FundedProject.ReportStatus.APPROVED).first()
    other = Organisation.objects.exclude(pk=project.provider_id).first()
    before = snapshot(FundedProject, Registration)
    url = reverse("admin:directory_fundedproject_change", args=[project.pk])
    client.post(
        url,
        {
            "reference": "CHANGED",
            "title": "Changed",
            "factory": project.factory_id,
            "provider": other.pk,
            "role_category": "1",
            "areas": ["a"],
            "started_on": "2020-01-01",
            "completed_on": "2020-02-01",
            "decision": "reject",
            "decided_on": "",
            "note": "",
        },
    )
    assert snapshot(FundedProject, Registration) == before


def test_a_decided_contact_change_cannot_be_edited_or_decided_again(client):
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    client.force_login(pmt)
    organisation = OrganisationFactory(email="old@x.example.hk")
    change = services.contact_change_request(
        organisation=organisation,
        user=None,
        details={**{k: str(v or "") for k, v in organisation.contact_details().items()}, "email": "new@x.example.hk"},
    )
    services.contact_change_approve(change=change, actor=pmt)
    before = snapshot(ContactChangeRequest, Organisation)
    url = reverse("admin:directory_contactchangerequest_change", args=[change.pk])
    data = dict.fromkeys(CONTACT_FIELDS, "")
    client.post(url, {**data, "email": "evil@x.example.hk", "decision": "reject", "decision_note": "again"})
    assert snapshot(ContactChangeRequest, Organisation) == before


def test_staff_adding_a_contact_change_while_one_is_pending_get_a_clear_message(client):
    """Was a 500: the service's refusal now shows on the add form, and nothing is added."""
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    client.force_login(pmt)
    organisation = OrganisationFactory()
    details = {k: str(v or "") for k, v in organisation.contact_details().items()}
    services.contact_change_request(organisation=organisation, user=None, details=details)
    response = client.post(
        reverse("admin:directory_contactchangerequest_add"),
        {"organisation": organisation.pk, "received_on": "2026-11-20", **details, "phone": "+85221234000"},
    )
    assert response.status_code == 200
    assert "already has a contact-detail change waiting" in response.content.decode()
    assert ContactChangeRequest.objects.count() == 1


@time_machine.travel("2026-11-26 10:00 +0800", tick=False)
@pytest.mark.parametrize(
    ("granted_on", "why"),
    [("1999-01-01", "would already have ended on 2000-12-31"), ("2099-01-01", "future date")],
)
def test_section_3_3_1_a_grant_date_in_the_admin_is_neither_future_nor_long_past(client, granted_on, why):
    """Was: 1999-01-01 gave a live "valid until 2000-12-31", 2099-01-01 a "valid until 2100-12-31"."""
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    organisation = OrganisationFactory()
    response = client.post(
        reverse("admin:directory_registration_add"),
        {"organisation": organisation.pk, "category": "1", "granted_on": granted_on},
    )
    assert response.status_code == 200
    assert why in response.content.decode()
    assert not Registration.objects.exists()
    assert not Notice.objects.exists()


def test_a_closure_day_moved_in_the_admin_moves_clocks_off_the_old_date_and_onto_the_new(client):
    """§10: Thu 2026-09-24 + 5 working days = Fri 10-02; a typhoon on Mon 09-28 makes it Mon 10-05. Moving
    that closure day to Mon 10-12 (outside the span) gives Fri 10-02 back. Was: the form wrote the new date
    into the object before the service read the old one, so the clock stayed on Mon 10-05."""
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    organisation = OrganisationFactory()
    clock = deadlines.deadline_start(subject=organisation, kind=Deadline.Kind.CONTACT_CHANGE, start_day=D(2026, 9, 24))
    client.post(reverse("admin:core_closureday_add"), {"date": "2026-09-28", "reason": "typhoon", "note": "T8"})
    clock.refresh_from_db()
    assert clock.due_day == D(2026, 10, 5)
    day = ClosureDay.objects.get()
    response = client.post(
        reverse("admin:core_closureday_change", args=[day.pk]),
        {"date": "2026-10-12", "reason": "typhoon", "note": "T8, date corrected"},
    )
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.due_day == D(2026, 10, 2)
    assert list(clock.events.values_list("action", "due_day")) == [
        ("started", D(2026, 10, 2)),
        ("moved", D(2026, 10, 5)),
        ("moved", D(2026, 10, 2)),
    ]


def test_a_clock_moved_later_by_a_closure_day_is_no_longer_overdue_or_escalated(client):
    """Started Thu 2026-09-24, due Fri 10-02; escalated on Mon 10-05 as overdue. A closure day recorded late
    for Tue 09-29 moves the due day to Mon 10-05: not overdue that day, and escalated afresh only later."""
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk")
    organisation = OrganisationFactory()
    clock = deadlines.deadline_start(subject=organisation, kind=Deadline.Kind.CONTACT_CHANGE, start_day=D(2026, 9, 24))
    from cpp_registry.services import deadlines_enforce

    with time_machine.travel(datetime.datetime(2026, 10, 5, 9, tzinfo=HKT), tick=False):
        deadlines_enforce()
        clock.refresh_from_db()
        assert clock.escalated_at is not None
        client.force_login(pmt)
        client.post(reverse("admin:core_closureday_add"), {"date": "2026-09-29", "reason": "typhoon", "note": ""})
        clock.refresh_from_db()
        assert (clock.due_day, clock.escalated_at) == (D(2026, 10, 5), None)
        overdue = client.get(reverse("admin:core_deadline_changelist") + "?status=overdue")
        assert list(overdue.context["cl"].result_list) == []


HOSTILE = ["%00", "x\x00y", "99999999999", "-1", "'; DROP TABLE x; --", "é" * 300]


@pytest.mark.parametrize("email", ["admin@demo.etsp.hk", "pmt@demo.etsp.hk", "ptst@demo.etsp.hk"])
def test_every_admin_changelist_answers_hostile_filters_without_a_500(client, demo, email, settings):
    """Every registered admin changelist, with every one of its filter parameters, its search box, its
    date hierarchy, ordering and paging given hostile values: never a 500 (PostgreSQL refused NUL in
    text; an 11-digit year overflowed Python's date)."""
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    login(client, email)
    failures = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        params = {"q", "o", "p", "e"}
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, str):
                params.add(list_filter)
                params.add(f"{list_filter}__exact")
            elif isinstance(list_filter, type) and hasattr(list_filter, "parameter_name"):
                params.add(list_filter.parameter_name)
        if model_admin.date_hierarchy:
            params |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        for param in sorted(params):
            for value in HOSTILE:
                response = client.get(url, {param: value})
                if response.status_code >= 500:
                    failures.append((url, param, value, response.status_code))
        autocomplete = client.get(
            reverse("admin:autocomplete"),
            {"term": "\x00", "app_label": model._meta.app_label, "model_name": model._meta.model_name},
        )
        if autocomplete.status_code >= 500:
            failures.append(("autocomplete", model._meta.label, autocomplete.status_code))
    assert failures == []


def test_a_nul_in_a_document_name_is_a_clear_400_not_a_500(client, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    assert client.get("/documents/code-of-conduct/x.pdf%00").status_code == 400
    assert client.get("/en/admin/directory/organisation/x/history/1/").status_code in (302, 404)
    assert client.get("/en/admin/directory/organisation/1/history/not-a-number/").status_code == 404


def test_an_approved_contact_change_keeps_the_details_it_replaced(client):
    """What the request replaced is kept on it, read from the locked organisation at approval."""
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    organisation = OrganisationFactory(email="old@x.example.hk")
    details = {k: str(v or "") for k, v in organisation.contact_details().items()}
    change = services.contact_change_request(
        organisation=organisation, user=None, details={**details, "email": "new@x.example.hk"}
    )
    client.force_login(pmt)
    url = reverse("admin:directory_contactchangerequest_change", args=[change.pk])
    response = client.post(url, {**details, "email": "new@x.example.hk", "decision": "approve", "decision_note": ""})
    assert response.status_code == 302
    change.refresh_from_db()
    organisation.refresh_from_db()
    assert (change.status, organisation.email, change.previous["email"]) == (
        "approved",
        "new@x.example.hk",
        "old@x.example.hk",
    )


def test_the_project_of_an_undecided_report_is_still_edited(client):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM))
    project = FundedProjectFactory(title="Before")
    url = reverse("admin:directory_fundedproject_change", args=[project.pk])
    data = {
        "reference": project.reference,
        "title": "After",
        "factory": project.factory_id,
        "provider": project.provider_id,
        "role_category": project.role_category,
        "areas": list(project.areas),
        "started_on": project.started_on.isoformat(),
        "completed_on": "",
        "decision": "",
        "decided_on": "",
        "note": "",
    }
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert (project.title, project.report_status) == ("After", FundedProject.ReportStatus.SUBMITTED)
