"""The Secretariat's decision on a funded project's final report (§3.3.2), which is what confirms a
provisional registration."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cpp_registry.transitions import transition_run

from ..models import Category, FundedProject, Registration
from .errors import RegisterError
from .lifecycle import registration_confirm


@dataclass
class ConfirmResult:
    """What approving a final report did (§3.3.2), and in words the staff member reads."""

    confirmed: list[Registration] = field(default_factory=list)
    message: str = ""


def _already_decided(project: FundedProject) -> str:
    return _("The final report of %(ref)s was already %(status)s on %(on)s.") % {
        "ref": project.reference,
        "status": project.get_report_status_display().lower(),
        "on": project.report_decided_on.isoformat() if project.report_decided_on else "—",
    }


@transaction.atomic
def funded_project_report_decide(
    *, project: FundedProject, actor: Any, approved: bool, on: datetime.date | None = None, note: str = ""
) -> ConfirmResult:
    """Record the Secretariat's decision on a funded project's final report (§3.3.2). Decided once: a
    second decision, also one made at the same moment by another officer, is refused.

    An approval within the validity of the provider's provisional registration of the role's category
    confirms it — and, for a Category 2 role, the provisional Category 1 registration as well when held
    (decision). An approval after the validity is recorded but confirms nothing; the returned message
    tells the staff member why.
    """
    on = on or timezone.localdate()

    def check(locked: FundedProject) -> None:
        if locked.started_on and on < locked.started_on:
            raise RegisterError(_("A final report cannot be decided before the project started."))
        if on > timezone.localdate():
            raise RegisterError(_("A final report cannot be decided on a future date."))

    project = transition_run(
        error=RegisterError,
        instance=project,
        name="approve_report" if approved else "reject_report",
        actor=actor,
        reason=note,
        check=check,
        changes={"report_decided_on": on, "report_decided_by": actor, "report_note": note},
        refusal=_already_decided,
    )

    result = ConfirmResult()
    if not approved:
        result.message = _("The final report of %(ref)s is rejected; no registration changes.") % {
            "ref": project.reference
        }
        return result

    categories = [project.role_category]
    if project.role_category == Category.CONSULTANCY_ENGINEERING:
        categories.append(Category.CONSULTANCY)
    reasons = []
    for category in categories:
        registration = (
            Registration.objects.filter(organisation=project.provider, category=category)
            .order_by("-granted_on", "-id")
            .first()
        )
        label = Category(category).label
        if registration is None:
            if category == project.role_category:
                reasons.append(_("%(category)s: the provider holds no registration.") % {"category": label})
            continue
        if registration.status == Registration.Status.CONFIRMED:
            reasons.append(_("%(category)s: already confirmed.") % {"category": label})
            continue
        ended = bool(registration.valid_until and on > registration.valid_until)
        if registration.status not in (Registration.Status.PROVISIONAL, Registration.Status.CANCELLED_EXPIRED):
            ended = False
        if not ended and registration.status != Registration.Status.PROVISIONAL:
            reasons.append(
                _("%(category)s: the registration is %(status)s and cannot be confirmed.")
                % {"category": label, "status": registration.get_status_display()}
            )
            continue
        if ended:
            assert registration.valid_until is not None
            reasons.append(
                _(
                    "%(category)s: approved on %(on)s, after the provisional registration ended on %(until)s; "
                    "it is not confirmed (§3.3.2, §3.3.3)."
                )
                % {"category": label, "on": on.isoformat(), "until": registration.valid_until.isoformat()}
            )
            continue
        result.confirmed.append(registration_confirm(registration=registration, actor=actor, on=on, project=project))
    parts = []
    if result.confirmed:
        parts.append(
            _("Final report approved; confirmed: %(categories)s (§3.3.2).")
            % {"categories": ", ".join(str(r.get_category_display()) for r in result.confirmed)}
        )
    else:
        parts.append(_("Final report approved; no registration is confirmed."))
    parts.extend(reasons)
    result.message = " ".join(str(p) for p in parts)
    return result
