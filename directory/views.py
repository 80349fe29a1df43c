"""The public directory (§5.1) and the provider's own pages. Thin: a form, a selector, a service."""

import csv
import datetime
import functools
import io
import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import NumberParseException

from . import cache, figures, selectors, services, shell, text
from .exports import EXPORT_COLUMNS, SCHEMA_VERSION, export_rows
from .feeds import RegisterChangesFeed, change_entries
from .forms import ContactChangeForm, DirectorySearchForm, WithdrawForm
from .models import CONTACT_FIELDS, Category, ContactChangeRequest, District, Registration, area_labels
from .rows import options_html, rows_html

PAGE_SIZE = 20
CHANGES_PAGE_SIZE = 50
CHANGES_MAX_PAGE = 100_000  # an offset the database can take, whatever number is typed
HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def register_as_at() -> datetime.datetime:
    """The moment the register is read, in Hong Kong time (the list, the exports)."""
    return timezone.now().astimezone(HONG_KONG)


@login_not_required
@require_GET
def directory_list(request: HttpRequest) -> HttpResponse:
    """The directory (§5.1). The results (count and what was searched, table, pages) are rendered once per
    register version, language, cleaned search and order and page shown, then served from the cache
    (directory/cache.py): one query on a hit. Links (pages, downloads) carry the cleaned filters only."""
    asked = tuple((name, request.GET.get(name)) for name in DirectorySearchForm.FIELDS if name in request.GET)
    filters = dict(_cleaned_filters(asked, bool(request.GET)))
    # The form itself only when something is rendered: its fields are deep-copied for each form made.
    search_form = functools.cache(lambda: DirectorySearchForm(request.GET or None))
    query = urlencode(filters)
    export_query = urlencode({name: value for name, value in filters.items() if name != "sort"})

    def render_results(number: int) -> tuple[int, int, str]:
        page, organisations = selectors.directory_page(number=number, size=PAGE_SIZE, **filters)
        labels = {
            "registrations": _("Registrations"),
            "areas": _("Areas of work"),
            "contact": _("Contact"),
            "provisional": _("Provisional registration (§3.3.1)"),
        }
        context = {
            "page": page,
            "rows": organisations,
            # One reverse() for the page, not one per row.
            "rows_html": rows_html(
                _rows(organisations), detail_prefix=reverse("directory:detail", kwargs={"pk": 0})[:-2], labels=labels
            ),
            "labels": labels,
            "query": query,
            "summary": _summary(filters, page.paginator.count),
            "list_url": reverse("directory:list"),
        }
        html = render_to_string("directory/_results.html", context, request=request)
        return page.number, page.paginator.num_pages, html

    results = cache.cached_page(
        parts=(translation.get_language(), tuple(sorted(filters.items()))),
        number=cache.page_asked(request.GET.get("page")),
        version=cache.directory_version(),
        render=render_results,
    )
    as_at = date_filter(register_as_at(), "Y-m-d H:i")

    def context() -> dict[str, object]:
        form = search_form()
        return {
            "form": form,
            "search": _selects(form, DirectorySearchForm.FILTERS[1:]),
            "order": _selects(form, ("sort",))[0],
            "filters": filters,
            "filtered": any(name in filters for name in DirectorySearchForm.FILTERS[1:]),
            "query": query,
            "export_query": export_query,
        }

    if shell.applies(request):
        # The page around the results depends on the language and the search form only (directory/shell.py).
        key = (translation.get_language(), bool(request.GET), asked)
        html = shell.page(
            request, template="directory/list.html", key=key, context=context, results=results, as_at=as_at
        )
        return HttpResponse(html)
    page_context = {**context(), "as_at_text": as_at, "results": mark_safe(results)}  # noqa: S308 — our own template
    return render(request, "directory/list.html", page_context)


