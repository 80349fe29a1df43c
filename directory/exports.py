"""Open data of the directory (issue 3 §6): one stable schema for CSV and JSON, documented in
docs/directory.md. Add columns only at the end and bump SCHEMA_VERSION when a meaning changes.

The CSV is for spreadsheets: every cell is formula-safe (cpp_registry.csvsafe) and phone and fax numbers are
written as the programme writes them, `(852) 2123 4567`; the JSON keeps E.164 (`+85221234567`)."""

from collections.abc import Iterator

import phonenumbers
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from phonenumber_field.phonenumber import PhoneNumber

from cpp_registry.csvsafe import csv_safe

from .models import CONTACT_FIELDS, Category, FundedProject, Organisation, Registration
from .selectors import organisation_areas

# 2: CSV cells that would start a formula are prefixed with ' ; phone and fax in the CSV as (852) 2123 4567.
# 3: the registration numbers (category_1_number, category_2_number) at the end; the JSON's register_as_at.
SCHEMA_VERSION = 3

EXPORT_COLUMNS = [
    "id",
    "name_en",
    "name_zh",
    "categories",
    "category_1_status",
    "category_1_valid_until",
    "category_2_status",
    "category_2_valid_until",
    *CONTACT_FIELDS,  # §5.1.1 (a), in the order the schema documents
    "areas",
    "url",
    "category_1_number",  # 3: ETSP-1-000042, the registration's number for life
    "category_2_number",
]


def phone_as_written(number: PhoneNumber | None) -> str:
    """`(852) 2123 4567`: the country code in brackets, then the number as that country groups it — how
    the programme writes numbers, and nothing a spreadsheet reads as a formula (E.164's `+` would be)."""
    if not number:
        return ""
    if not number.is_valid():
        return str(number.raw_input or number)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    return f"({number.country_code}){international.removeprefix(prefix)}"


def export_rows(
    request: HttpRequest, organisations: QuerySet[Organisation], *, for_csv: bool = False
) -> Iterator[dict[str, str]]:
    """One dict per organisation of the directory, in EXPORT_COLUMNS order; values are plain strings.

    `for_csv`: phone and fax as written (`(852) 2123 4567`) and every cell formula-safe (`csv_safe`)."""
    phone = phone_as_written if for_csv else (lambda number: str(number or ""))
    organisations = organisations.prefetch_related(
        Prefetch(
            "funded_projects",
            queryset=FundedProject.objects.filter(report_status=FundedProject.ReportStatus.APPROVED).only(
                "id", "provider_id", "areas"
            ),
            to_attr="approved_projects",
        )
    )
    detail = reverse("directory:detail", kwargs={"pk": 0}).rsplit("0/", 1)[0]
    base = request.build_absolute_uri("/").rstrip("/")
    for organisation in organisations.iterator(chunk_size=2000):
        by_category = {r.category: r for r in organisation.live_registrations}
        row = {
            "id": str(organisation.pk),
            "name_en": organisation.name_en,
            "name_zh": organisation.name_zh,
            "categories": ";".join(sorted(by_category)),
            "address_en": organisation.address_en,
            "address_zh": organisation.address_zh,
            "district": organisation.district,
            "phone": phone(organisation.phone),
            "fax": phone(organisation.fax),
            "email": organisation.email,
            "website": organisation.website,
            "contact_person": organisation.contact_person,
            "contact_title": organisation.contact_title,
            "areas": ";".join(organisation_areas(organisation)),
            "url": f"{base}{detail}{organisation.pk}/",
        }
        for category in Category.values:
            registration = by_category.get(category)
            row[f"category_{category}_status"] = registration.status if registration else ""
            row[f"category_{category}_number"] = (registration.number or "") if registration else ""
            row[f"category_{category}_valid_until"] = (
                registration.valid_until.isoformat()
                if registration and registration.status == Registration.Status.PROVISIONAL and registration.valid_until
                else ""
            )
        if for_csv:
            yield {column: csv_safe(row[column]) for column in EXPORT_COLUMNS}
        else:
            yield {column: row[column] for column in EXPORT_COLUMNS}
