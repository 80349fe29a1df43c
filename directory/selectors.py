"""Reads of the register. Each selector owns its joins and prefetches, so that a page costs a fixed
number of queries however many organisations there are (issue 3 §8)."""

import datetime
import json
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, JSONArray, TruncMonth
from django.http import Http404
from django_fsm_log.models import StateLog

from .models import Area, Category, ContactChangeRequest, FundedProject, Organisation, Registration
from .search import normalise

HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def _live_registrations() -> QuerySet[Registration]:
    return Registration.objects.live().order_by("category")


SORTS = ("name", "category", "valid_until")


def _approved_projects() -> QuerySet[FundedProject]:
    return FundedProject.objects.filter(report_status=FundedProject.ReportStatus.APPROVED)


def _directory_queryset(
    *, q: str = "", category: str = "", state: str = "", area: str = "", district: str = "", sort: str = ""
) -> QuerySet[Organisation]:
    """The organisations the directory lists (`Organisation.listed`: a provisional or confirmed registration,
    §3.3, §5.1.1), filtered and sorted — see `directory_organisations`."""
    organisations = Organisation.objects.filter(listed=True)
    if category or state:
        live = Registration.objects.live().filter(organisation=OuterRef("pk"))
        if category:
            live = live.filter(category=category)
        if state:
            live = live.filter(status=state)
        organisations = organisations.filter(Exists(live))
    needle = normalise(q)
    if needle:
        organisations = organisations.filter(search_text__contains=needle)
    if area:
        projects = _approved_projects().filter(provider=OuterRef("pk"), areas__contains=area)
        organisations = organisations.filter(Q(areas__contains=area) | Exists(projects))
    if district:
        organisations = organisations.filter(district=district)
    order: list[Any] = ["name_en", "id"]
    any_live = Registration.objects.live().filter(organisation=OuterRef("pk"))
    if sort == "category":
        first = any_live.order_by("category").values("category")[:1]
        organisations = organisations.annotate(first_category=Subquery(first))
        order = ["first_category", *order]
    elif sort == "valid_until":
        soonest = any_live.filter(status=Registration.Status.PROVISIONAL).order_by("valid_until")
        organisations = organisations.annotate(soonest_end=Subquery(soonest.values("valid_until")[:1]))
        order = [F("soonest_end").asc(nulls_last=True), *order]
    return organisations.order_by(*order)


def directory_organisations(
    *,
    q: str = "",
    category: str = "",
    state: str = "",
    area: str = "",
    district: str = "",
    sort: str = "",
) -> QuerySet[Organisation]:
    """Every organisation with a provisional or confirmed registration (§3.3, §5.1.1), filtered and sorted,
    with its live registrations (`live_registrations`): the provider's page and the open data.

    - `q`: one search box over the normalised names (English in any case, Chinese in either script);
      `contains` on the stored `search_text`, which PostgreSQL answers from a trigram index.
    - `category`, `state`: a live registration of that category and/or state.
    - `area`: §1.2.1 (a)–(e), declared by the provider or the area of one of its approved funded projects
      (what the provider's page and the open data show).
    - `district`: the district of the address.
    - `sort`: `name` (the default: English name), `category` (the lowest category held, then name) or
      `valid_until` (the soonest end of a provisional registration first, confirmed-only providers last).
    """
    return (
        _directory_queryset(q=q, category=category, state=state, area=area, district=district, sort=sort)
        .defer("search_text", "code_of_conduct_file", "code_of_conduct_received_on")
        .prefetch_related(Prefetch("registrations", queryset=_live_registrations(), to_attr="live_registrations"))
    )


# What a row of the directory's list shows, read as plain values: no model instance and no phone number
# object per row — building them was most of the time of a page read from the database (issue 11 §4).
LIST_VALUES = ("id", "name_en", "name_zh", "email", "contact_person", "contact_title", "areas")
LIST_REGISTRATION_VALUES = ("number", "category", "status", "valid_until", "confirmed_on")