@functools.lru_cache(maxsize=1024)
def _cleaned_filters(asked: tuple[tuple[str, str | None], ...], bound: bool) -> tuple[tuple[str, str], ...]:
    """The search form's valid filters (and order) for the fields as asked, those not empty: the same for
    every language, kept per process for the searches asked most."""
    form = DirectorySearchForm(dict(asked) if bound else None)
    return tuple((name, value) for name, value in form.filters().items() if value)


def _summary(filters: dict[str, str], count: int) -> str:
    """What was found for what was searched: “12 providers found for ‘green’ in Category 1 — Consultancy,
    Kwun Tong” / “找到 12 個供應商：搜尋「green」，類別一 — 顧問公司、觀塘”."""
    found = ngettext("%(counter)s provider found", "%(counter)s providers found", count) % {"counter": count}
    chosen = []
    for name in DirectorySearchForm.FILTERS[1:]:
        if filters.get(name):
            choices = DirectorySearchForm.base_fields[name].choices  # type: ignore[attr-defined]  # a ChoiceField
            chosen.append(str(dict(choices).get(filters[name], filters[name])))
    q = text.in_page_script(filters.get("q", ""))
    where = text.enumeration().join(chosen)
    if q and where:
        return _("%(found)s for “%(q)s” in %(filters)s") % {"found": found, "q": q, "filters": where}
    if q:
        return _("%(found)s for “%(q)s”") % {"found": found, "q": q}
    if where:
        return _("%(found)s in %(filters)s") % {"found": found, "filters": where}
    return found


def _rows(organisations: list[dict]) -> list[dict]:
    """The page's rows (`selectors.directory_page`) as the template shows them, each value ready to print:
    the template then resolves each in one dictionary lookup instead of walking model attributes (the rows
    are most of the page's rendering time). Names, addresses and contact persons in the page's script
    (directory/text.py); the name in the page's language first (`BilingualName.display_name`)."""
    rows = []
    phone_label, fax_label = _("Phone"), _("Fax")
    chinese = text.is_chinese()
    categories = dict(Category.choices)  # for the page, not for each row
    for organisation in organisations:
        name_en, name_zh = organisation["name_en"], organisation["name_zh"]
        display = (name_zh or name_en) if chinese else (name_en or name_zh)
        other = name_en if display == name_zh else name_zh
        phones = [
            text.labelled(label, text.national(number))
            for label, number in ((phone_label, organisation["phone_text"]), (fax_label, organisation["fax_text"]))
            if number
        ]
        rows.append(
            {
                "pk": organisation["id"],
                "name": text.in_page_script(display),
                "other": "" if other == display else text.in_page_script(other),
                "registrations": [
                    _registration_state(**{**r, "category": categories.get(r["category"], r["category"])})
                    for r in organisation["registrations"]
                ],
                "areas": area_labels(organisation["areas"]),
                "person": text.person_line(organisation["contact_person"], organisation["contact_title"]),
                "phones": text.semicolon().join(phones),
                "email": organisation["email"],
            }
        )
    return rows


def _registration(registration: Registration) -> dict[str, object]:
    """A live registration as the list and the provider's page show it: number, category, and its state in
    words beside the “P” marker — valid until (provisional) or confirmed on (confirmed)."""
    return _registration_state(
        number=registration.number,
        category=registration.get_category_display(),
        status=registration.status,
        valid_until=registration.valid_until,
        confirmed_on=registration.confirmed_on,
    )


def _registration_state(*, number, category, status, valid_until, confirmed_on) -> dict[str, object]:
    provisional = status == Registration.Status.PROVISIONAL
    if provisional:
        state = _("Provisional, valid until %(date)s") % {"date": _iso(valid_until)}
    elif confirmed_on:
        state = _("Confirmed on %(date)s") % {"date": _iso(confirmed_on)}
    else:
        state = _("Confirmed")
    return {"number": number or "", "category": category, "provisional": provisional, "state": state}


def _iso(day: datetime.date | str | None) -> str:
    """A day as YYYY-MM-DD; the list reads its registrations' days as that text already (JSON)."""
    if not day:
        return "—"
    return day if isinstance(day, str) else day.isoformat()


