"""Staff's edits of an organisation's record (§5.2), guarded by the optimistic lock."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ..models import Organisation
from .errors import STALE_MESSAGE, StaleVersion


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, actor: Any, expected_version: int | None, fields: Iterable[str] | None
) -> Organisation:
    """Save staff's edit of an organisation only if nobody saved it since the form was opened: the
    second of two concurrent edits is refused, never silently overwriting the first (§5.2)."""
    current = Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("version", flat=True)
    on_record = current.first()
    if on_record is None or expected_version is None or on_record != expected_version:
        raise StaleVersion(str(STALE_MESSAGE))
    organisation.version = expected_version + 1
    organisation._history_user = actor  # type: ignore[attr-defined]
    if fields is None:
        organisation.save()
    else:
        organisation.save(update_fields=[*fields, "version"])
    return organisation


@transaction.atomic
def organisation_create(*, organisation: Organisation, actor: Any) -> Organisation:
    """A new organisation recorded by staff (an application's organisation is created by its own service)."""
    organisation._history_user = actor  # type: ignore[attr-defined]
    organisation.save()
    return organisation
