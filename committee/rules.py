"""The committee's rule (§6.1.4: a simple majority) and its quorum, apart from the services so they read alone."""

from django.conf import settings

from .models import Motion


def motion_outcome(*, votes_for, votes_against):
    """§9: a motion passes when votes for exceed votes against; abstentions do not count; a tie fails."""
    return Motion.Outcome.PASSED if votes_for > votes_against else Motion.Outcome.FAILED


def pmc_quorum():
    """The number of votes (abstentions included) a motion needs before it can be closed; 0 = none.

    Read at call time, so that a change of setting (or a test's override) applies at once.
    (decision) An abstaining member took part, so an abstention counts towards the quorum.
    """
    return int(getattr(settings, "PMC_QUORUM", 0) or 0)
