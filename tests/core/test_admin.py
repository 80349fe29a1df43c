"""The back office for the core: clocks by status, the overdue count per kind, notices and resend,
closure days that move clocks — each page within a fixed query budget."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpp_registry import deadlines
from cpp_registry.models import ClosureDay, Deadline, Notice
from cpp_registry.notices import notice_queue
from cpp_registry.roles import Role
from directory.models import Organisation

from .factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db
Kind = Deadline.Kind


@pytest.fixture
def pmt_client(client):
    client.force_login(staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk"))
    return client


def make_clocks(n, offset=0):
    for i in range(n):
        org = Organisation.objects.create(name_en=f"Org {offset + i}", br_number=f"{offset + i:08d}")
        deadlines.deadline_start(subject=org, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 2))
        deadlines.deadline_start(subject=org, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 11, 25))


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx), response


@pytest.mark.parametrize(
    "url",
    [
        "/en/admin/core/deadline/",
        "/en/admin/core/deadline/?status=overdue",
        "/en/admin/core/deadline/?status=due_soon&kind=contact_change",
        "/en/staff/deadlines/",
        "/en/admin/core/notice/",
    ],
)
def test_back_office_pages_have_a_fixed_query_budget(pmt_client, url):
    make_clocks(3)
    small, _ = count_queries(pmt_client, url)
    make_clocks(30, offset=1000)
    large, _ = count_queries(pmt_client, url)
    assert large == small


@time_machine.travel("2026-11-26 10:00 +0800", tick=False)
def test_clocks_listed_as_overdue_or_due_soon(pmt_client):
    """Complaint notice started Mon 2026-11-02 → due Wed 11-04: overdue on 11-26.
    Contact change started Wed 11-25 → due Wed 12-02: open, not yet due soon."""
    make_clocks(1)
    _, overdue = count_queries(pmt_client, "/en/admin/core/deadline/?status=overdue")
    assert [d.kind for d in overdue.context["cl"].result_list] == [Kind.COMPLAINT_NOTIFY]
    _, soon = count_queries(pmt_client, "/en/admin/core/deadline/?status=due_soon")
    assert list(soon.context["cl"].result_list) == []
    _, page = count_queries(pmt_client, "/en/staff/deadlines/")
    rows = {r["kind"]: r for r in page.context["rows"]}
    assert rows[Kind.COMPLAINT_NOTIFY]["overdue"] == 1
    assert rows[Kind.CONTACT_CHANGE]["overdue"] == 0
    assert rows[Kind.CONTACT_CHANGE]["open"] == 1


def test_the_overview_is_for_staff_only(client):
    client.force_login(UserFactory(email="applicant@example.hk"))
    response = client.get("/en/staff/deadlines/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_in_traditional_chinese(pmt_client):
    html = pmt_client.get("/zh-hant/admin/core/deadline/").content.decode()
    assert "時限" in html and "已逾期" in html


def test_adding_a_closure_day_in_the_admin_moves_clocks(pmt_client):
    """Decision: Thu 2026-09-24 + 5 working days = Fri 10-02; a typhoon on Mon 09-28 → Mon 10-05."""
    org = Organisation.objects.create(name_en="Org", br_number="11111111")
    clock = deadlines.deadline_start(subject=org, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 9, 24))
    response = pmt_client.post(
        "/en/admin/core/closureday/add/", {"date": "2026-09-28", "reason": "typhoon", "note": "T8"}
    )
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.due_day == date(2026, 10, 5)
    day = ClosureDay.objects.get()
    assert day.history.count() == 1
    response = pmt_client.post(f"/en/admin/core/closureday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.due_day == date(2026, 10, 2)


def test_resend_a_failed_notice_from_the_admin(pmt_client, django_capture_on_commit_callbacks):
    org = Organisation.objects.create(name_en="Org", br_number="11111111")
    clock = Deadline(kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), due_day=date(2026, 11, 24))
    clock.subject = org
    notice = notice_queue(
        recipient=UserFactory(email="a@example.hk"),
        template_key="deadline_reminder",
        context={"clock": clock},
        idempotency_key="admin-test",
    )
    Notice.objects.filter(pk=notice.pk).update(
        last_error="SMTPServerDisconnected", attempts=4, given_up_at=notice.created_at
    )
    failed = pmt_client.get("/en/admin/core/notice/?delivery=given_up").context["cl"].result_list
    assert [n.pk for n in failed] == [notice.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = pmt_client.post(
            "/en/admin/core/notice/", {"action": "resend", "_selected_action": [notice.pk]}, follow=True
        )
    assert "1 notice queued again." in response.content.decode()
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert len(mail.outbox) == 1


def test_notices_cannot_be_deleted_or_added_by_hand(pmt_client):
    assert pmt_client.get("/en/admin/core/notice/add/").status_code == 403
