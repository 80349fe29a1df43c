"""The back office's home page (issue 10 §4): the Secretariat's work queues, its clocks and its charts.

The core imports no app: what an app puts on the dashboard it registers here at start-up
(`AppConfig.ready`), as the apps tell the committee what its decisions mean (committee/registry.py):

- `register_queue`: a work queue — a label, the model, a function giving the waiting items (a queryset
  annotated `queue_since`, the date or time the item has waited since, and optionally `queue_due`, its
  clock's due day), and the changelist's filter that lists the same items. The dashboard shows each
  queue's count and its oldest item, linked; one query per queue whatever the number of items.
- `register_chart`: a chart of the last 12 months — a function of the months giving a `charts.Chart`
  (one aggregate query).
- `register_subject`: how to fetch a clock's subject for its label in one query per kind of subject
  (a queryset with its `select_related`), for the lists of clocks.
- `register_notice_kinds`: the words for each kind of written notice (its template key), for the
  notices' filter and lists.

Only what the user may see is shown: a queue or a chart needs its permission (by default, viewing the
queue's model), the clocks need `core.view_deadline`. The clocks' own chart (met on time or late, by kind)
is the core's.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models
from django.db.models import Count, F, Q, QuerySet, Window
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext

from . import charts
from .models import Deadline
from .roles import Role

CLOCKS_PERMISSION = "core.view_deadline"
MONTHS = 12


@dataclass(frozen=True)
class Queue:
    """Items waiting for the Secretariat (module docstring)."""

    key: str
    label: str | Promise
    model: type[models.Model]
    items: Callable[[], QuerySet[Any]]
    filters: str = ""
    order: int = 100
    permission: str = ""

    @property
    def required_permission(self) -> str:
        opts = self.model._meta
        return self.permission or f"{opts.app_label}.view_{opts.model_name}"

    def changelist_url(self) -> str:
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return f"{url}?{self.filters}" if self.filters else url


@dataclass(frozen=True)
class ChartEntry:
    key: str
    permission: str
    build: Callable[[list[datetime.date]], charts.Chart]
    order: int = 100


_queues: dict[str, Queue] = {}
_charts: dict[str, ChartEntry] = {}
_subjects: dict[str, Callable[[], QuerySet[Any]]] = {}
_notice_kinds: dict[str, str | Promise] = {}


def _put(registry: dict[str, Any], key: str, entry: Any, replace: bool) -> Any:
    if key in registry and not replace and registry[key] != entry:
        raise ValueError(f"{key!r} is already registered on the dashboard.")
    registry[key] = entry
    return entry


def register_queue(
    *,
    key: str,
    label: str | Promise,
    model: type[models.Model],
    items: Callable[[], QuerySet[Any]],
    filters: str = "",
    order: int = 100,
    permission: str = "",
    replace: bool = False,
) -> Queue:
    """A work queue on the dashboard (module docstring)."""
    queue = Queue(key, label, model, items, filters, order, permission)
    return _put(_queues, key, queue, replace)


def register_chart(
    *,
    key: str,
    permission: str,
    build: Callable[[list[datetime.date]], charts.Chart],
    order: int = 100,
    replace: bool = False,
) -> ChartEntry:
    """A chart of the last months on the dashboard: `build(months)` gives it (module docstring)."""
    return _put(_charts, key, ChartEntry(key, permission, build, order), replace)


def register_subject(*, model: type[models.Model], queryset: Callable[[], QuerySet[Any]]) -> None:
    """How a clock's subject of this model is fetched for its label (with what its `__str__` reads)."""
    _subjects[model._meta.label_lower] = queryset


def register_notice_kinds(kinds: Mapping[str, str | Promise]) -> None:
    """The words for the notices' template keys (module docstring)."""
    _notice_kinds.update(kinds)


def unregister_queue(key: str) -> Queue | None:
    return _queues.pop(key, None)


def unregister_chart(key: str) -> ChartEntry | None:
    return _charts.pop(key, None)


def queues() -> list[Queue]:
    return sorted(_queues.values(), key=lambda q: (q.order, q.key))


def notice_kind_label(key: str) -> str:
    """The words for a notice's template key; the key itself for one nobody registered."""
    label = _notice_kinds.get(key)
    return str(label) if label is not None else key


def notice_kinds() -> list[tuple[str, str]]:
    return sorted(((key, str(label)) for key, label in _notice_kinds.items()), key=lambda kv: kv[1])


