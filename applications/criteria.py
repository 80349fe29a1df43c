"""The criteria check of §3.2.2 and §4.1.2 — the same code for the applicant's "check your answers" page,
for the Secretariat's page, and for the decision.

- Every application (§4.1.2): at least 3 project records, each with the client's contact details (a
  contact person, and a phone number or an email address).
- Category 1, consultancy (§3.2.2 a): at least 3 staff, each with at least 2 years (24 months) of relevant
  consultancy experience.
- Category 2, consultancy-engineering (§3.2.2 b): at least 2 years of carrying out engineering
  supply-and-installation projects, and at least 3 such projects completed.

Decisions where the guide is silent:
- Months count as whole calendar months: from 15 March to 14 March two years later is 23 months; to
  15 March, 24. A month-end start counts to the month's end (31 January → 28 February is one month).
- The 2 years of §3.2.2 (b) run from the start of the earliest engineering supply-and-installation
  project to the day of the check (the day of submission; for a draft, today).
- "Or equivalent experience" is not computed: the Secretariat records it as an override with a written
  reason (applications.services.application_override_criteria).

A result holds codes and numbers, not sentences, so that it can be stored at submission and read later
in any of the three languages.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpp_registry.workdays import add_months

STAFF_NEEDED = 3
STAFF_MONTHS = 24
ENGINEERING_MONTHS = 24
ENGINEERING_COMPLETED = 3
PROJECTS_NEEDED = 3
EVERY = "all"  # the criteria every application must meet, whatever its categories


def whole_months(start: datetime.date, end: datetime.date) -> int:
    """The whole calendar months from `start` to `end` (0 when end is before start)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


@dataclass(frozen=True)
class StaffFacts:
    name: str
    months: int


@dataclass(frozen=True)
class ProjectFacts:
    title: str
    engineering: bool
    completed: bool
    started_on: datetime.date
    has_client_contact: bool


@dataclass(frozen=True)
class Criterion:
    """One criterion: met or not, and the numbers that say why."""

    code: str
    section: str
    met: bool
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(LABELS[self.code]())

    @property
    def reason(self) -> str:
        return REASONS[self.code](self.params)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "section": self.section, "met": self.met, "params": self.params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Criterion":
        return cls(code=data["code"], section=data["section"], met=data["met"], params=dict(data.get("params", {})))


@dataclass(frozen=True)
class CategoryResult:
    category: str  # "1", "2", or EVERY
    criteria: tuple[Criterion, ...]

    @property
    def met(self) -> bool:
        return all(c.met for c in self.criteria)


@dataclass(frozen=True)
class CheckResult:
    as_of: datetime.date
    results: tuple[CategoryResult, ...]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.results)

    def for_category(self, category: str) -> CategoryResult | None:
        return next((r for r in self.results if r.category == category), None)

    def category_met(self, category: str) -> bool:
        """The category's own criteria and those every application must meet."""
        own, every = self.for_category(category), self.for_category(EVERY)
        return bool(own and own.met and (every is None or every.met))

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "results": [{"category": r.category, "criteria": [c.as_json() for c in r.criteria]} for r in self.results],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CheckResult | None":
        if not data:
            return None
        return cls(
            as_of=datetime.date.fromisoformat(data["as_of"]),
            results=tuple(
                CategoryResult(category=r["category"], criteria=tuple(Criterion.from_json(c) for c in r["criteria"]))
                for r in data["results"]
            ),
        )


def check(
    *, categories: Iterable[str], staff: Iterable[StaffFacts], projects: Iterable[ProjectFacts], as_of: datetime.date
) -> CheckResult:
    """Each criterion of the categories applied for, met or not, with the reason (§3.2.2, §4.1.2)."""
    staff, projects = list(staff), list(projects)
    results = [CategoryResult(EVERY, (_project_records(projects),))]
    if "1" in categories:
        results.append(CategoryResult("1", (_consultancy_staff(staff),)))
    if "2" in categories:
        results.append(CategoryResult("2", _engineering(projects, as_of)))
    return CheckResult(as_of=as_of, results=tuple(results))


