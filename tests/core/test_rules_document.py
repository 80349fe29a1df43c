"""docs/rules.md is the project's statement of the rules: each rule the portal enforces, with its § of the
programme's guide, the service that enforces it and the tests that prove it. This file keeps it true.

How a test carries a §: its name holds `section_` and the number with underscores
(`test_section_3_3_1_…` carries §3.3.1; a number ends where a word starts, so write
`test_section_6_1_4_ten_working_days`, never `test_section_6_1_4_10_…`), or its docstring names the §
(`§3.3.1`). A range (`§5.2.1–5.2.2`) carries only its first §. A § is carried exactly: §3.3 is not §3.3.1.

What fails here:
- a § listed as enforced that no test in tests/ carries (the failure lists every uncovered §);
- a rule whose "proved by" tests do not, between them, carry every § of that rule;
- a "proved by" test or an "enforced by" name that does not exist;
- a row that does not follow the document's format;
- a link to, or the name of, a file outside the repository (the rules live in docs/rules.md).

The rules under "Not yet enforced" are read too, but need no test.
"""

import ast
import importlib
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "rules.md"
TESTS = ROOT / "tests"

ENFORCED_HEADER = ["§", "rule", "decision", "enforced by", "proved by"]
NOT_YET_HEADER = ["§", "rule", "what exists today"]
NOT_YET_AREA = "Not yet enforced"

SECTION = re.compile(r"§(\d+(?:\.\d+)*)")
NAME_SECTION = re.compile(r"section((?:_\d+)+)")
CODE = re.compile(r"`([^`]+)`")
NO_SECTION = "—"


