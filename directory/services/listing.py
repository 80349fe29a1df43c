"""Which organisations the public directory lists (§5.1.1): those holding a provisional or confirmed
registration, kept in `Organisation.listed` so that the directory counts and pages them from one partial index
(issue 11 §4: the test of every organisation's registrations was a third of an uncached directory page).

The flag follows the registrations in the transaction that changes them:
- every saved or deleted registration (the services' transitions, the admin, imports, the demo) through the
  receiver below;
- the expiry job's bulk UPDATE, for the organisations of each batch, and once a day for every organisation,
  a reconciliation that changes nothing when every path above did its part — and says so in the log when one
  did not.
"""

import logging

from django.db.models import Exists, OuterRef, QuerySet

from ..cache import directory_changed
from ..models import Organisation, Registration

logger = logging.getLogger(__name__)


def organisations_relist(organisations: QuerySet[Organisation] | None = None) -> int:
    """Set `listed` of `organisations` (all of them when None) from their registrations, in one UPDATE of the
    rows whose flag is wrong; returns how many changed. Safe to run twice: the second run changes none."""
    live = Exists(Registration.objects.live().filter(organisation=OuterRef("pk")))
    rows = Organisation.objects.all() if organisations is None else organisations
    return rows.exclude(listed=live).update(listed=live)


def registration_changed_relist(instance: Registration, **_signal_kwargs: object) -> None:
    """post_save / post_delete of a registration: its organisation's flag, in the same transaction."""
    organisations_relist(Organisation.objects.filter(pk=instance.organisation_id))


def organisations_reconcile() -> int:
    """Every organisation's flag checked against its registrations (the daily job). A change means a path
    that alters registrations without the receiver above (a bulk UPDATE elsewhere): it is mended and logged."""
    changed = organisations_relist()
    if changed:
        directory_changed()  # a bulk UPDATE sends no post_save: the cached directory must still follow
        logger.warning("directory listing: %d organisations' listed flag was wrong and has been mended", changed)
    return changed