def _project_records(projects: list[ProjectFacts]) -> Criterion:
    with_contact = [p for p in projects if p.has_client_contact]
    return Criterion(
        code="project_records",
        section="projects",
        met=len(with_contact) >= PROJECTS_NEEDED,
        params={"count": len(with_contact), "without": [p.title for p in projects if not p.has_client_contact]},
    )


def _consultancy_staff(staff: list[StaffFacts]) -> Criterion:
    qualified = [s for s in staff if s.months >= STAFF_MONTHS]
    short = [{"name": s.name, "months": s.months} for s in staff if s.months < STAFF_MONTHS]
    return Criterion(
        code="staff_experience",
        section="staff",
        met=len(qualified) >= STAFF_NEEDED,
        params={"count": len(qualified), "short": short},
    )


def _engineering(projects: list[ProjectFacts], as_of: datetime.date) -> tuple[Criterion, Criterion]:
    engineering = [p for p in projects if p.engineering]
    earliest = min((p.started_on for p in engineering), default=None)
    months = whole_months(earliest, as_of) if earliest else 0
    completed = [p for p in engineering if p.completed]
    return (
        Criterion(
            code="engineering_years",
            section="projects",
            met=months >= ENGINEERING_MONTHS,
            params={"months": months, "since": earliest.isoformat() if earliest else "", "as_of": as_of.isoformat()},
        ),
        Criterion(
            code="engineering_completed",
            section="projects",
            met=len(completed) >= ENGINEERING_COMPLETED,
            params={"count": len(completed)},
        ),
    )


LABELS = {
    "project_records": lambda: _("At least 3 project records with the client's contact details (§4.1.2)"),
    "staff_experience": lambda: _(
        "At least 3 staff, each with at least 2 years of relevant consultancy experience (§3.2.2 a)"
    ),
    "engineering_years": lambda: _(
        "At least 2 years of engineering projects supplying and installing equipment (§3.2.2 b)"
    ),
    "engineering_completed": lambda: _("At least 3 such engineering projects completed (§3.2.2 b)"),
}


def _project_records_reason(p: dict[str, Any]) -> str:
    text = ngettext(
        "%(count)d project record has the client's contact details; 3 are needed.",
        "%(count)d project records have the client's contact details; 3 are needed.",
        p["count"],
    ) % {"count": p["count"]}
    if p.get("without"):
        text += " " + _("Without a contact person and a phone number or email: %(titles)s.") % {
            "titles": ", ".join(p["without"])
        }
    return text


def _staff_reason(p: dict[str, Any]) -> str:
    text = ngettext(
        "%(count)d member of staff has at least 24 months of experience; 3 are needed.",
        "%(count)d members of staff have at least 24 months of experience; 3 are needed.",
        p["count"],
    ) % {"count": p["count"]}
    if p.get("short"):
        text += " " + _("Short of 24 months: %(people)s.") % {
            "people": ", ".join(
                _("%(name)s (%(months)d months)") % {"name": s["name"], "months": s["months"]} for s in p["short"]
            )
        }
    return text


def _engineering_years_reason(p: dict[str, Any]) -> str:
    if not p.get("since"):
        return _("No engineering supply-and-installation project is recorded.")
    return (
        _(
            "%(months)d whole months from %(since)s, the start of the earliest such project, to %(as_of)s; "
            "24 are needed."
        )
        % p
    )


def _engineering_completed_reason(p: dict[str, Any]) -> str:
    return ngettext(
        "%(count)d engineering supply-and-installation project completed; 3 are needed.",
        "%(count)d engineering supply-and-installation projects completed; 3 are needed.",
        p["count"],
    ) % {"count": p["count"]}


REASONS = {
    "project_records": _project_records_reason,
    "staff_experience": _staff_reason,
    "engineering_years": _engineering_years_reason,
    "engineering_completed": _engineering_completed_reason,
}
