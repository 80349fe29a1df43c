"""Reads of Annex A applications. Each selector owns its joins and prefetches, so that a page costs a fixed
number of queries however many staff, project records and messages an application holds, and decides who
may see what: another organisation's application answers 404, the same answer as one that does not exist.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cpp_registry.models import Deadline
from directory.models import Organisation, Registration

from .models import Application, Message, ProjectRecord, StaffMember
from .permissions import is_secretariat, pmc_may_read
from .services.drafting import applications_of_user

Section = Application.Section


def _with_clocks(applications: Iterable[Application]) -> list[Application]:
    """Each application with `clock`: its processing clock (open or met, the newest), in one query for all.
    The content type is joined, not looked up, so that the count does not depend on a warm cache."""
    applications = list(applications)
    clocks: dict[int, Deadline] = {}
    if applications:
        rows = Deadline.objects.filter(
            kind=Deadline.Kind.APPLICATION_PROCESSING,
            content_type__app_label=Application._meta.app_label,
            content_type__model=Application._meta.model_name,
            object_id__in=[a.pk for a in applications],
        ).order_by("object_id", "-created_at", "-id")
        for clock in rows:
            clocks.setdefault(clock.object_id, clock)
    for application in applications:
        application.clock = clocks.get(application.pk)  # type: ignore[attr-defined]
    return applications


def _is_provider() -> Exists:
    """The organisation already holds (or held) a registration: its details are the register's (§5.2.1)."""
    return Exists(Registration.objects.filter(organisation=OuterRef("organisation")))


def application_list_visible_to(*, user: Any, organisations: list[Organisation] | None = None) -> list[Application]:
    """The applications of the organisations the user acts for, and the user's own drafts that have no
    organisation yet; newest first, each with its clock. Two queries, and one for the user's organisations
    unless given (`organisations_for_start`, which the dashboard reads anyway)."""
    if not user.is_authenticated:
        return []
    if organisations is None:
        organisations = organisations_for_start(user=user)
    applications = (
        Application.objects.filter(applications_of_user(user=user, organisations=organisations))
        .select_related("organisation")
        .order_by("-created_at", "-id")
    )
    return _with_clocks(applications)


def organisations_for_start(*, user: Any) -> list[Organisation]:
    """The organisations the user may start an application for (those it acts for)."""
    return list(Organisation.objects.filter(users=user).order_by("name_en", "id"))


def _full(applications: QuerySet[Application]) -> QuerySet[Application]:
    """One application with everything its pages show: the organisation, staff, project records and the
    conversation with its attachments (five queries, however many rows)."""
    return applications.select_related("organisation").prefetch_related(
        Prefetch("staff", queryset=StaffMember.objects.order_by("order", "id")),
        Prefetch("projects", queryset=ProjectRecord.objects.order_by("order", "id")),
        Prefetch(
            "messages",
            queryset=Message.objects.select_related("author")
            .prefetch_related("attachments")
            .order_by("created_at", "id"),
        ),
    )


def application_for_applicant(*, user: Any, reference: str) -> Application:
    """One application the user may fill in and follow: acting for its organisation, or the creator of a
    draft that has none yet. Anyone else's answers 404, whatever the URL."""
    if not user.is_authenticated:
        raise Http404
    application = (
        _full(Application.objects.filter(applications_of_user(user=user)))
        .annotate(is_provider=_is_provider())
        .filter(reference=reference)
        .first()
    )
    if application is None:
        raise Http404
    return _with_clocks([application])[0]


def record_of(application: Application, kind: str, pk: int) -> StaffMember | ProjectRecord:
    """A member of staff or a project record of this application (from its prefetched rows), or 404: a
    record of another application answers as one that does not exist."""
    records = application.staff.all() if kind == "staff" else application.projects.all()
    for record in records:
        if record.pk == pk:
            return record
    raise Http404


def categories_held(*, application: Application) -> set[str]:
    """The categories in which the application's organisation holds a live registration (§5.2.3: an
    existing provider applies for a category it does not hold)."""
    if application.organisation_id is None:
        return set()
    return set(
        Registration.objects.live()
        .filter(organisation_id=application.organisation_id)
        .values_list("category", flat=True)
    )


def application_for_paper(*, user: Any, reference: str) -> Application:
    """The application as submitted, for the Secretariat (staff with the view permission) and for PMC
    members once a motion about it has been put to them (applications.permissions). Anyone else: 404."""
    if not user.is_authenticated:
        raise Http404
    application = _full(Application.objects.filter(reference=reference)).first()
    if application is None:
        raise Http404
    if not (is_secretariat(user) or pmc_may_read(user, application)):
        raise Http404
    return _with_clocks([application])[0]


# --- The task list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    section: str
    label: str
    url_name: str
    status: str  # NOT_STARTED, IN_PROGRESS, COMPLETED

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


NOT_STARTED, IN_PROGRESS, COMPLETED, CANNOT_START = "not_started", "in_progress", "completed", "cannot_start"
STATUS_LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
    CANNOT_START: _("Cannot start yet"),
}
URL_NAMES = {
    Section.ORGANISATION: "applications:organisation",
    Section.CATEGORIES: "applications:categories",
    Section.STAFF: "applications:staff",
    Section.PROJECTS: "applications:projects",
    Section.CODE_OF_CONDUCT: "applications:code_of_conduct",
    Section.PRIVACY: "applications:privacy",
    Section.DECLARATION: "applications:declaration",
}


def _started(application: Application, section: str) -> bool:
    """Something of the section is saved although the applicant has not finished it."""
    if section == Section.ORGANISATION:
        return application.organisation_id is not None
    if section == Section.CATEGORIES:
        return bool(application.categories)
    if section == Section.STAFF:
        return bool(application.staff.all())
    if section == Section.PROJECTS:
        return bool(application.projects.all())
    if section == Section.CODE_OF_CONDUCT:
        return bool(application.code_of_conduct_kind or application.code_of_conduct_file)
    if section == Section.DECLARATION:
        return bool(application.signatory_name)
    return False


def application_tasks(application: Application) -> list[Task]:
    """Each section of Annex A with its status, in the form's order (from the prefetched rows)."""
    done = set(application.sections_done)
    tasks = []
    for section, label in Section.choices:
        if section in done:
            status = COMPLETED
        elif _started(application, section):
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        tasks.append(Task(section=section, label=str(label), url_name=URL_NAMES[section], status=status))
    return tasks
