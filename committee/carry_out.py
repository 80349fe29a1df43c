"""Carrying out the decisions whose subject lives in the register (issue 4 §3), registered at start-up.

- removal passed (§6.1.4, §6.3): every live registration of the provider is removed through the
  register's own service, which sends the provider its written notice;
- warning supported (§6.1.4): the warning is recorded against the provider (with its notice);
- a recommendation rejected — a warning or a removal the PMC did not support: "no penalty" is recorded and
  the provider told in writing (§6.1.4, and as §6.1.2 does for a complaint not substantiated).

Accepting an application (§4.1.5, §3.3.4) is registered by the applications app.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpp_registry.notices import notices_bulk_queue
from directory.models import Organisation, Registration
from directory.services import provider_notices, registration_remove, warning_record

from . import registry
from .models import Motion


def _decision_text(motion):
    """The decision in both languages, as the register keeps it (reasons and warnings are stored text)."""
    parts = [motion.recommendation_en or motion.question_en, motion.recommendation_zh or motion.question_zh]
    body = "\n".join(p for p in parts if p)
    return f"{motion.reference} (§6.1.4, §6.3)\n{body}".strip()


def _case_of(motion):
    """The case the motion is about, or None when its subject is the provider itself."""
    if motion.subject_type_id == ContentType.objects.get_for_model(Organisation).pk:
        return None
    return motion.subject


def remove_provider(*, motion, actor):
    registrations = list(
        Registration.objects.live().filter(organisation_id=motion.organisation_id).order_by("category", "pk")
    )
    for registration in registrations:
        registration_remove(registration=registration, actor=actor, reason=_decision_text(motion))
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


def record_warning(*, motion, actor):
    warning_record(organisation=motion.organisation, actor=actor, text=_decision_text(motion), case=_case_of(motion))
    return _("Warning recorded against the provider.")


def record_no_penalty(*, motion, actor):
    notices_bulk_queue(
        provider_notices(
            organisation=motion.organisation,
            template_key="penalty_not_imposed",
            context={"motion": motion},
            related=motion,
            event=f"motion:{motion.pk}:no_penalty",
        )
    )
    return _("No penalty: the PMC did not support the recommendation.")


def register_all():
    kind, outcome = Motion.Kind, Motion.Outcome
    registry.register(kind=kind.REMOVAL, outcome=outcome.PASSED, handler=remove_provider, label="remove")
    registry.register(kind=kind.WARNING, outcome=outcome.PASSED, handler=record_warning, label="warning")
    registry.register(kind=kind.WARNING, outcome=outcome.FAILED, handler=record_no_penalty, label="no penalty")
    registry.register(kind=kind.REMOVAL, outcome=outcome.FAILED, handler=record_no_penalty, label="no penalty")
