"""Filling in Annex A: start an application, save each section, add and remove staff and project records.

Every save is atomic on a locked fresh copy of the application, refused once the answers can no longer
change (applications.services.common.EDITABLE), and marks its section done; the applicant can stop after
any section and come back to the same answers.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Category, Organisation, Registration
from directory.services import organisation_update

from ..models import Application, ProjectRecord, StaffMember
from .common import ApplicationError, locked_for_applicant, mark_section

Section = Application.Section

# The register's fields an applicant gives for its organisation (§5.1.1, Annex A part 1).
ORGANISATION_FIELDS = (
    "name_en",
    "name_zh",
    "br_number",
    "address_en",
    "address_zh",
    "district",
    "phone",
    "fax",
    "email",
    "website",
    "contact_person",
    "contact_title",
    "areas",
)


def _reference(application: Application) -> str:
    created = timezone.localtime(application.created_at)
    return f"APP-{created:%Y}-{application.pk:05d}"


@transaction.atomic
def application_start(*, user: Any, organisation: Organisation | None = None) -> Application:
    """A new draft with its reference number, shown on every page and notice about it. Without an
    organisation, the organisation section creates one; with one, the user must act for it."""
    if organisation is not None and not organisation.users.filter(pk=user.pk).exists():
        raise ApplicationError(_("You do not act for this organisation."))
    application = Application(created_by=user, organisation=organisation, reference=f"new-{timezone.now():%f}")
    application._history_user = user  # type: ignore[attr-defined]
    application.save()
    Application.objects.filter(pk=application.pk).update(reference=_reference(application))
    application.refresh_from_db()
    if organisation is not None and _is_provider(organisation):
        mark_section(application, Section.ORGANISATION)  # its details are the register's, changed by §5.2.1
        application.save(update_fields=["sections_done"])
    return application


def _is_provider(organisation: Organisation) -> bool:
    """An organisation the register has already granted something: its details change only through a
    written request to the Secretariat (§5.2.1), not through an application."""
    return Registration.objects.filter(organisation=organisation).exists()


@transaction.atomic
def application_save_organisation(*, application: Application, user: Any, details: Mapping[str, Any]) -> Application:
    """Annex A part 1. A new applicant's answers make (or update) its organisation record — not listed
    in the directory until a registration is granted. A BR number already on the register belongs to that
    organisation: its users invite colleagues, nobody else takes it over. An existing provider's details
    are the register's and change through a contact-change request (§5.2.1)."""
    application = locked_for_applicant(application, user)
    values = {name: details.get(name, "") or "" for name in ORGANISATION_FIELDS}
    organisation = application.organisation
    if organisation is not None and _is_provider(organisation):
        raise ApplicationError(
            _(
                "Your organisation's details are those on the register; ask the Secretariat to change them "
                "with a contact-change request (§5.2.1)."
            )
        )
    clash = Organisation.objects.filter(br_number=values["br_number"])
    if organisation is not None:
        clash = clash.exclude(pk=organisation.pk)
    if clash.exists():
        raise ApplicationError(
            _(
                "An organisation with Business Registration number %(br)s is already on the register. Ask one "
                "of its users to invite you, or check the number."
            )
            % {"br": values["br_number"]}
        )
    try:
        with transaction.atomic():
            if organisation is None:
                organisation = Organisation(**values)
                organisation._history_user = user  # type: ignore[attr-defined]
                organisation.save()
                organisation.users.add(user)
                application.organisation = organisation
            else:
                for name, value in values.items():
                    setattr(organisation, name, value)
                organisation_update(
                    organisation=organisation, actor=user, expected_version=organisation.version, fields=None
                )
    except IntegrityError as exc:  # a BR number taken a moment ago by another applicant
        raise ApplicationError(
            _("An organisation with Business Registration number %(br)s is already on the register.")
            % {"br": values["br_number"]}
        ) from exc
    mark_section(application, Section.ORGANISATION)
    application._history_user = user  # type: ignore[attr-defined]
    application.save(update_fields=["organisation", "sections_done"])
    return application


