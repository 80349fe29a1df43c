"""Carrying out the PMC's decisions on penalties (§6.1.4, §6.3), registered with the committee at start-up.

- removal supported (§6.1.4, §6.3): every live registration of the provider is removed through the
  register's own service, which sends the provider its written notice;
- warning supported (§6.1.4): the warning is recorded against the provider (with its notice);
- a recommendation rejected — a warning or a removal the PMC did not support: "no penalty" is recorded and
  the provider told in writing (§6.1.4, and as §6.1.2 does for a complaint not substantiated).

The subject of such a motion is a case (complaints.models.Case) — the usual way, from a consolidated report
or a proposed removal — or the provider itself (an Organisation), for a removal the Secretariat puts to the
PMC directly. Either way the provider is found through `provider_of`; for a case, carrying out the decision
also closes the case and tells the factory (§6.1.4).
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from committee.models import Motion
from committee.registry import Shown
from cpp_registry.models import Notice
from cpp_registry.notices import notices_bulk_queue
from directory.models import Organisation, Registration
from directory.services import provider_notices, registration_remove, warning_record


def provider_of(subject: models.Model) -> Organisation:
    if isinstance(subject, Organisation):
        return subject
    organisation = getattr(subject, "organisation", None)  # a case names its provider
    if not isinstance(organisation, Organisation):
        raise TypeError(f"{type(subject).__name__} names no provider")
    return organisation


def _case_of(subject: models.Model) -> models.Model | None:
    """The case the motion is about, or None when its subject is the provider itself."""
    return None if isinstance(subject, Organisation) else subject


def decision_text(motion: Motion) -> str:
    """The decision in both languages, as the register keeps it (reasons and warnings are stored text)."""
    parts = [motion.recommendation_en or motion.question_en, motion.recommendation_zh or motion.question_zh]
    body = "\n".join(p for p in parts if p)
    return f"{motion.reference} (§6.1.4, §6.3)\n{body}".strip()


def remove_provider(*, motion: Motion, subject: models.Model, actor: Any) -> str:
    organisation = provider_of(subject)
    registrations = list(Registration.objects.live().filter(organisation=organisation).order_by("category", "pk"))
    for registration in registrations:
        registration_remove(registration=registration, actor=actor, reason=decision_text(motion))
    if not registrations:
        return _("The provider held no live registration; nothing was removed.")
    return ngettext(
        "%(count)d registration removed from the register (%(categories)s).",
        "%(count)d registrations removed from the register (%(categories)s).",
        len(registrations),
    ) % {
        "count": len(registrations),
        "categories": ", ".join(str(r.get_category_display()) for r in registrations),
    }


def record_warning(*, motion: Motion, subject: models.Model, actor: Any) -> str:
    warning_record(organisation=provider_of(subject), actor=actor, text=decision_text(motion), case=_case_of(subject))
    return _("Warning recorded against the provider.")


def record_no_penalty(*, motion: Motion, subject: models.Model, actor: Any) -> str:
    notices_bulk_queue(
        provider_notices(
            organisation=provider_of(subject),
            template_key="penalty_not_imposed",
            context={"motion": motion},
            related=motion,
            event=f"motion:{motion.pk}:no_penalty",
        )
    )
    return _("No penalty: the PMC did not support the recommendation.")


def provider_hears(
    *, subject: models.Model, template_key: str, context: Mapping[str, Any], related: models.Model, event: str
) -> list[Notice]:
    """The provider hears the PMC's decision on a penalty (§6.1.4)."""
    return provider_notices(
        organisation=provider_of(subject), template_key=template_key, context=context, related=related, event=event
    )


def case_hears(
    *, subject: models.Model, template_key: str, context: Mapping[str, Any], related: models.Model, event: str
) -> list[Notice]:
    """The provider and the factory hear the PMC's decision on a case (§6.1.4)."""
    from .services import _factory_notices

    notices = provider_hears(subject=subject, template_key=template_key, context=context, related=related, event=event)
    return notices + _factory_notices(subject, template_key, event.replace(":", "-"), **context)  # type: ignore[arg-type]


def show_case(subject: models.Model) -> Shown:
    organisation = provider_of(subject)
    reference = getattr(subject, "reference", "")
    return Shown(
        title_en=f"{reference} — {organisation.name_en}",
        title_zh=f"{reference} — {organisation.name_zh or organisation.name_en}",
        admin_url=reverse("admin:complaints_case_change", args=[subject.pk]),
    )


def _closing_the_case(handler: Callable[..., str]) -> Callable[..., str]:
    """For a case: apply the penalty (or record none), then close the case and tell the factory."""

    def carry_out(*, motion: Motion, subject: models.Model, actor: Any) -> str:
        from .services import case_carried_out

        note = handler(motion=motion, subject=subject, actor=actor)
        case_carried_out(case=subject, motion=motion, actor=actor, note=note)  # type: ignore[arg-type]
        return note

    return carry_out


def case_decided(*, motion: Motion, subject: models.Model, actor: Any) -> None:
    from .services import case_decided as decided

    decided(motion=motion, subject=subject, actor=actor)  # type: ignore[arg-type]


def show_provider(subject: Organisation) -> Shown:
    return Shown(
        title_en=subject.name_en,
        title_zh=subject.name_zh,
        admin_url=reverse("admin:directory_organisation_change", args=[subject.pk]),
    )


PENALTY_OUTCOMES: dict[str, dict[str, Callable[..., str]]] = {
    Motion.Kind.REMOVAL: {Motion.Outcome.PASSED: remove_provider, Motion.Outcome.FAILED: record_no_penalty},
    Motion.Kind.WARNING: {Motion.Outcome.PASSED: record_warning, Motion.Outcome.FAILED: record_no_penalty},
}


def register_penalties() -> None:
    """Called from ComplaintsConfig.ready(): motions on a penalty, about a case or about a provider."""
    from committee import registry

    from .models import Case

    for kind, outcomes in PENALTY_OUTCOMES.items():
        registry.register(model=Organisation, kind=kind, outcomes=outcomes, audience=provider_hears, show=show_provider)
        registry.register(
            model=Case,
            kind=kind,
            outcomes={outcome: _closing_the_case(handler) for outcome, handler in outcomes.items()},
            audience=case_hears,
            show=show_case,
            on_close=case_decided,
        )
