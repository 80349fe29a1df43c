"""Open data of the directory (issue 3 §6): one stable schema for CSV and JSON, documented in
docs/directory.md. Add columns only at the end and bump SCHEMA_VERSION when a meaning changes."""

from django.db.models import Prefetch
from django.urls import reverse

from .models import CONTACT_FIELDS, Category, FundedProject, Registration
from .selectors import organisation_areas

SCHEMA_VERSION = 1

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
]


def export_rows(request, organisations):
    """One dict per organisation of the directory, in EXPORT_COLUMNS order; values are plain strings."""
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
            "phone": str(organisation.phone or ""),
            "fax": str(organisation.fax or ""),
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
            row[f"category_{category}_valid_until"] = (
                registration.valid_until.isoformat()
                if registration and registration.status == Registration.Status.PROVISIONAL and registration.valid_until
                else ""
            )
        yield {column: row[column] for column in EXPORT_COLUMNS}
