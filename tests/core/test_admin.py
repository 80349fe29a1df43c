"""The back office for the core: clocks by status, the overdue count per kind, notices and resend,
closure days that move clocks — each page within a fixed query budget."""

from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model
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


# --- Bulk actions (issue 10 §4.4): only where a service does the work ------------------------------------

# Every bulk action the back office offers (to a superuser, who sees them all), by model, and what does the
# work: a new action must be added here with its service, and a test that it calls it.
ACTIONS = {
    "core.notice": {"resend"},  # cpp_registry.notices.notice_resend
    "core.closureday": {"delete_selected"},  # ClosureDayAdmin.delete_queryset → closures.closure_day_remove
    "committee.motion": {"open_selected", "close_selected", "carry_out_selected"},  # committee.services
    # Not the register's: the log-in's lock-outs (axes' own clean-up), accounts and groups (Django's,
    # allauth's), for superusers only.
    "axes.accessattempt": {"cleanup_expired_attempts", "delete_selected"},
    "axes.accesslog": {"delete_selected"},
    "axes.accessfailurelog": {"delete_selected"},
    "auth.group": {"delete_selected"},
    "account.emailaddress": {"make_verified", "delete_selected"},
    "mfa.authenticator": {"delete_selected"},
}


def test_every_bulk_action_is_one_a_service_does(rf):
    from django.contrib import admin

    root = UserFactory(email="root@example.hk", is_staff=True, is_superuser=True)
    offered = {}
    for model, model_admin in admin.site._registry.items():
        request = rf.get("/en/admin/")
        request.user = root
        actions = set(model_admin.get_actions(request))
        if actions:
            offered[model._meta.label_lower] = actions
    assert offered == ACTIONS


class Spy:
    """Calls the real service and remembers each call's keyword arguments."""

    def __init__(self, service):
        self.service, self.calls = service, []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.service(**kwargs)


def act(client, url, action, pks):
    return client.post(url, {"action": action, "_selected_action": pks}, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_resend_calls_the_service_and_leaves_a_sent_notice_as_it_is(pmt_client, monkeypatch):
    from cpp_registry import admin as core_admin

    spy = Spy(core_admin.notice_resend)
    monkeypatch.setattr(core_admin, "notice_resend", spy)
    org = Organisation.objects.create(name_en="Org", br_number="11111111")
    clock = Deadline(kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), due_day=date(2026, 11, 24))
    clock.subject = org
    sent = notice_queue(
        recipient=UserFactory(email="a@example.hk"),
        template_key="deadline_reminder",
        context={"clock": clock},
        idempotency_key="sent-already",
    )
    Notice.objects.filter(pk=sent.pk).update(sent_at=sent.created_at)
    before = list(Notice.objects.values_list())
    response = act(pmt_client, "/en/admin/core/notice/", "resend", [sent.pk])
    assert spy.calls == []  # a sent notice never reaches the service
    assert messages_of(response) == [
        "0 notices queued again.",
        "1 notice was sent already: it is left as it is.",
    ]
    assert list(Notice.objects.values_list()) == before


def test_the_resend_action_is_for_those_who_may_change_notices(client):
    client.force_login(staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk"))  # reads notices only
    page = client.get("/en/admin/core/notice/")
    assert page.status_code == 200 and 'value="resend"' not in page.content.decode()


def test_unmarking_closure_days_in_bulk_goes_through_the_service(pmt_client, monkeypatch):
    """Decision: Thu 2026-09-24 + 5 working days = Fri 10-02, Mon 10-05 with a typhoon on Mon 09-28; the
    bulk delete unmarks the day through closures.closure_day_remove, and the clock moves back."""
    from cpp_registry import closures

    org = Organisation.objects.create(name_en="Org", br_number="11111111")
    clock = deadlines.deadline_start(subject=org, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 9, 24))
    pmt_client.post("/en/admin/core/closureday/add/", {"date": "2026-09-28", "reason": "typhoon", "note": "T8"})
    clock.refresh_from_db()
    assert clock.due_day == date(2026, 10, 5)
    spy = Spy(closures.closure_day_remove)
    monkeypatch.setattr(closures, "closure_day_remove", spy)
    day = ClosureDay.objects.get()
    pmt_client.post(
        "/en/admin/core/closureday/", {"action": "delete_selected", "_selected_action": [day.pk], "post": "yes"}
    )
    assert [call["closure_day"].pk for call in spy.calls] == [day.pk]
    clock.refresh_from_db()
    assert (clock.due_day, ClosureDay.objects.count()) == (date(2026, 10, 2), 0)


def test_the_motions_actions_call_their_services_and_a_refusal_changes_nothing(pmt_client, monkeypatch):
    from django_fsm_log.models import StateLog

    from committee import services as committee
    from committee.models import Motion
    from tests.committee.factories import motion

    draft = motion(actor=get_user_model().objects.get(email="pmt@example.hk"))
    spies = {name: Spy(getattr(committee, name)) for name in ("motion_open", "motion_close", "motion_carry_out")}
    for name, spy in spies.items():
        monkeypatch.setattr(committee, name, spy)
    # Closing a draft is refused by the service: a message, and nothing changes.
    before = (list(Motion.objects.values_list()), StateLog.objects.count(), Notice.objects.count())
    response = act(pmt_client, "/en/admin/committee/motion/", "close_selected", [draft.pk])
    assert [call["motion"].pk for call in spies["motion_close"].calls] == [draft.pk]
    [message] = messages_of(response)
    assert message.startswith(f"{draft.reference}: ")
    assert (list(Motion.objects.values_list()), StateLog.objects.count(), Notice.objects.count()) == before
    # Opening it goes through the service: logged, the members told.
    response = act(pmt_client, "/en/admin/committee/motion/", "open_selected", [draft.pk])
    assert [call["motion"].pk for call in spies["motion_open"].calls] == [draft.pk]
    draft.refresh_from_db()
    assert draft.status == Motion.Status.OPEN
    assert StateLog.objects.filter(object_id=draft.pk, transition="open").count() == 1
    assert messages_of(response) == [f"{draft.reference}: opened for votes; every member has been told."]
    # Carrying out an open motion is refused as well.
    act(pmt_client, "/en/admin/committee/motion/", "carry_out_selected", [draft.pk])
    assert len(spies["motion_carry_out"].calls) == 1
    draft.refresh_from_db()
    assert draft.status == Motion.Status.OPEN