class _JSONRows(Aggregate):
    """The aggregated rows as one JSON array: `JSONB_AGG` (PostgreSQL), `JSON_GROUP_ARRAY` (SQLite)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


@cache
def _list_columns() -> dict[str, Any]:
    """The computed columns of a list row, built once per process: expressions are templates, which every
    query that uses them copies (building the two subqueries was a tenth of a page read from the database)."""
    letters = (
        _approved_projects()
        .filter(provider=OuterRef("pk"))
        .order_by()
        .values("provider")
        .annotate(letters=StringAgg("areas", delimiter=Value("")))
        .values("letters")
    )
    live = (
        Registration.objects.live()
        .filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(rows=_JSONRows(JSONArray(*LIST_REGISTRATION_VALUES)))
        .values("rows")
    )
    return {
        "project_areas": Subquery(letters),
        "registration_rows": Subquery(live),
        "phone_text": Cast("phone", CharField()),
        "fax_text": Cast("fax", CharField()),
    }


@lru_cache(maxsize=256)
def _list_sql(filters: tuple[tuple[str, str], ...]) -> tuple[str, tuple[Any, ...], str, tuple[Any, ...]]:
    """The SQL of the directory's count and of its rows (without LIMIT) for `filters`, compiled by the ORM
    from `_directory_queryset` — the one definition of what the directory lists — once per process and
    search: compiling them cost more than running them (2.5 ms against 1.5 ms for a page, issue 11 §4).
    A pure function of the filters (no date, no user), so that a compiled query is right whenever reused."""
    organisations = _directory_queryset(**dict(filters))
    ids_sql, ids_params = organisations.order_by().values("id").query.sql_with_params()
    rows_sql, rows_params = organisations.values(*LIST_VALUES, **_list_columns()).query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({ids_sql}) AS listed", ids_params, rows_sql, rows_params  # noqa: S608


class _ListRows:
    """The rows of one search as Django's paginator reads them — `count()` and a slice — each one query of the
    SQL `_list_sql` compiled. A row is a dict of the columns, its registrations decoded from their JSON."""

    def __init__(self, filters: dict[str, str]):
        self.count_sql, self.count_params, self.rows_sql, self.rows_params = _list_sql(tuple(sorted(filters.items())))

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self.count_sql, self.count_params)
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            limit = (page.stop - page.start, page.start)
            cursor.execute(f"{self.rows_sql} LIMIT %s OFFSET %s", (*self.rows_params, *limit))
            columns = [column[0] for column in cursor.description]
            rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
        for row in rows:
            stored = row.pop("registration_rows")
            registrations = [
                dict(zip(LIST_REGISTRATION_VALUES, values, strict=True))
                for values in (json.loads(stored) if isinstance(stored, str) else stored or ())
            ]
            # In category order, here: SQLite's JSON_GROUP_ARRAY takes no ORDER BY before 3.44.
            row["registrations"] = sorted(registrations, key=lambda r: (r["category"], r["number"] or ""))
            row["areas"] = areas_of(row["areas"], row.pop("project_areas"))
        return rows


def directory_page(*, number: int, size: int, **filters: str) -> tuple[Page, list[dict[str, Any]]]:
    """Page `number` of the directory's list (`directory_organisations`' filters and order) in two queries
    whatever the register's size: the count (from the partial index of listed organisations) and the page's
    rows, each with its live registrations in category order (`registrations`, dates as ISO text: one JSON
    array per row), its `areas` declared or shown by an approved funded project, and the phone and fax as
    stored (E.164 text). The SQL is compiled once per process and search (`_list_sql`)."""
    page: Page = Paginator(_ListRows(filters), size).get_page(number)  # type: ignore[arg-type]  # count() and slices
    return page, list(page.object_list)


def directory_organisation(*, pk: int) -> Organisation:
    """One organisation of the directory, or 404 when it holds no live registration (never shown)."""
    organisation = (
        directory_organisations()
        .prefetch_related(
            Prefetch(
                "funded_projects",
                queryset=_approved_projects().order_by("-report_decided_on"),
                to_attr="approved_projects",
            )
        )
        .filter(pk=pk)
        .first()
    )
    if organisation is None:
        raise Http404
    return organisation


def areas_of(*letters: str | None) -> str:
    """The areas of work (§1.2.1) in any of `letters` (declared, or shown by approved funded projects), as
    sorted letters."""
    return "".join(sorted(set().union(*(each or "" for each in letters))))


def organisation_areas(organisation: Organisation) -> str:
    """The areas of work of an organisation with its prefetched `approved_projects`, as sorted letters."""
    return areas_of(organisation.areas, *(project.areas for project in getattr(organisation, "approved_projects", [])))


def organisations_of(*, user: Any) -> QuerySet[Organisation]:
    """The organisations a user acts for, with all their registrations and change requests."""
    return (
        Organisation.objects.filter(users=user)
        .prefetch_related(
            Prefetch("registrations", queryset=Registration.objects.order_by("category", "-granted_on")),
            Prefetch("contact_changes", queryset=ContactChangeRequest.objects.order_by("-received_on", "-id")),
        )
        .order_by("name_en")
    )


def organisation_of(*, user: Any, pk: int) -> Organisation:
    """One organisation the user acts for; another organisation's answers 404."""
    organisation = Organisation.objects.filter(users=user, pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


def registration_of(*, user: Any, pk: int) -> Registration:
    """One registration of an organisation the user acts for; anyone else's answers 404."""
    registration = Registration.objects.select_related("organisation").filter(organisation__users=user, pk=pk).first()
    if registration is None:
        raise Http404
    return registration


# --- The register's changes and figures (issue 10 §1) -----------------------------------------------------

# The transitions of a registration the public may read about (directory.models.Registration, and the
# grant written by directory.services.registration_grant), in the order a registration lives them.
REGISTER_CHANGES = ("grant", "confirm", "expire", "cancel_substandard", "withdraw", "remove")


def _registration_logs() -> QuerySet[StateLog]:
    """The transition log of registrations only (a join on the content type, not a look-up of its id)."""
    return StateLog.objects.filter(
        content_type__app_label="directory", content_type__model="registration", transition__in=REGISTER_CHANGES
    )


def register_changes(*, start: int = 0, size: int = 50) -> list[dict[str, Any]]:
    """Changes `start` to `start + size` (and one more, so that the caller knows whether there is an older
    page) of the register, newest first, in ONE query: the log's date and transition, the registration's
    number and category and its organisation's names, read through subqueries on the log's object id.

    Nothing else of the log is read — neither who made the change nor the reason staff wrote (issue 10 §1:
    nothing the directory does not publish already)."""
    registration = Registration.objects.filter(pk=OuterRef("object_id")).order_by()
    rows = (
        _registration_logs()
        .annotate(
            number=Subquery(registration.values("number")[:1]),
            category=Subquery(registration.values("category")[:1]),
            name_en=Subquery(registration.values("organisation__name_en")[:1]),
            name_zh=Subquery(registration.values("organisation__name_zh")[:1]),
        )
        .order_by("-timestamp", "-id")
        .values("id", "timestamp", "transition", "number", "category", "name_en", "name_zh")
    )
    return list(rows[start : start + size + 1])


def register_figures(*, since: datetime.datetime) -> dict[str, Any]:
    """The register in figures, in three aggregate queries whatever its size:

    - `providers`: providers holding a live registration — in all, per category, per state (a provider
      holding one provisional and one confirmed registration counts in both states);
    - `areas`: providers per area of work (§1.2.1 (a)–(e), declared or shown by an approved funded
      project — what the directory's area filter finds);
    - `monthly`: (first day of the month in Hong Kong, transition, count) of the grants, expiries and
      removals since `since`."""
    live = Registration.objects.live()
    is_provisional = Q(status=Registration.Status.PROVISIONAL)
    providers = live.aggregate(
        total=Count("organisation", distinct=True),
        provisional=Count("organisation", distinct=True, filter=is_provisional),
        confirmed=Count("organisation", distinct=True, filter=Q(status=Registration.Status.CONFIRMED)),
        **{f"category_{value}": Count("id", filter=Q(category=value)) for value in Category.values},
    )
    listed = Organisation.objects.filter(Exists(live.filter(organisation=OuterRef("pk"))))
    areas = listed.aggregate(
        **{
            letter: Count(
                "id",
                filter=Q(areas__contains=letter)
                | Q(Exists(_approved_projects().filter(provider=OuterRef("pk"), areas__contains=letter))),
            )
            for letter in Area.values
        }
    )
    monthly = list(
        _registration_logs()
        .filter(transition__in=("grant", "expire", "remove"), timestamp__gte=since)
        .annotate(month=TruncMonth("timestamp", output_field=DateField(), tzinfo=HONG_KONG))
        .order_by()
        .values("month", "transition")
        .annotate(count=Count("id"))
        .values_list("month", "transition", "count")
    )
    return {"providers": providers, "areas": areas, "monthly": monthly}
