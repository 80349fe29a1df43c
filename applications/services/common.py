"""What the application services share: the refusal, the locked draft, who hears about an application, the
facts the criteria check reads."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpp_registry.errors import ServiceError
from cpp_registry.models import Notice
from directory.services import provider_notices

from .. import criteria
from ..models import Application


class ApplicationError(ServiceError):
    """A request about an application that is refused; the message is translated and safe to show."""


# An applicant may change its answers while drafting, and while the Secretariat waits for information
# (§4.1.3: what it asked for may be a better record, not only a letter).
EDITABLE = (Application.Status.DRAFT, Application.Status.AWAITING_INFORMATION)


def may_act_for(application: Application, user: Any) -> bool:
    """A user acting for the application's organisation, or the creator of a draft without one yet."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if application.organisation_id is None:
        return application.created_by_id == user.pk
    return application.organisation.users.filter(pk=user.pk).exists()  # type: ignore[union-attr]


def locked_for_applicant(application: Application, user: Any, *, editable: bool = True) -> Application:
    """A fresh, locked copy the user may change; refused otherwise (another organisation's answers 404 in
    the views before this is ever reached)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locked_for_applicant needs a transaction")
    locked = Application.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=application.pk)
    if not may_act_for(locked, user):
        raise ApplicationError(_("You do not act for the organisation of this application."))
    if editable and locked.status not in EDITABLE:
        raise ApplicationError(
            _("Application %(ref)s is %(status)s; its answers cannot be changed now.")
            % {"ref": locked.reference, "status": locked.get_status_display().lower()}
        )
    return locked


def mark_section(application: Application, section: str, done: bool = True) -> None:
    sections = [s for s in application.sections_done if s != section]
    if done:
        sections.append(section)
    application.sections_done = sorted(sections)


def today() -> datetime.date:
    return timezone.localdate()


def facts(application: Application) -> tuple[list[criteria.StaffFacts], list[criteria.ProjectFacts]]:
    staff = [criteria.StaffFacts(name=s.name, months=s.total_months) for s in application.staff.all()]
    projects = [
        criteria.ProjectFacts(
            title=p.title,
            engineering=p.kind == p.Kind.ENGINEERING,
            completed=p.completed,
            started_on=p.started_on,
            has_client_contact=p.has_client_contact,
        )
        for p in application.projects.all()
    ]
    return staff, projects


def criteria_check(application: Application, *, as_of: datetime.date | None = None) -> criteria.CheckResult:
    """The criteria check of the application's present answers (§3.2.2, §4.1.2)."""
    staff, projects = facts(application)
    return criteria.check(categories=application.category_list, staff=staff, projects=projects, as_of=as_of or today())


def applicant_notices(application: Application, template_key: str, event: str, **context: Any) -> list[Notice]:
    """The applicant's written notice: to every user of its organisation (or, for a draft without one,
    the user who started it)."""
    full: Mapping[str, Any] = {"application": application, **context}
    if application.organisation_id is not None:
        return provider_notices(
            organisation=application.organisation,  # type: ignore[arg-type]
            template_key=template_key,
            context=full,
            related=application,
            event=f"application:{application.pk}:{event}",
        )
    from cpp_registry.notices import build_notice

    return [
        build_notice(
            recipient=application.created_by,
            template_key=template_key,
            context=full,
            related=application,
            idempotency_key=f"application:{application.pk}:{event}:user{application.created_by_id}",
        )
    ]
