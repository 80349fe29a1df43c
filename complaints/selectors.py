"""Reads of complaint and substandard-service cases (§6). Each selector owns its joins and prefetches, so that
a page costs a fixed number of queries however many cases, messages and attachments there are, and decides
who may see what (complaints.permissions):

- a factory's users see their factories' cases, in every state;
- a provider's users see the cases about their organisation from the moment it was told of them (§6.1.1:
  `Case.VISIBLE_TO_PROVIDER`);
- each party reads only the messages meant for it: the factory those with `to_factory`, the provider those
  with `to_provider` (the preliminary report and its own answers are the provider's, §6.1.3); the
  Secretariat's notes are nobody else's;
- the case report (the papers) is for the Secretariat and for PMC members voting on the case.

Anyone else — another factory, another provider, a provider not yet told, a PMC member without a motion,
the Secretariat on the parties' pages (staff work in the back office) — gets 404, the same answer as for a
case that does not exist.
"""

from typing import Any, Literal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.http import Http404

from committee.models import Motion
from cpp_registry.models import Deadline
from directory.models import Factory, FundedProject, Organisation, Registration

from .models import Attachment, Case, Message
from .permissions import is_secretariat, pmc_may_read

Role = Literal["factory", "provider"]
FACTORY: Role = "factory"
PROVIDER: Role = "provider"
# Which flag of a message lets each party read it.
VISIBILITY = {FACTORY: "to_factory", PROVIDER: "to_provider"}


def _decision(field: str) -> Subquery:
    """The latest decided PMC motion about the case (§6.1.4): one of its columns, in the same query."""
    motions = Motion.objects.decided().filter(
        subject_type__app_label=Case._meta.app_label,
        subject_type__model=Case._meta.model_name,
        subject_id=OuterRef("pk"),
    )
    return Subquery(motions.order_by("-closed_at", "-id").values(field)[:1])


def _with_decision(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.annotate(decision_kind=_decision("kind"), decision_outcome=_decision("outcome"))


def _listed(cases: QuerySet[Case]) -> list[Case]:
    return list(
        _with_decision(cases)
        .select_related("organisation", "factory", "funded_project")
        .order_by("-received_on", "-id")
    )


def cases_for_factory(*, user: Any) -> list[Case]:
    """The cases of the factories the user acts for, in every state, newest first. One query."""
    if not user.is_authenticated:
        return []
    return _listed(Case.objects.filter(factory__users=user))


def cases_against_provider(*, user: Any) -> list[Case]:
    """The cases about the organisations the user acts for, from the moment the provider was told (§6.1.1),
    newest first. One query."""
    if not user.is_authenticated:
        return []
    return _listed(Case.objects.filter(organisation__users=user, status__in=Case.VISIBLE_TO_PROVIDER))


def factories_of(*, user: Any) -> list[Factory]:
    """The factories the user acts for (those it may lodge a complaint for)."""
    if not user.is_authenticated:
        return []
    return list(Factory.objects.filter(users=user).order_by("name_en", "id"))


def acts_for_organisation(*, user: Any) -> bool:
    return bool(user.is_authenticated and Organisation.objects.filter(users=user).exists())


def providers_to_complain_about() -> list[Organisation]:
    """§6.1: the providers of the directory (a provisional or confirmed registration), ordered by their
    name in the page's language."""
    live = Registration.objects.live().filter(organisation=OuterRef("pk"))
    organisations = Organisation.objects.filter(Exists(live)).only("id", "name_en", "name_zh")
    return sorted(organisations, key=lambda o: (o.display_name.casefold(), o.pk))


def funded_projects_of(*, user: Any) -> list[FundedProject]:
    """The funded projects of the factories the user acts for, with their provider."""
    if not user.is_authenticated:
        return []
    return list(
        FundedProject.objects.filter(factory__users=user)
        .select_related("provider", "factory")
        .order_by("reference", "id")
    )


def _party(user: Any) -> dict[str, Exists]:
    """Whether the user acts for the case's provider and for its factory, in the case's own query."""
    return {
        "user_is_provider": Exists(
            Organisation.users.through.objects.filter(organisation_id=OuterRef("organisation_id"), user_id=user.pk)
        ),
        "user_is_factory": Exists(
            Factory.users.through.objects.filter(factory_id=OuterRef("factory_id"), user_id=user.pk)
        ),
    }


def case_for_party(*, user: Any, case_ref: str) -> tuple[Case, Role]:
    """The case and the side the user reads it from: "provider" when the user acts for the organisation
    complained about and it has been told (§6.1.1), else "factory" when it acts for the case's factory (the
    order of complaints.services.case_message). Anyone else: 404. One query."""
    if not user.is_authenticated:
        raise Http404
    case = (
        _with_decision(Case.objects.filter(reference=case_ref))
        .select_related("organisation", "factory", "funded_project")
        .annotate(**_party(user))
        .filter(Q(user_is_provider=True, status__in=Case.VISIBLE_TO_PROVIDER) | Q(user_is_factory=True))
        .first()
    )
    if case is None:
        raise Http404
    visible_to_provider = case.user_is_provider and case.status in Case.VISIBLE_TO_PROVIDER  # type: ignore[attr-defined]
    return case, PROVIDER if visible_to_provider else FACTORY


def _messages() -> QuerySet[Message]:
    return (
        Message.objects.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def messages_visible_to(*, case: Case, role: Role) -> list[Message]:
    """The messages of the case this side may read, oldest first, with their attachments. Two queries."""
    return list(_messages().filter(case=case, **{VISIBILITY[role]: True}))


def case_clocks(*, case: Case) -> dict[str, Deadline | None]:
    """The case's clocks (§6.1.1 to tell the provider, §6.1.4 for the consolidated report), the newest of
    each kind. One query (the content type is joined, not looked up)."""
    rows = Deadline.objects.filter(
        content_type__app_label=Case._meta.app_label,
        content_type__model=Case._meta.model_name,
        object_id=case.pk,
        kind__in=[Deadline.Kind.COMPLAINT_NOTIFY, Deadline.Kind.COMPLAINT_REPORT],
    ).order_by("created_at", "id")
    clocks = {row.kind: row for row in rows}
    return {
        "notify": clocks.get(Deadline.Kind.COMPLAINT_NOTIFY),
        "report": clocks.get(Deadline.Kind.COMPLAINT_REPORT),
    }


# The parts of a case its report is made of (§6.1.3, §6.1.4): everything but the conversation's notes.
PAPER_KINDS = [kind for kind in Message.Kind.values if kind != Message.Kind.NOTE]


def case_for_paper(*, user: Any, case_ref: str) -> Case:
    """The case report, read-only, for the Secretariat (staff with complaints.view_case) and for PMC members
    once a motion about the case has been put to them (the motion's paper links here). Anyone else: 404.
    Three queries once allowed (the case, its report's messages, their attachments), and one to ask
    whether a PMC member may read it."""
    if not user.is_authenticated:
        raise Http404
    case = (
        _with_decision(Case.objects.filter(reference=case_ref))
        .select_related("organisation", "factory", "funded_project")
        .first()
    )
    if case is None or not (is_secretariat(user) or pmc_may_read(user, case)):
        raise Http404
    prefetch_related_objects([case], Prefetch("messages", queryset=_messages().filter(kind__in=PAPER_KINDS)))
    return case