@dataclass(frozen=True)
class Row:
    area: str
    line: int
    sections: tuple
    rule: str
    decision: str
    enforced_by: tuple
    proved_by: tuple

    def where(self):
        return f"docs/rules.md line {self.line} ({self.area})"


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@cache
def tables():
    """{area: [(line number, header, cells)]} for every table row of the document, separators left out."""
    found = {}
    area, header = None, None
    for number, line in enumerate(RULES.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("## "):
            area, header = line[3:].strip(), None
            continue
        if not line.startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = cells
            continue
        if all(set(cell) <= set("-: ") for cell in cells):
            continue
        found.setdefault(area, []).append((number, header, cells))
    return found


@cache
def enforced_rows():
    rows = []
    for area, lines in tables().items():
        if area == NOT_YET_AREA:
            continue
        for number, header, cells in lines:
            assert header == ENFORCED_HEADER, (
                f"docs/rules.md line {number}: a table of rules has the columns {ENFORCED_HEADER}"
            )
            assert len(cells) == len(header), f"docs/rules.md line {number}: {len(cells)} cells, not {len(header)}"
            section, rule, decision, enforced_by, proved_by = cells
            rows.append(
                Row(
                    area=area,
                    line=number,
                    sections=tuple(SECTION.findall(section)),
                    rule=rule,
                    decision=decision,
                    enforced_by=tuple(CODE.findall(enforced_by)),
                    proved_by=tuple(CODE.findall(proved_by)),
                )
            )
    return rows


def sections_carried(name, docstring):
    carried = {match.replace("_", ".").strip(".") for match in NAME_SECTION.findall(name)}
    return carried | set(SECTION.findall(docstring or ""))


@cache
def collected_tests():
    """{"tests/…/test_x.py::test_name": the §s it carries} for every test function under tests/."""
    found = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                node_id = f"{path.relative_to(ROOT).as_posix()}::{node.name}"
                found[node_id] = sections_carried(node.name, ast.get_docstring(node))
    return found


def test_a_name_or_a_docstring_carries_a_section():
    assert sections_carried("test_section_3_3_1_granted_2026_03_15_is_valid", "") == {"3.3.1"}
    assert sections_carried("test_section_5_2_the_second_save", "") == {"5.2"}
    assert sections_carried("test_a_rule", "§6.1.4 via the calendar; §5.2.1–5.2.2.") == {"6.1.4", "5.2.1"}
    assert sections_carried("test_a_rule", "issue 4 §5, no guide section") == {"5"}
    assert sections_carried("test_sections_are_not_dates_2026_03_15", "") == set()


def test_the_document_follows_its_format():
    assert NOT_YET_AREA in tables(), "docs/rules.md has a section “Not yet enforced”"
    for number, header, cells in tables()[NOT_YET_AREA]:
        assert header == NOT_YET_HEADER, f"docs/rules.md line {number}: columns {NOT_YET_HEADER}"
        assert SECTION.search(cells[0]), f"docs/rules.md line {number}: a rule not yet enforced still names its §"
    rows = enforced_rows()
    assert len(rows) >= 30
    problems = []
    for row in rows:
        if not row.sections and not row.decision.startswith("Decision"):
            problems.append(f"{row.where()}: a rule with no § of the guide must be a decision")
        if not (row.decision == NO_SECTION or row.decision.startswith("Decision: ")):
            problems.append(f"{row.where()}: the decision is “—” or starts with “Decision: ”")
        if not row.rule:
            problems.append(f"{row.where()}: the rule is empty")
        if not row.enforced_by:
            problems.append(f"{row.where()}: names nothing that enforces it")
        if not row.proved_by:
            problems.append(f"{row.where()}: names no test that proves it")
    assert not problems, "\n".join(problems)


def test_every_enforced_section_is_carried_by_a_test():
    """The list the document promises: every § it calls enforced has a test that carries it."""
    carried = set().union(*collected_tests().values())
    listed = {section for row in enforced_rows() for section in row.sections}
    uncovered = sorted(listed - carried, key=lambda s: [int(part) for part in s.split(".")])
    assert not uncovered, (
        "These §s are listed as enforced in docs/rules.md but no test carries them (name a test "
        "test_section_<n>_… or mention the § in its docstring): " + ", ".join(f"§{s}" for s in uncovered)
    )


def test_each_rule_is_proved_by_tests_that_carry_its_sections():
    problems = []
    for row in enforced_rows():
        carried = set().union(*(collected_tests().get(test, set()) for test in row.proved_by))
        missing = [s for s in row.sections if s not in carried]
        if missing:
            problems.append(
                f"{row.where()}: none of its “proved by” tests carries " + ", ".join(f"§{s}" for s in missing)
            )
    assert not problems, "\n".join(problems)


def test_every_test_the_document_names_exists():
    known = collected_tests()
    missing = [f"{row.where()}: {test}" for row in enforced_rows() for test in row.proved_by if test not in known]
    assert not missing, "“proved by” names a test that does not exist:\n" + "\n".join(missing)


def _resolves(name):
    """A file of the repository (`templates/base.html`) or an importable dotted name (`module.attribute`)."""
    if "/" in name:
        return (ROOT / name).is_file()
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                target = getattr(target, attribute)
        except AttributeError:
            return False
        return True
    return False


def test_everything_the_document_names_as_enforcing_exists():
    missing = [f"{row.where()}: {name}" for row in enforced_rows() for name in row.enforced_by if not _resolves(name)]
    assert not missing, "“enforced by” names something that does not exist:\n" + "\n".join(missing)


SKIPPED_DIRECTORIES = {".git", ".venv", "var", "__pycache__", "node_modules", "staticfiles", "media"}
# The sibling folder of planning notes the project grew from, which a clone does not have; its name is
# assembled so that this file does not carry the very reference it forbids.
SIBLING = "shared"
OUTSIDE = re.compile(rf"\.\./{SIBLING}|{SIBLING}/(?:SPEC|STYLE|STACK)|\b(?:SPEC|STYLE)\.md\b")


def test_nothing_in_the_repository_points_outside_it():
    """The repository stands on its own: a clone has none of the planning notes beside it, so nothing may
    link or refer to them."""
    me = Path(__file__).resolve()
    offenders = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED_DIRECTORIES]
        for file_name in files:
            path = Path(directory) / file_name
            if path == me:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue  # binary (a compiled catalogue, an image)
            for number, line in enumerate(text.splitlines(), 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offenders, "Refers to a file outside the repository (cite docs/rules.md instead):\n" + "\n".join(
        offenders
    )
