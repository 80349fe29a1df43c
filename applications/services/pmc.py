"""The PMC's decisions on applications (§4.1.5, §3.3.4), registered with the committee at start-up."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from committee.models import Motion
from committee.registry import Shown
from cpp_registry.models import Notice

from ..models import Application
from .common import applicant_notices
from .processing import application_pmc_accept, application_pmc_refuse


def accept(*, motion: Motion, subject: Application, actor: Any) -> str:
    granted = application_pmc_accept(application=subject, motion=motion, actor=actor)
    return ngettext(
        "Application %(ref)s accepted: %(count)d provisional registration granted (%(categories)s).",
        "Application %(ref)s accepted: %(count)d provisional registrations granted (%(categories)s).",
        len(granted),
    ) % {
        "ref": subject.reference,
        "count": len(granted),
        "categories": ", ".join(str(r.get_category_display()) for r in granted),
    }


def refuse(*, motion: Motion, subject: Application, actor: Any) -> str:
    application_pmc_refuse(application=subject, motion=motion, actor=actor)
    return _("Application %(ref)s refused; the applicant is told why in writing.") % {"ref": subject.reference}


def applicant_hears(
    *, subject: Application, template_key: str, context: Mapping[str, Any], related: Any, event: str
) -> list[Notice]:
    """The applicant hears the PMC's decision when the motion closes."""
    return applicant_notices(subject, template_key, event.replace(":", "-"), **context)


def show(subject: Application) -> Shown:
    organisation = subject.organisation
    return Shown(
        title_en=f"{subject.reference} — {organisation.name_en if organisation else ''}",
        title_zh=f"{subject.reference} — {(organisation.name_zh or organisation.name_en) if organisation else ''}",
        admin_url=reverse("admin:applications_application_change", args=[subject.pk]),
    )


def register() -> None:
    """Called from ApplicationsConfig.ready()."""
    from committee import registry

    for kind in (Motion.Kind.ACCEPT_APPLICATION, Motion.Kind.ACCEPT_AFTER_SUBSTANDARD):
        registry.register(
            model=Application,
            kind=kind,
            outcomes={Motion.Outcome.PASSED: accept, Motion.Outcome.FAILED: refuse},
            audience=applicant_hears,
            show=show,
        )
