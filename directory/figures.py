"""The register in figures (issue 10 §1): the charts' geometry, drawn on the server as inline SVG
(directory/templates/directory/_bar_chart.html, _month_chart.html) — no JavaScript, nothing from another
site, nothing the Content Security Policy refuses (no `style` attribute: colours and patterns come from
directory.css and the SVG's own `<pattern>`s).

Every chart is readable without colour: each bar carries its number, the three monthly series differ by
pattern (solid, hatched, dotted) as well as colour and have a legend, and a table beside each chart holds
the same figures. The numbers come from `directory.selectors.register_figures`.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Area, Category, Registration
from .text import comma, labelled, semicolon

# Monthly series: transition in the log → (key, label). The key names the SVG pattern and the CSS class.
SERIES = [
    ("grant", "grants", _("Grants")),
    ("expire", "expiries", _("Expiries")),
    ("remove", "removals", _("Removals")),
]


def last_months(today: datetime.date, count: int = 12) -> list[datetime.date]:
    """The first days of the `count` months ending with `today`'s, oldest first."""
    months = []
    year, month = today.year, today.month
    for _i in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: float
    label_y: int
    bar_y: int
    value_x: float
    value_y: int


def bar_chart(rows: list[tuple[str, int]], *, width: int = 480) -> dict[str, Any]:
    """Horizontal bars, one per (label, value): the label above its bar, the number at the bar's end."""
    row_height, bar_height, room_for_number = 54, 18, 56
    largest = max((value for _label, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        top = index * row_height
        length = (width - room_for_number) * value / largest
        bars.append(
            Bar(
                label=str(label),
                value=value,
                y=top,
                width=round(length, 1),
                label_y=top + 17,
                bar_y=top + 26,
                value_x=round(length + 6, 1),
                value_y=top + 26 + bar_height - 3,
            )
        )
    return {"width": width, "height": max(len(rows), 1) * row_height, "bars": bars, "bar_height": bar_height}


@dataclass
class Column:
    key: str
    value: int
    x: float
    y: float
    height: float
    value_y: float
    centre: float


def month_chart(months: list[datetime.date], counts: dict[tuple[datetime.date, str], int]) -> dict[str, Any]:
    """Grouped columns: for each month, one column per series of SERIES, its number above it."""
    width, left, top, plot_height, column, gap = 480, 4, 64, 160, 10, 2
    group = (width - left) / len(months)
    largest = max(counts.values(), default=0) or 1
    groups = []
    for index, month in enumerate(months):
        start = left + index * group + (group - len(SERIES) * (column + gap)) / 2
        columns = []
        for position, (transition, key, _label) in enumerate(SERIES):
            value = counts.get((month, transition), 0)
            height = plot_height * value / largest
            x = start + position * (column + gap)
            columns.append(
                Column(
                    key=key,
                    value=value,
                    x=round(x, 1),
                    y=round(top + plot_height - height, 1),
                    height=round(height, 1),
                    value_y=round(top + plot_height - height - 4, 1),
                    centre=round(x + column / 2, 1),
                )
            )
        groups.append(
            {
                "month": month,
                "centre": round(left + index * group + group / 2, 1),
                "show_year": index == 0 or month.month == 1,
                "columns": columns,
            }
        )
    legend = [
        {"key": key, "label": str(label), "x": 4 + position * 140} for position, (_t, key, label) in enumerate(SERIES)
    ]
    return {
        "width": width,
        "height": top + plot_height + 44,
        "baseline": top + plot_height,
        "column": column,
        "groups": groups,
        "legend": legend,
        "month_y": top + plot_height + 20,
        "year_y": top + plot_height + 38,
    }


def described(rows: list[tuple[Any, Any]]) -> str:
    """A chart's figures in words, its text alternative: `Category 1 — Consultancy: 12; Category 2 …: 5`."""
    return semicolon().join(labelled(label, value) for label, value in rows)


def register_charts(figures: dict[str, Any], months: list[datetime.date]) -> dict[str, Any]:
    """The four charts of the figures page, with the rows of their tables, from the selector's figures."""
    providers, areas = figures["providers"], figures["areas"]
    categories = [(label, providers[f"category_{value}"]) for value, label in Category.choices]
    states = [
        (Registration.Status.PROVISIONAL.label, providers["provisional"]),
        (Registration.Status.CONFIRMED.label, providers["confirmed"]),
    ]
    by_area = [(label, areas[value]) for value, label in Area.choices]
    counts = {(month, transition): count for month, transition, count in figures["monthly"]}
    table = [(month, [counts.get((month, transition), 0) for transition, _key, _label in SERIES]) for month in months]
    series = [str(label) for _t, _k, label in SERIES]
    month_words = [
        f"{month:%Y-%m} " + comma().join(labelled(name, value) for name, value in zip(series, values, strict=True))
        for month, values in table
    ]
    return {
        "total": providers["total"],
        "categories": {"rows": categories, "chart": bar_chart(categories), "desc": described(categories)},
        "states": {"rows": states, "chart": bar_chart(states), "desc": described(states)},
        "areas": {"rows": by_area, "chart": bar_chart(by_area), "desc": described(by_area)},
        "months": {
            "rows": table,
            "series": series,
            "totals": [sum(values[i] for _m, values in table) for i in range(len(SERIES))],
            "chart": month_chart(months, counts),
            "desc": semicolon().join(month_words),
        },
    }
