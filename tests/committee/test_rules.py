"""§6.1.4: the PMC decides by simple majority — a motion passes when votes for exceed votes against;
abstentions do not count; a tie fails (docs/rules.md, the committee)."""

import pytest

from committee.models import Motion
from committee.rules import motion_outcome, pmc_quorum

PASSED, FAILED = Motion.Outcome.PASSED, Motion.Outcome.FAILED


@pytest.mark.parametrize(
    ("votes_for", "votes_against", "expected"),
    [
        (3, 2, PASSED),
        (2, 2, FAILED),  # a tie fails
        (1, 0, PASSED),
        (0, 0, FAILED),  # nobody for: nothing exceeds nothing
        (0, 1, FAILED),
        (4, 5, FAILED),
    ],
)
def test_section_6_1_4_simple_majority(votes_for, votes_against, expected):
    assert motion_outcome(votes_for=votes_for, votes_against=votes_against) == expected


def test_quorum_defaults_to_none(settings):
    if hasattr(settings, "PMC_QUORUM"):
        del settings.PMC_QUORUM
    assert pmc_quorum() == 0


def test_quorum_is_read_at_call_time(settings):
    settings.PMC_QUORUM = 5
    assert pmc_quorum() == 5
    settings.PMC_QUORUM = 3
    assert pmc_quorum() == 3