def _selects(form, names):
    """The drop-downs as plain data, their options written as HTML here (`rows.options_html`): rendering
    Django's select widget, or even a loop over the options in the template, cost more than the table."""
    data = form.data if form.is_bound else {}
    selects = []
    for name in names:
        field = form.fields[name]
        selects.append(
            {
                "name": name,
                "label": field.label,
                "options_html": options_html(field.choices, data.get(name, "")),
                "errors": form.errors.get(name, []) if form.is_bound else [],
            }
        )
    return selects


@login_not_required
@require_GET
def directory_detail(request, pk):
    organisation = selectors.directory_organisation(pk=pk)
    areas = selectors.organisation_areas(organisation)
    registered_name = organisation.display_name
    shown_name = text.in_page_script(registered_name)
    return render(
        request,
        "directory/detail.html",
        {
            "organisation": organisation,
            "name": shown_name,
            "other_name": text.in_page_script(organisation.other_name),
            # On a Simplified-Chinese page, the name as registered too, in its own script.
            "registered_name": registered_name if registered_name != shown_name else "",
            "registrations": [_registration(r) for r in organisation.live_registrations],
            "person": text.person_line(organisation.contact_person, organisation.contact_title),
            "address": text.in_page_script(organisation.display_address),
            "areas": areas,
            "areas_labels": area_labels(areas),
        },
    )


def _export_filters(request):
    """The directory's filters; the exports keep their documented order (English name) whatever `sort`."""
    filters = DirectorySearchForm(request.GET or None).filters()
    filters.pop("sort", None)
    return filters


@login_not_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """Open data (docs/directory.md): UTF-8 with a byte-order mark, so that Excel reads the Chinese; every
    field quoted and no cell starting a formula (cpp_registry.csvsafe): providers write their own details.
    The moment the register was read is in the file's name and the `X-Register-As-At` header, so that the
    first row stays the header row."""
    as_at = register_as_at()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    organisations = selectors.directory_organisations(**_export_filters(request))
    writer.writerows(export_rows(request, organisations, for_csv=True))
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="etsp-directory-{as_at:%Y-%m-%d-%H%M}-HKT.csv"'
    response["X-Register-As-At"] = as_at.isoformat(timespec="seconds")
    return response


@login_not_required
@require_GET
def export_json(request):
    """Open data (docs/directory.md): the same rows as the CSV and the directory page."""
    as_at = register_as_at()
    rows = list(export_rows(request, selectors.directory_organisations(**_export_filters(request))))
    payload = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": as_at.astimezone(datetime.UTC).isoformat(),
        "register_as_at": as_at.isoformat(timespec="seconds"),
        "disclaimer": _(
            "Being listed is no endorsement by, and no contract with, the HKSAR Government, the Project "
            "Management Committee or the Hong Kong Productivity Council (§3.4.1)."
        ),
        "count": len(rows),
        "results": rows,
    }
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="etsp-directory.json"'
    response["X-Register-As-At"] = payload["register_as_at"]
    return response


@login_not_required
@require_GET
def register_changes(request: HttpRequest) -> HttpResponse:
    """Every grant, confirmation, expiry, cancellation, withdrawal and removal, newest first, 50 a page: one
    query (directory.selectors.register_changes); pages by “newer” and “older” links, without a count."""
    number = min(max(cache.page_asked(request.GET.get("page")), 1), CHANGES_MAX_PAGE)
    rows = selectors.register_changes(start=(number - 1) * CHANGES_PAGE_SIZE, size=CHANGES_PAGE_SIZE)
    return render(
        request,
        "directory/changes.html",
        {
            "changes": change_entries(rows[:CHANGES_PAGE_SIZE]),
            "number": number,
            "newer": number - 1 if number > 1 else None,
            "older": number + 1 if len(rows) > CHANGES_PAGE_SIZE else None,
        },
    )


changes_feed = login_not_required(RegisterChangesFeed())


