"""Cells a spreadsheet shows as text, never runs as a formula (CSV injection).

A provider writes its own contact details (§5.2.1) and anyone downloads the directory's CSV; Excel and
LibreOffice run a cell that starts with `=`, `+`, `-` or `@` (and some after a tab or a carriage return) as a
formula — `=HYPERLINK("http://evil", "x")` becomes a link. Following OWASP's advice, such a cell is prefixed
with a single quote, which makes the spreadsheet show the rest as text; write the file with every field
quoted (`csv.QUOTE_ALL`), so that no separator inside a cell starts a new one. Every CSV or XLSX export
of the portal passes each cell through `csv_safe`.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """`value` as a string a spreadsheet shows as text: prefixed with `'` when it would start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text
