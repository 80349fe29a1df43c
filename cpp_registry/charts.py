"""Bar charts drawn on the server as inline SVG (issue 10 §4): no script, no library, nothing from elsewhere
(the Content-Security-Policy forbids inline script; SVG inline in the HTML is only markup).

Each chart is readable without colour: every series has its own pattern (solid, hatched, dotted, open …)
drawn in the text's colour (`currentColor`, so the admin's dark theme draws it light), a legend that shows
the patterns, and numbers written on the chart itself. `figure()` puts the chart in a `<figure>` with its
`<figcaption>`, the SVG as `role="img"` labelled by the caption and a one-sentence description, and the
same numbers as a table beside it — the table is what a screen reader and a spreadsheet read.

Reusable: build a `Chart` (categories along the axis, one `Series` of numbers per thing counted) and call
`figure(chart)` in a view or `svg(chart)` for the picture alone. The SVG uses presentation attributes only
(no `style` attribute, which the policy would block), so it needs no stylesheet.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PATTERNS = ("solid", "hatch", "dots", "open", "cross")
WIDTH = 640
FONT = 12


@dataclass(frozen=True)
class Series:
    """One thing counted, a number per category, drawn with its own pattern."""

    label: str
    values: Sequence[int]
    pattern: str = ""  # one of PATTERNS; by default the series' position in the chart


@dataclass(frozen=True)
class Chart:
    """A bar chart: categories along the axis (months, kinds), one bar (or one segment when `stacked`) per
    series in each. `horizontal`: one bar per category, its label above it (long labels, few categories)."""

    key: str  # unique on the page: the ids of the caption, the description and the patterns
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    summary: str = ""  # one sentence for screen readers: what the chart shows, the main numbers
    category_heading: str = ""  # the table's first column ("Month", "Clock")
    stacked: bool = False
    horizontal: bool = False
    total_label: str = ""  # when set, the table has a total column with this heading
    sublabels: Sequence[str] = field(default_factory=tuple)  # a second line under some category labels (a year)
    row_headings: Sequence[str] = field(default_factory=tuple)  # the table's names of the categories, if longer

    def pattern(self, index: int) -> str:
        chosen = self.series[index].pattern
        return chosen if chosen in PATTERNS else PATTERNS[index % len(PATTERNS)]

    def totals(self) -> list[int]:
        return [sum(s.values[i] for s in self.series) for i in range(len(self.categories))]

    def rows(self) -> list[tuple[str, list[int], int]]:
        """(category, the series' numbers, their total) per category: the table beside the chart."""
        names = self.row_headings or self.categories
        return [
            (name, [s.values[i] for s in self.series], total)
            for i, (name, total) in enumerate(zip(names, self.totals(), strict=True))
        ]


def _n(value: float) -> str:
    """A coordinate: never localised (a decimal comma would break the SVG)."""
    return f"{value:.1f}".removesuffix(".0")


def _defs(chart: Chart) -> SafeString:
    """The patterns, drawn in the text's colour on nothing (the page shows through)."""
    key = chart.key
    parts = [
        format_html(
            '<pattern id="{}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
            'patternTransform="rotate(45)"><rect width="2.5" height="6" fill="currentColor"/></pattern>',
            key,
        ),
        format_html(
            '<pattern id="{}-dots" patternUnits="userSpaceOnUse" width="5" height="5">'
            '<circle cx="2.5" cy="2.5" r="1.4" fill="currentColor"/></pattern>',
            key,
        ),
        format_html(
            '<pattern id="{}-cross" patternUnits="userSpaceOnUse" width="6" height="6">'
            '<path d="M0 0L6 6M6 0L0 6" stroke="currentColor" stroke-width="1"/></pattern>',
            key,
        ),
    ]
    return format_html("<defs>{}</defs>", mark_safe("".join(parts)))  # noqa: S308 (built with format_html)


def _box(chart: Chart, pattern: str, x: float, y: float, width: float, height: float) -> SafeString:
    """One bar or segment (or a legend's swatch), outlined so that touching segments stay apart."""
    if width <= 0 or height <= 0:
        return mark_safe("")
    fill = {
        "solid": "currentColor",
        "open": "none",
        "hatch": f"url(#{chart.key}-hatch)",
        "dots": f"url(#{chart.key}-dots)",
        "cross": f"url(#{chart.key}-cross)",
    }[pattern]
    opacity = ' fill-opacity="0.8"' if pattern == "solid" else ""
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{} stroke="currentColor" stroke-width="1"/>',
        _n(x),
        _n(y),
        _n(width),
        _n(height),
        fill,
        mark_safe(opacity),  # noqa: S308 (a constant)
    )


def _text(
    x: float, y: float, text: object, *, anchor: str = "start", size: int = FONT, bold: bool = False
) -> SafeString:
    weight = ' font-weight="bold"' if bold else ""
    return format_html(
        '<text x="{}" y="{}" font-size="{}" text-anchor="{}" fill="currentColor"{}>{}</text>',
        _n(x),
        _n(y),
        size,
        anchor,
        mark_safe(weight),  # noqa: S308 (a constant)
        text,
    )