@login_not_required
@require_GET
def register_figures(request: HttpRequest) -> HttpResponse:
    """The register in figures: providers by category, state and area of work, and grants, expiries and
    removals in each of the last 12 months; charts drawn on the server with a table beside each. Three
    aggregate queries (directory.selectors.register_figures)."""
    as_at = register_as_at()
    months = figures.last_months(as_at.date())
    since = datetime.datetime.combine(months[0], datetime.time(), tzinfo=HONG_KONG)
    charts = figures.register_charts(selectors.register_figures(since=since), months)
    return render(request, "directory/figures.html", {"charts": charts, "as_at": as_at})


@login_not_required
@require_GET
def code_of_conduct(request):
    """§7.1: the programme's code-of-conduct template, in English and in the page's Chinese script."""
    chinese = "zh-hans" if translation.get_language() == "zh-hans" else "zh-hant"
    parts = []
    for code in ("en", chinese):
        with translation.override(code):
            parts.append(render_to_string("directory/code_of_conduct.txt", {}, request=None))
    text = ("\n\n" + "=" * 60 + "\n\n").join(part.strip() for part in parts) + "\n"
    response = HttpResponse(text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="etsp-code-of-conduct-template-{chinese}.txt"'
    return response


# --- The provider's own pages (login required; another organisation's answers 404) ----------------------


@require_GET
def my_organisations(request):
    return render(
        request,
        "directory/mine.html",
        {"organisations": selectors.organisations_of(user=request.user), "live_states": Registration.LIVE},
    )


@require_http_methods(["GET", "POST"])
def contact_change_create(request, pk):
    """§5.2.1: ask the Secretariat in writing to change the contact details; the form holds the present ones.

    One request waits at a time (§5.2.2): while one waits, the page says so at once — what it asks and when
    it was received — and offers no form; a request sent anyway (an old tab) changes nothing."""
    organisation = selectors.organisation_of(user=request.user, pk=pk)
    pending = services.pending_change(organisation=organisation)
    if pending is not None:
        context = {"organisation": organisation, "pending": pending, "asked": _contact_change_asked(pending)}
        return render(request, "directory/contact_change_form.html", context)
    initial = {name: getattr(organisation, name) for name in CONTACT_FIELDS}
    form = ContactChangeForm(
        request.POST if request.method == "POST" else None, initial=initial
    )  # an empty POST is still a POST
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_change_request(
                organisation=organisation,
                user=request.user,
                details={name: form.cleaned_data.get(name) for name in CONTACT_FIELDS},
            )
        except services.RegisterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Your request is received. The Secretariat processes it within 5 working days; the "
                    "directory shows the new details once it is approved (§5.2.2)."
                ),
            )
            return redirect("directory:mine")
    return render(request, "directory/contact_change_form.html", {"organisation": organisation, "form": form})


def _contact_change_asked(change):
    """(label, present value, value asked) of each detail a waiting request changes, in words a person reads."""

    def shown(name, value):
        if not value:
            return ""
        if name == "district":
            return dict(District.choices).get(str(value), value)
        return value.as_national if hasattr(value, "as_national") else str(value)

    asked = []
    for name in CONTACT_FIELDS:
        now, wanted = change.previous.get(name, ""), getattr(change, name)
        if str(now or "") != str(wanted or ""):
            label = ContactChangeRequest._meta.get_field(name).verbose_name
            asked.append((label, shown(name, _phone(now) if name in ("phone", "fax") else now), shown(name, wanted)))
    return asked


def _phone(text):
    """A phone number kept as text in a request's `previous` details, in the national format if it parses."""
    try:
        number = PhoneNumber.from_string(text)
    except NumberParseException:
        return text
    return number if number.is_valid() else text


@require_http_methods(["GET", "POST"])
def registration_withdraw(request, pk):
    """§5.2.4: the provider asks in writing to leave the directory in one category."""
    registration = selectors.registration_of(user=request.user, pk=pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_withdraw(
                registration=registration, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.RegisterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The registration is withdrawn and no longer appears in the directory."))
            return redirect("directory:mine")
    return render(request, "directory/withdraw_form.html", {"registration": registration, "form": form})
