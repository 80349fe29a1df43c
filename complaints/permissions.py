"""Who may read a case and its documents (deny by default).

- the Secretariat: staff with complaints.view_case (they work on cases in the back office);
- the factory's users, and the provider's users once the provider has been told of the case (§6.1.1), each
  reading only the messages meant for its side: the factory those with `to_factory`, the provider those with
  `to_provider` (the preliminary report and its own answers are the provider's, §6.1.3);
- a PMC member, once the case is the subject of a motion that has been put to the members (open or decided):
  the case report and its documents, not the conversation's notes.

Anyone else gets the same "not found" as for something that does not exist.
"""

from typing import Any

from .models import Attachment, Case, Message


def is_secretariat(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm("complaints.view_case"))


def pmc_may_read(user: Any, case: Case) -> bool:
    """A PMC member reads a case only through a motion about it that has been put to the members."""
    from committee.models import Motion

    if not (user.is_authenticated and user.is_active and user.has_perm("committee.view_motion")):
        return False
    return (
        Motion.objects.not_draft()
        .filter(
            subject_type__app_label=Case._meta.app_label,
            subject_type__model=Case._meta.model_name,
            subject_id=case.pk,
        )
        .exists()
    )


def party_roles(user: Any, case: Case) -> set[str]:
    """The sides of the case the user reads it from: "factory", "provider" (once told), both, or none."""
    roles: set[str] = set()
    if not (user.is_authenticated and user.is_active):
        return roles
    if case.status in Case.VISIBLE_TO_PROVIDER and case.organisation.users.filter(pk=user.pk).exists():
        roles.add("provider")
    if case.factory_id is not None and case.factory.users.filter(pk=user.pk).exists():  # type: ignore[union-attr]
        roles.add("factory")
    return roles


def message_visible_to(message: Message, roles: set[str]) -> bool:
    return ("factory" in roles and message.to_factory) or ("provider" in roles and message.to_provider)


def can_read_attachment(user: Any, attachment: Attachment) -> bool:
    """A document attached to a message of a case (cpp_registry.documents asks this)."""
    if not user.is_authenticated:
        return False
    if is_secretariat(user):
        return True
    message = attachment.message
    case = message.case
    if message_visible_to(message, party_roles(user, case)):
        return True
    return message.kind != Message.Kind.NOTE and pmc_may_read(user, case)