def live_conflicts(application: Application, categories: str) -> list[str]:
    """Why each category cannot be applied for: a live registration held in it, or another live application
    for it (§3.1.3: one registration per category; decision: one application at a time per category)."""
    reasons: list[str] = []
    organisation = application.organisation
    if organisation is None:
        return reasons
    labels = dict(Category.choices)
    held = set(
        Registration.objects.live()
        .filter(organisation=organisation, category__in=list(categories))
        .values_list("category", flat=True)
    )
    others = Application.objects.live().filter(organisation=organisation).exclude(pk=application.pk)
    for category in sorted(categories):
        if category in held:
            reasons.append(
                _("%(category)s: your organisation already holds a live registration in it.")
                % {"category": labels[category]}
            )
        else:
            other = others.filter(categories__contains=category).first()
            if other is not None:
                reasons.append(
                    _("%(category)s: application %(ref)s for it is already under way.")
                    % {"category": labels[category], "ref": other.reference}
                )
    return reasons


@transaction.atomic
def application_save_categories(*, application: Application, user: Any, categories: str) -> Application:
    """The categories applied for: 1, 2 or both (§3.1.3); for an existing provider, a category it does not
    hold — adding one, or changing to the other (§5.2.3)."""
    application = locked_for_applicant(application, user)
    categories = "".join(sorted(set(categories) & set(Category.values)))
    if not categories:
        raise ApplicationError(_("Choose category 1, category 2 or both."))
    if application.organisation_id is not None:
        Organisation.objects.select_for_update().filter(pk=application.organisation_id).first()
    conflicts = live_conflicts(application, categories)
    if conflicts:
        raise ApplicationError(" ".join(conflicts))
    application.categories = categories
    mark_section(application, Section.CATEGORIES)
    application._history_user = user  # type: ignore[attr-defined]
    application.save(update_fields=["categories", "sections_done"])
    return application


STAFF_FIELDS = ("name", "position", "years", "months", "fields")
PROJECT_FIELDS = (
    "title",
    "client_company",
    "client_contact",
    "client_phone",
    "client_email",
    "started_on",
    "ended_on",
    "kind",
    "completed",
    "areas",
)


@transaction.atomic
def staff_member_save(
    *,
    application: Application,
    user: Any,
    data: Mapping[str, Any],
    proof: UploadedFile | None = None,
    member: StaffMember | None = None,
) -> StaffMember:
    """Add a member of staff (a proof document is required) or change one (the proof may stay)."""
    application = locked_for_applicant(application, user)
    if member is None:
        if proof is None:
            raise ApplicationError(_("Upload a proof of this person's experience."))
        member = StaffMember(application=application, order=application.staff.count())
    elif member.application_id != application.pk:
        raise ApplicationError(_("This member of staff belongs to another application."))
    for name in STAFF_FIELDS:
        setattr(member, name, data.get(name))
    if proof is not None:
        member.proof = proof
    member.full_clean()
    member.save()
    mark_section(application, Section.STAFF, done=False)  # the list changed: the applicant says when done
    application.save(update_fields=["sections_done", "updated_at"])
    return member


@transaction.atomic
def project_record_save(
    *,
    application: Application,
    user: Any,
    data: Mapping[str, Any],
    document: UploadedFile | None = None,
    record: ProjectRecord | None = None,
) -> ProjectRecord:
    """Add a project record (a supporting document is required) or change one."""
    application = locked_for_applicant(application, user)
    if record is None:
        if document is None:
            raise ApplicationError(_("Upload a supporting document for this project."))
        record = ProjectRecord(application=application, order=application.projects.count())
    elif record.application_id != application.pk:
        raise ApplicationError(_("This project record belongs to another application."))
    for name in PROJECT_FIELDS:
        setattr(record, name, data.get(name))
    if document is not None:
        record.document = document
    if record.ended_on and record.started_on and record.ended_on < record.started_on:
        raise ApplicationError(_("A project cannot end before it starts."))
    record.full_clean()
    record.save()
    mark_section(application, Section.PROJECTS, done=False)
    application.save(update_fields=["sections_done", "updated_at"])
    return record


