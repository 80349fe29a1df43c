"""The public directory (§5.1) and the provider's own pages. Thin: a form, a selector, a service."""

import csv
import io
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import cache, selectors, services
from .exports import EXPORT_COLUMNS, SCHEMA_VERSION, export_rows
from .forms import ContactChangeForm, DirectorySearchForm, WithdrawForm
from .models import CONTACT_FIELDS, Registration, area_labels

PAGE_SIZE = 20


@login_not_required
@require_GET
def directory_list(request: HttpRequest) -> HttpResponse:
    """The directory (§5.1). The results (count, table, pages) are rendered once per register version,
    language, cleaned search and page shown, then served from the cache (directory/cache.py): one query on a
    hit. Links (pages, downloads) carry the cleaned filters only."""
    form = DirectorySearchForm(request.GET or None)
    filters = {name: value for name, value in form.filters().items() if value}
    query = urlencode(filters)

    def render_results(number: int) -> tuple[int, int, str]:
        organisations = selectors.directory_organisations(**filters, for_list=True)
        page = Paginator(organisations, PAGE_SIZE).get_page(number)
        context = {
            "page": page,
            "rows": _rows(page.object_list),
            "query": query,
            # One reverse() for the page, not one per row.
            "detail_prefix": reverse("directory:detail", kwargs={"pk": 0})[:-2],
        }
        html = render_to_string("directory/_results.html", context, request=request)
        return page.number, page.paginator.num_pages, html

    results = cache.cached_page(
        parts=(translation.get_language(), tuple(sorted(filters.items()))),
        number=cache.page_asked(request.GET.get("page")),
        version=cache.directory_version(),
        render=render_results,
    )
    return render(
        request,
        "directory/list.html",
        {"form": form, "selects": _selects(form), "filters": filters, "query": query, "results": mark_safe(results)},  # noqa: S308 — our own rendered template
    )


def _rows(organisations):
    """The page's rows as plain dicts: the template then resolves each value in one dictionary lookup
    instead of walking model attributes (the rows are most of the page's rendering time)."""
    rows = []
    for organisation in organisations:
        display = organisation.display_name
        other = organisation.name_en if display == organisation.name_zh else organisation.name_zh
        phone = organisation.phone
        rows.append(
            {
                "pk": organisation.pk,
                "name": display,
                "other": "" if other == display else other,
                "registrations": [
                    (
                        r.get_category_display(),
                        r.status == Registration.Status.PROVISIONAL,
                        r.valid_until.isoformat() if r.valid_until else "",
                    )
                    for r in organisation.live_registrations
                ],
                "contact_person": organisation.contact_person,
                "contact_title": organisation.contact_title,
                "phone": phone.as_national if phone else "",
                "email": organisation.email,
            }
        )
    return rows


def _selects(form):
    """The filter drop-downs as plain data: rendering Django's select widget costs more than the table."""
    data = form.data if form.is_bound else {}
    selects = []
    for name in ("category", "state", "area"):
        field = form.fields[name]
        current = data.get(name, "")
        selects.append(
            {
                "name": name,
                "label": field.label,
                "options": [(value, label, str(value) == current) for value, label in field.choices],
                "errors": form.errors.get(name, []) if form.is_bound else [],
            }
        )
    return selects


@login_not_required
@require_GET
def directory_detail(request, pk):
    organisation = selectors.directory_organisation(pk=pk)
    areas = selectors.organisation_areas(organisation)
    return render(
        request,
        "directory/detail.html",
        {"organisation": organisation, "areas": areas, "areas_labels": area_labels(areas)},
    )


def _export_filters(request):
    return DirectorySearchForm(request.GET or None).filters()


@login_not_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """Open data (docs/directory.md): UTF-8 with a byte-order mark, so that Excel reads the Chinese; every
    field quoted and no cell starting a formula (cpp_registry.csvsafe): providers write their own details."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    organisations = selectors.directory_organisations(**_export_filters(request))
    writer.writerows(export_rows(request, organisations, for_csv=True))
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="etsp-directory.csv"'
    return response


@login_not_required
@require_GET
def export_json(request):
    """Open data (docs/directory.md): the same rows as the CSV and the directory page."""
    rows = list(export_rows(request, selectors.directory_organisations(**_export_filters(request))))
    payload = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": timezone.now().isoformat(),
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
    return response


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
    """§5.2.1: ask the Secretariat in writing to change the contact details."""
    organisation = selectors.organisation_of(user=request.user, pk=pk)
    initial = {name: getattr(organisation, name) for name in CONTACT_FIELDS}
    form = ContactChangeForm(request.POST or None, initial=initial)
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


@require_http_methods(["GET", "POST"])
def registration_withdraw(request, pk):
    """§5.2.4: the provider asks in writing to leave the directory in one category."""
    registration = selectors.registration_of(user=request.user, pk=pk)
    form = WithdrawForm(request.POST or None)
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