def _legend(chart: Chart, y: float) -> list[SafeString]:
    parts, x = [], 0.0
    for index, series in enumerate(chart.series):
        parts.append(_box(chart, chart.pattern(index), x, y, 14, 14))
        parts.append(_text(x + 20, y + 12, series.label))
        x += 20 + 7.5 * len(series.label) + 24  # a rough width; labels are short ("On time", "Late")
    return parts


def _vertical(chart: Chart) -> tuple[list[SafeString], float]:
    top, bottom, height = 34.0, 40.0, 200.0
    plot = height - top - bottom
    n = max(len(chart.categories), 1)
    band = WIDTH / n
    peak = max([*(chart.totals() if chart.stacked else [v for s in chart.series for v in s.values]), 1])
    scale = (plot - 16) / peak  # room for the numbers over the tallest bar
    base = top + plot
    parts = _legend(chart, 4)
    parts.append(
        format_html(
            '<line x1="0" x2="{}" y1="{}" y2="{}" stroke="currentColor" stroke-width="1"/>', WIDTH, _n(base), _n(base)
        )
    )
    for i, category in enumerate(chart.categories):
        left = i * band
        centre = left + band / 2
        if chart.stacked:
            width, y = band * 0.6, base
            for index, series in enumerate(chart.series):
                h = series.values[i] * scale
                parts.append(_box(chart, chart.pattern(index), centre - width / 2, y - h, width, h))
                y -= h
            parts.append(_text(centre, y - 4, chart.totals()[i], anchor="middle", size=11, bold=True))
        else:
            group = band * 0.8
            width = group / max(len(chart.series), 1)
            for index, series in enumerate(chart.series):
                x = left + (band - group) / 2 + index * width
                h = series.values[i] * scale
                parts.append(_box(chart, chart.pattern(index), x + 1, base - h, width - 2, h))
                parts.append(_text(x + width / 2, base - h - 4, series.values[i], anchor="middle", size=10))
        parts.append(_text(centre, base + 16, category, anchor="middle", size=11))
        if i < len(chart.sublabels) and chart.sublabels[i]:
            parts.append(_text(centre, base + 32, chart.sublabels[i], anchor="middle", size=11))
    return parts, height


def _horizontal(chart: Chart) -> tuple[list[SafeString], float]:
    """One bar per category under its label; the series' numbers written after the bar, by name."""
    row, bar, top = 46.0, 18.0, 30.0
    room = WIDTH * 0.55  # the longest bar; the rest of the width holds the numbers
    peak = max([*chart.totals(), 1])
    scale = room / peak
    parts = _legend(chart, 4)
    for i, category in enumerate(chart.categories):
        y = top + i * row
        parts.append(_text(0, y + 12, category))
        x = 0.0
        for index, series in enumerate(chart.series):
            w = series.values[i] * scale
            parts.append(_box(chart, chart.pattern(index), x, y + 18, w, bar))
            x += w
        numbers = " · ".join(f"{s.label} {s.values[i]}" for s in chart.series)
        parts.append(_text(x + 8, y + 18 + 13, numbers, size=11))
    return parts, top + len(chart.categories) * row + 4


def svg(chart: Chart) -> SafeString:
    """The chart as inline SVG, labelled by the figure's caption and described by `chart.summary`."""
    parts, height = _horizontal(chart) if chart.horizontal else _vertical(chart)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{key}-title {key}-desc" '
        'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<desc id="{key}-desc">{summary}</desc>{defs}{body}</svg>',
        key=chart.key,
        width=WIDTH,
        height=_n(height),
        summary=chart.summary or chart.title,
        defs=_defs(chart),
        body=mark_safe("".join(parts)),  # noqa: S308 (each part built with format_html)
    )


def table(chart: Chart) -> SafeString:
    """The chart's numbers: a row per category, a column per series (and the total when asked)."""
    headings = [chart.category_heading, *(s.label for s in chart.series)]
    if chart.total_label:
        headings.append(chart.total_label)
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headings))
    body = []
    for category, values, total in chart.rows():
        cells = [*values, total] if chart.total_label else values
        body.append(
            format_html(
                '<tr><th scope="row">{}</th>{}</tr>',
                category,
                format_html_join("", '<td class="number">{}</td>', ((v,) for v in cells)),
            )
        )
    return format_html(
        '<table class="bo-chart-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
        head,
        mark_safe("".join(body)),  # noqa: S308 (each row built with format_html)
    )


def figure(chart: Chart) -> SafeString:
    """The chart and its table in one `<figure>`, captioned by the chart's title."""
    return format_html(
        '<figure class="bo-chart" id="{key}"><figcaption id="{key}-title">{title}</figcaption>'
        '<div class="bo-chart-body"><div class="bo-chart-picture">{svg}</div>{table}</div></figure>',
        key=chart.key,
        title=chart.title,
        svg=svg(chart),
        table=table(chart),
    )