def subject_prefetch(lookup: str = "subject") -> GenericPrefetch:
    """A prefetch of the clocks' subjects: one query per kind of subject, each with what its label reads."""
    return GenericPrefetch(lookup, [make() for make in _subjects.values()])


# --- what the dashboard shows --------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def admin_change_url(obj: models.Model) -> str:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class QueueRow:
    queue: Queue
    count: int
    oldest: models.Model | None
    since: Any
    due: datetime.date | None
    overdue: bool

    @property
    def label(self) -> str:
        return str(self.queue.label)

    @property
    def url(self) -> str:
        return self.queue.changelist_url()

    @property
    def oldest_url(self) -> str:
        return admin_change_url(self.oldest) if self.oldest is not None else ""


def queue_rows(*, user: Any, on: datetime.date | None = None) -> list[QueueRow]:
    """Each queue the user may see: its count and its oldest item (one query each: a window count)."""
    on = on or today()
    rows = []
    for queue in queues():
        if not user.has_perm(queue.required_permission):
            continue
        oldest = (
            queue.items()
            .annotate(queue_total=Window(Count("pk")))
            .order_by(F("queue_since").asc(nulls_last=True), "pk")
            .first()
        )
        due = getattr(oldest, "queue_due", None)
        rows.append(
            QueueRow(
                queue=queue,
                count=oldest.queue_total if oldest is not None else 0,
                oldest=oldest,
                since=getattr(oldest, "queue_since", None),
                due=due,
                overdue=due is not None and due < on,
            )
        )
    return rows


def week_end(on: datetime.date) -> datetime.date:
    """The Sunday that ends `on`'s week (weeks run Monday to Sunday)."""
    return on + datetime.timedelta(days=6 - on.weekday())


def owner_label(*, full_name: str | None, email: str | None, role: str) -> str:
    if full_name or email:
        return str(full_name or email)
    try:
        return gettext("Everyone in the role: %(role)s") % {"role": Role(role).label}
    except ValueError:
        return gettext("Nobody")


def owner_param(*, owner_id: int | None, role: str) -> str:
    """The deadlines list's `owner` filter for this owner (cpp_registry.views.deadlines_overview)."""
    if owner_id is not None:
        return str(owner_id)
    try:
        return f"role:{Role(role).name}"
    except ValueError:
        return "none"


def subject_link(clock: Any, subject: Any) -> str:
    """A clock's (or a notice's) subject, linked to its page in the back office: the row's content type,
    fetched with it, names the page — no query per row. Without an admin page, its name alone."""
    if subject is None:
        return "—"
    try:
        url = reverse(f"admin:{clock.content_type.app_label}_{clock.content_type.model}_change", args=[clock.object_id])
    except NoReverseMatch:
        return str(subject)
    return format_html('<a href="{}">{}</a>', url, subject)


def clock_owner(clock: Deadline) -> str:
    """The clock's owner, or everyone in its owning role."""
    owner = clock.owner if clock.owner_id else None
    return owner_label(
        full_name=owner.full_name if owner else None, email=owner.email if owner else None, role=clock.owner_role
    )


def clock_state(clock: Deadline, on: datetime.date | None = None) -> str:
    """Where a clock stands, in words: met on time or late, stopped, overdue, or running."""
    on = on or today()
    if clock.met_at is not None:
        return gettext("Met on time") if clock.met_on_time else gettext("Met late")
    if clock.stopped_on is not None:
        return gettext("Stopped")
    return gettext("Overdue") if clock.due_day < on else gettext("Running")


def clock_rows(*, on: datetime.date | None = None) -> list[dict[str, Any]]:
    """Running clocks overdue or due by the end of this week, counted by kind and owner (one query)."""
    on = on or today()
    kinds = dict(Deadline.Kind.choices)
    grouped = (
        Deadline.objects.running()
        .filter(due_day__lte=week_end(on))
        .values("kind", "owner_id", "owner__full_name", "owner__email", "owner_role")
        .annotate(
            overdue=Count("id", filter=Q(due_day__lt=on)),
            this_week=Count("id", filter=Q(due_day__gte=on)),
        )
        # The role's (nobody in particular) first, then each owner by name, alike on every database.
        .order_by(
            "kind", F("owner__full_name").asc(nulls_first=True), F("owner__email").asc(nulls_first=True), "owner_role"
        )
    )
    return [
        {
            "kind": row["kind"],
            "kind_label": kinds.get(row["kind"], row["kind"]),
            "owner": owner_label(full_name=row["owner__full_name"], email=row["owner__email"], role=row["owner_role"]),
            "owner_param": owner_param(owner_id=row["owner_id"], role=row["owner_role"]),
            "overdue": row["overdue"],
            "this_week": row["this_week"],
        }
        for row in grouped
    ]


