"""Reads of the register. Each selector owns its joins and prefetches, so that a page costs a fixed
number of queries however many organisations there are (issue 3 §8)."""

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from .models import ContactChangeRequest, FundedProject, Organisation, Registration
from .search import normalise


def _live_registrations() -> QuerySet[Registration]:
    return Registration.objects.live().order_by("category")


LIST_ONLY_DEFERRED = ("fax", "address_en", "address_zh", "website", "district", "areas", "br_number")


def directory_organisations(
    *, q: str = "", category: str = "", state: str = "", area: str = "", for_list: bool = False
) -> QuerySet[Organisation]:
    """Every organisation with a provisional or confirmed registration (§3.3, §5.1.1), filtered.

    - `q`: one search box over the normalised names (English in any case, Chinese in either script);
      `contains` on the stored `search_text`, which PostgreSQL answers from a trigram index.
    - `category`, `state`: a live registration of that category and/or state.
    - `area`: §1.2.1 (a)–(e), declared by the provider or the area of one of its funded projects.
    Three queries for a page: the count, the page, and its live registrations. `for_list` leaves out
    the columns the list does not show (a phone number costs a parse per row).
    """
    live = Registration.objects.live().filter(organisation=OuterRef("pk"))
    if category:
        live = live.filter(category=category)
    if state:
        live = live.filter(status=state)
    organisations = Organisation.objects.filter(Exists(live))
    needle = normalise(q)
    if needle:
        organisations = organisations.filter(search_text__contains=needle)
    if area:
        projects = FundedProject.objects.filter(provider=OuterRef("pk"), areas__contains=area)
        organisations = organisations.filter(Q(areas__contains=area) | Exists(projects))
    deferred: tuple[str, ...] = ("search_text", "code_of_conduct_file", "code_of_conduct_received_on")
    if for_list:
        deferred += LIST_ONLY_DEFERRED
    return (
        organisations.defer(*deferred)
        .prefetch_related(Prefetch("registrations", queryset=_live_registrations(), to_attr="live_registrations"))
        .order_by("name_en", "id")
    )


def directory_organisation(*, pk: int) -> Organisation:
    """One organisation of the directory, or 404 when it holds no live registration (never shown)."""
    organisation = (
        directory_organisations()
        .prefetch_related(
            Prefetch(
                "funded_projects",
                queryset=FundedProject.objects.filter(report_status=FundedProject.ReportStatus.APPROVED).order_by(
                    "-report_decided_on"
                ),
                to_attr="approved_projects",
            )
        )
        .filter(pk=pk)
        .first()
    )
    if organisation is None:
        raise Http404
    return organisation


def organisation_areas(organisation: Organisation) -> str:
    """The areas of work (§1.2.1) declared or shown by approved funded projects, as sorted letters."""
    letters = set(organisation.areas or "")
    for project in getattr(organisation, "approved_projects", []):
        letters.update(project.areas or "")
    return "".join(sorted(letters))


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