@transaction.atomic
def record_remove(*, application: Application, user: Any, record: StaffMember | ProjectRecord) -> None:
    """Remove a staff member or a project record from the answers (before they are decided on)."""
    application = locked_for_applicant(application, user)
    if record.application_id != application.pk:
        raise ApplicationError(_("This record belongs to another application."))
    section = Section.STAFF if isinstance(record, StaffMember) else Section.PROJECTS
    record.delete()
    mark_section(application, section, done=False)
    application.save(update_fields=["sections_done", "updated_at"])


@transaction.atomic
def application_finish_list(*, application: Application, user: Any, section: str) -> Application:
    """The applicant has added every member of staff or project record it means to (a repeatable section
    is done when the applicant says so, with at least one entry)."""
    application = locked_for_applicant(application, user)
    if section not in (Section.STAFF, Section.PROJECTS):
        raise ApplicationError(_("Only the staff and project lists are finished this way."))
    records = application.staff if section == Section.STAFF else application.projects
    if not records.exists():
        raise ApplicationError(_("Add at least one entry first."))
    mark_section(application, section)
    application.save(update_fields=["sections_done", "updated_at"])
    return application


@transaction.atomic
def application_save_code_of_conduct(
    *, application: Application, user: Any, kind: str, document: UploadedFile | None
) -> Application:
    """§7.1: the signed code of conduct — the programme's template or the organisation's own. Required
    before any grant."""
    application = locked_for_applicant(application, user)
    if kind not in Application.CodeOfConduct.values:
        raise ApplicationError(_("Choose which code of conduct you signed."))
    if document is None and not application.code_of_conduct_file:
        raise ApplicationError(_("Upload the signed code of conduct."))
    application.code_of_conduct_kind = kind
    if document is not None:
        application.code_of_conduct_file = document
        application.full_clean(exclude=[f.name for f in Application._meta.fields if f.name != "code_of_conduct_file"])
    mark_section(application, Section.CODE_OF_CONDUCT)
    application._history_user = user  # type: ignore[attr-defined]
    application.save(update_fields=["code_of_conduct_kind", "code_of_conduct_file", "sections_done", "updated_at"])
    return application


@transaction.atomic
def application_acknowledge_privacy(*, application: Application, user: Any) -> Application:
    """The Personal Information Collection Statement, read and acknowledged."""
    application = locked_for_applicant(application, user)
    application.privacy_acknowledged_at = timezone.now()
    mark_section(application, Section.PRIVACY)
    application.save(update_fields=["privacy_acknowledged_at", "sections_done", "updated_at"])
    return application


@transaction.atomic
def application_declare(*, application: Application, user: Any, name: str, position: str) -> Application:
    """The declaration, by an authorised signatory: the answers are true and complete."""
    application = locked_for_applicant(application, user)
    if not (name or "").strip() or not (position or "").strip():
        raise ApplicationError(_("Give the authorised signatory's name and position."))
    application.signatory_name, application.signatory_position = name.strip(), position.strip()
    application.declared_at = timezone.now()
    mark_section(application, Section.DECLARATION)
    application._history_user = user  # type: ignore[attr-defined]
    application.save(update_fields=["signatory_name", "signatory_position", "declared_at", "sections_done"])
    return application


def applications_of_user(*, user: Any, organisations: Iterable[Any] | None = None) -> Q:
    """Which applications a user may see as an applicant (for the selectors): those of the organisations the
    user acts for, and the user's own drafts not yet tied to one.

    `organisations`: the user's organisations, when the caller has read them. A list of every application of
    a user needs them: through the organisation's users, the OR crosses a join and PostgreSQL reads every
    application of the register (70 ms at 50,000, growing with them; issue 11 §4); with them, it is two
    indexed look-ups. One application by its reference is found either way."""
    if organisations is not None:
        return Q(organisation__in=list(organisations)) | Q(organisation__isnull=True, created_by=user)
    return Q(organisation__users=user) | Q(organisation__isnull=True, created_by=user)