# --- the last 12 months --------------------------------------------------------------------------------


def last_months(on: datetime.date | None = None, count: int = MONTHS) -> list[datetime.date]:
    """The first day of each of the last `count` months, this one last."""
    on = on or today()
    year, month = on.year, on.month
    months = []
    for _i in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def month_after(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + 1, 1, 1) if month.month == 12 else datetime.date(month.year, month.month + 1, 1)


def month_start(month: datetime.date) -> datetime.datetime:
    """Midnight in Hong Kong on the month's first day: where a month of timestamps begins."""
    return timezone.make_aware(datetime.datetime(month.year, month.month, 1))


def month_categories(months: list[datetime.date]) -> tuple[list[str], list[str]]:
    """The axis labels in the page's language ("Nov" / "11月") and the year under the first and each January."""
    # Translators: the month under a chart's bar (a date format): "Nov", "11月".
    axis = pgettext("a date format: the month on a chart's axis", "M")
    labels = [date_format(m, axis) for m in months]
    years = [date_format(m, "Y") if i == 0 or m.month == 1 else "" for i, m in enumerate(months)]
    return labels, years


def month_names(months: list[datetime.date]) -> list[str]:
    """The table's row headings: "November 2026" / "2026年11月"."""
    return [date_format(m, "YEAR_MONTH_FORMAT") for m in months]


def monthly_chart(
    *,
    key: str,
    title: str,
    months: list[datetime.date],
    series: list[charts.Series],
    summary: str,
    stacked: bool = False,
    total_label: str = "",
) -> charts.Chart:
    """A chart of the last months: the axis and the table's rows named in the page's language."""
    labels, years = month_categories(months)
    return charts.Chart(
        key=key,
        title=title,
        categories=labels,
        series=series,
        summary=summary,
        category_heading=gettext("Month"),
        stacked=stacked,
        total_label=total_label,
        sublabels=years,
        row_headings=month_names(months),
    )


def clocks_chart(months: list[datetime.date]) -> charts.Chart:
    """The core's chart: clocks met on time or late in the last 12 months, by kind (one query)."""
    counted = {
        row["kind"]: row
        for row in Deadline.objects.filter(met_at__gte=month_start(months[0]))
        .values("kind")
        .annotate(on_time=Count("id", filter=Q(met_on_time=True)), late=Count("id", filter=Q(met_on_time=False)))
        .order_by()
    }
    kinds = Deadline.Kind.choices
    on_time = [counted.get(kind, {}).get("on_time", 0) for kind, _label in kinds]
    late = [counted.get(kind, {}).get("late", 0) for kind, _label in kinds]
    return charts.Chart(
        key="chart-clocks",
        title=gettext("Clocks met on time and late, last 12 months, by kind"),
        categories=[str(label) for _kind, label in kinds],
        series=[
            charts.Series(gettext("On time"), on_time, "solid"),
            charts.Series(gettext("Late"), late, "hatch"),
        ],
        summary=gettext("%(on_time)d clocks met on time and %(late)d late in the last 12 months.")
        % {"on_time": sum(on_time), "late": sum(late)},
        category_heading=gettext("Clock"),
        stacked=True,
        horizontal=True,
        total_label=pgettext("a clock", "Met"),
    )


def chart_figures(*, user: Any, on: datetime.date | None = None) -> list[charts.Chart]:
    """The charts the user may see: the clocks' and each app's."""
    months = last_months(on)
    entries = [ChartEntry("clocks", CLOCKS_PERMISSION, clocks_chart, order=10), *_charts.values()]
    return [
        entry.build(months)
        for entry in sorted(entries, key=lambda e: (e.order, e.key))
        if user.has_perm(entry.permission)
    ]


def dashboard_context(*, user: Any) -> dict[str, Any]:
    """Everything the admin's home page shows above the list of models, for this user."""
    on = today()
    may_see_clocks = user.has_perm(CLOCKS_PERMISSION)
    return {
        "dashboard_today": on,
        "dashboard_week_end": week_end(on),
        "dashboard_queues": queue_rows(user=user, on=on),
        "dashboard_clocks": clock_rows(on=on) if may_see_clocks else None,
        "dashboard_charts": [charts.figure(chart) for chart in chart_figures(user=user, on=on)],
        "dashboard_deadlines_url": reverse("deadlines_overview") if may_see_clocks else "",
    }
