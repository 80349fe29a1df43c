"""Issue 10 §4.1: the back office's home is the Secretariat's dashboard — its work queues with their count
and oldest item, the clocks overdue and due this week by kind and owner, and charts of the last 12 months
drawn as SVG on the server with their numbers beside them — showing only what the user may see, at a
fixed number of queries at N and at 10×N rows. Dates fixed; the expected ones written out by hand."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from applications import services as applications
from committee.models import Motion
from complaints import services as complaints
from cpp_registry import charts, dashboard, deadlines
from cpp_registry.models import Deadline
from cpp_registry.roles import Role
from directory import services as directory
from directory.models import Registration
from tests.applications.factories import complete_application
from tests.committee.factories import motion
from tests.complaints.factories import factory_with_user
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))
Kind = Deadline.Kind
# Measured; a change here must be a deliberate one. The session, the user, their permissions (2), one query
# per queue (11, a window count and the oldest row), the clocks by kind and owner, one per chart (3), the
# recent actions.
DASHBOARD_QUERIES = 20


def on(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


@pytest.fixture(autouse=True)
def thursday_26_november_2026():
    with on(D(2026, 11, 26)):
        yield


@pytest.fixture
def pmt():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")


def submitted_application(day):
    user = UserFactory()
    with on(day):
        return applications.application_submit(application=complete_application(user=user), user=user)


def build(n, pmt, *, offset=0):
    """n items in several queues, n clocks overdue and due this week, n registrations; each queue's oldest
    item is the first made."""
    factory = factory_with_user(email=f"factory{offset}@example.hk")
    for i in range(n):
        submitted_application(D(2026, 11, 16) + datetime.timedelta(days=i % 3))
        organisation = OrganisationFactory()
        with on(D(2026, 11, 20)):
            details = {k: str(v or "") for k, v in organisation.contact_details().items()}
            directory.contact_change_request(organisation=organisation, user=None, details=details)
        complaints.case_record(
            actor=pmt,
            factory=factory,
            organisation=organisation,
            description="Never came back.",
            received_on=D(2026, 11, 24),
            source="post",
        )
        motion(actor=pmt)
        RegistrationFactory(status=Registration.Status.CONFIRMED, granted_on=D(2025, 1, 6), confirmed_on=D(2026, 2, 2))
        clock = deadlines.deadline_start(
            subject=OrganisationFactory(), kind=Kind.DECISION_CARRY_OUT, start_day=D(2026, 11, 2)
        )
        deadlines.deadline_meet(
            subject=clock.subject, kind=clock.kind, at=datetime.datetime(2026, 11, 10, 9, tzinfo=HKT)
        )


def rows_by_label(response):
    return {row.label: row for row in response.context["dashboard_queues"]}


def test_the_home_page_shows_each_queue_with_its_count_and_oldest_item_linked(client, pmt):
    first = submitted_application(D(2026, 11, 16))  # Mon: its clock is due 10 working days later, Mon 11-30
    submitted_application(D(2026, 11, 18))
    client.force_login(pmt)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    queue = rows_by_label(response)["Applications to process (§4.1.3)"]
    assert (queue.count, queue.oldest.pk, queue.since, queue.due, queue.overdue) == (
        2,
        first.pk,
        D(2026, 11, 16),
        D(2026, 11, 30),
        False,
    )
    html = response.content.decode()
    assert f'href="{reverse("admin:applications_application_change", args=[first.pk])}"' in html
    assert f'href="{reverse("admin:applications_application_changelist")}?status__exact=submitted"' in html
    assert "16 Nov 2026" in html and "30 Nov 2026" in html
    # The list of models stays below the dashboard.
    assert 'class="app-list"' in html and reverse("admin:directory_registration_changelist") in html


def test_a_queue_s_link_lists_exactly_its_items(client, pmt):
    """The changelist's filter of each queue lists the queue's items: the count on the dashboard is the
    count of the list it links to."""
    build(2, pmt)
    submitted = submitted_application(D(2026, 11, 19))
    with on(D(2026, 11, 24)):
        applications.application_ask_for_information(application=submitted, actor=pmt, text="The CVs, please.")
    with on(D(2026, 11, 25)):
        applications.application_answer(
            application=submitted, user=submitted.created_by, text="Attached.", documents=[]
        )
    client.force_login(pmt)
    queues = client.get(reverse("admin:index")).context["dashboard_queues"]
    assert len(queues) == 11
    for row in queues:
        listed = client.get(row.url)
        assert listed.status_code == 200, row.url
        assert listed.context["cl"].result_count == row.count, row.label
    answered = {row.label: row for row in queues}["Applicants' answers received"]
    assert (answered.count, answered.oldest.pk, answered.since.date()) == (1, submitted.pk, D(2026, 11, 25))


def test_each_app_registers_its_queues_and_the_core_imports_none():
    keys = {queue.key for queue in dashboard.queues()}
    assert {
        "applications.to_process",
        "applications.answered",
        "directory.contact_changes",
        "directory.final_reports",
        "complaints.to_notify",
        "complaints.awaiting_findings",
        "complaints.awaiting_consolidation",
        "complaints.to_send",
        "committee.draft",
        "committee.open",
        "committee.closed",
    } <= keys
    for module in (dashboard, charts):
        text = Path(module.__file__).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (directory|committee|applications|complaints)\b", text, re.M)


def test_only_what_the_user_may_see_is_shown(client, pmt):
    """The PTST may not see motions: no motion queue; a member of staff with no role sees no queue, no
    clock and no chart; the Programme Director reads everything."""
    build(1, pmt)
    client.force_login(staff_user(Role.PTST, email="ptst@example.hk"))
    labels = set(rows_by_label(client.get(reverse("admin:index"))))
    assert "Complaints to notify to the provider (§6.1.1)" in labels
    assert not {"Motions to open for votes", "Motions to close", "PMC decisions to carry out (§6.1.4)"} & labels

    client.force_login(UserFactory(email="nobody@example.hk", is_staff=True))
    response = client.get(reverse("admin:index"))
    assert response.context["dashboard_queues"] == []
    assert response.context["dashboard_clocks"] is None and response.context["dashboard_charts"] == []
    assert 'role="img"' not in response.content.decode()

    client.force_login(staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk"))
    response = client.get(reverse("admin:index"))
    assert len(response.context["dashboard_queues"]) == 11 and len(response.context["dashboard_charts"]) == 3


def test_clocks_overdue_and_due_this_week_by_kind_and_owner(client, pmt):
    """Thu 2026-11-26, the week ends Sun 11-29. Contact changes started Mon 11-02 are due Mon 11-09
    (overdue); started Fri 11-20, due Fri 11-27 (this week); started Wed 11-25, due Wed 12-02 (next week:
    not shown). One overdue clock is owned by the PMT officer; a stopped clock is neither."""
    org = OrganisationFactory
    for start in (D(2026, 11, 2), D(2026, 11, 2), D(2026, 11, 20), D(2026, 11, 25)):
        deadlines.deadline_start(subject=org(), kind=Kind.CONTACT_CHANGE, start_day=start)
    mine = deadlines.deadline_start(subject=org(), kind=Kind.CONTACT_CHANGE, start_day=D(2026, 11, 2))
    Deadline.objects.filter(pk=mine.pk).update(owner=pmt)
    stopped = deadlines.deadline_start(subject=org(), kind=Kind.APPLICATION_PROCESSING, start_day=D(2026, 11, 2))
    deadlines.deadline_stop(subject=stopped.subject, kind=stopped.kind, on=D(2026, 11, 3))
    client.force_login(pmt)
    response = client.get(reverse("admin:index"))
    rows = [(r["kind"], r["owner"], r["overdue"], r["this_week"]) for r in response.context["dashboard_clocks"]]
    assert rows == [
        (Kind.CONTACT_CHANGE, "Everyone in the role: Programme Management Team", 2, 1),
        (Kind.CONTACT_CHANGE, pmt.full_name, 1, 0),
    ]
    html = response.content.decode()
    assert "29 Nov 2026" in html
    role = "owner=role%3APROGRAMME_MANAGEMENT_TEAM"
    assert f"{reverse('deadlines_overview')}?kind=contact_change&amp;{role}&amp;window=overdue" in html
    assert f"owner={pmt.pk}&amp;window=overdue" in html


def test_the_charts_are_svg_with_their_numbers_beside_them_and_readable_without_colour(client, pmt):
    """Applications submitted on 11-16 and 11-18 (one approved on 11-26); a registration granted in January
    2026 and confirmed in February; clocks met on time and late in the last 12 months."""
    first = submitted_application(D(2026, 11, 16))
    submitted_application(D(2026, 11, 18))
    applications.application_approve(application=first, actor=pmt, text="Approved.")
    RegistrationFactory(status=Registration.Status.CONFIRMED, granted_on=D(2026, 1, 5), confirmed_on=D(2026, 2, 2))
    on_time = deadlines.deadline_start(subject=OrganisationFactory(), kind=Kind.CONTACT_CHANGE, start_day=D(2026, 6, 1))
    deadlines.deadline_meet(subject=on_time.subject, kind=on_time.kind, at=datetime.datetime(2026, 6, 2, 9, tzinfo=HKT))
    late = deadlines.deadline_start(subject=OrganisationFactory(), kind=Kind.CONTACT_CHANGE, start_day=D(2026, 6, 1))
    deadlines.deadline_meet(subject=late.subject, kind=late.kind, at=datetime.datetime(2026, 6, 30, 9, tzinfo=HKT))
    client.force_login(pmt)
    response = client.get(reverse("admin:index"))
    html = response.content.decode()
    built = {c.key: c for c in dashboard.chart_figures(user=pmt)}

    applications_chart = built["chart-applications"]
    assert applications_chart.categories[0] == "Dec" and applications_chart.categories[-1] == "Nov"
    assert applications_chart.sublabels[:2] == ["2025", "2026"]
    assert [s.values[-1] for s in applications_chart.series] == [2, 1]
    assert sum(sum(s.values) for s in applications_chart.series) == 3

    register = built["chart-register"]
    rows = {name: (values, total) for name, values, total in register.rows()}
    assert rows["December 2025"] == ([0, 0], 0)
    assert rows["January 2026"] == ([0, 1], 1)  # provisional
    assert rows["February 2026"] == ([1, 0], 1)  # confirmed

    clocks = built["chart-clocks"]
    rows = {name: values for name, values, _total in clocks.rows()}
    assert rows["Process a contact-detail change (§5.2.2)"] == [1, 1]

    for key in ("chart-clocks", "chart-applications", "chart-register"):
        assert f'<figure class="bo-chart" id="{key}"><figcaption id="{key}-title">' in html
        assert f'role="img" aria-labelledby="{key}-title {key}-desc"' in html
        assert f'<desc id="{key}-desc">' in html
        assert f"url(#{key}-hatch)" in html  # the second series is hatched, not another colour
    assert html.count('<table class="bo-chart-table">') == 3
    assert "<script" not in html.split('id="content-main"')[1].split("</main>")[0]
    assert "style=" not in "".join(re.findall(r"<svg.*?</svg>", html, re.S))  # the CSP allows no inline style


def test_a_chart_escapes_its_words_and_never_localises_a_coordinate(settings):
    chart = charts.Chart(
        key="x",
        title="<b>title</b>",
        categories=["<script>alert(1)</script>", "b"],
        series=[charts.Series("A & B", [1, 2]), charts.Series("C", [3, 0])],
        stacked=True,
    )
    svg = str(charts.figure(chart))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &amp; B" in svg
    assert not re.search(r'(x|y|width|height)="\d+,\d', svg)


@pytest.mark.parametrize("n", [1, 10])
def test_the_dashboard_costs_the_same_at_n_and_10n(client, pmt, django_assert_num_queries, n):
    build(n, pmt)
    client.force_login(pmt)
    client.get(reverse("admin:index"))  # the content types cached, as in any running process
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("admin:index"))
    assert {row.label: row.count for row in response.context["dashboard_queues"]}["Motions to open for votes"] == n
    assert Motion.objects.count() == n
