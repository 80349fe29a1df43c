"""Who may read an application and its documents (deny by default).

- the users acting for the applicant organisation (or the creator of a draft that has none yet);
- the Secretariat (staff with the view permission);
- a PMC member, once the application is the subject of a motion that is open or decided (its papers).
Anyone else gets the same "not found" as for something that does not exist.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType

from .models import Application, Attachment, ProjectRecord, StaffMember


def is_secretariat(user: Any) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.has_perm("applications.view_application")
    )


def pmc_may_read(user: Any, application: Application) -> bool:
    """A PMC member reads an application only through a motion about it that has been put to the members."""
    from committee.models import Motion

    if not (user.is_authenticated and user.is_active and user.has_perm("committee.view_motion")):
        return False
    return (
        Motion.objects.not_draft()
        .filter(subject_type=ContentType.objects.get_for_model(Application), subject_id=application.pk)
        .exists()
    )


def can_read_application(user: Any, application: Application) -> bool:
    if not user.is_authenticated:
        return False
    if is_secretariat(user):
        return True
    if application.organisation_id is None:
        if application.created_by_id == user.pk:
            return True
    elif application.organisation.users.filter(pk=user.pk).exists():
        return True
    return pmc_may_read(user, application)


def can_read_application_document(user: Any, application: Application) -> bool:
    return can_read_application(user, application)


def can_read_record_document(user: Any, record: StaffMember | ProjectRecord) -> bool:
    return can_read_application(user, record.application)


def can_read_attachment(user: Any, attachment: Attachment) -> bool:
    return can_read_application(user, attachment.message.application)
