"""The rows of the directory's list, and the options of its search form, as HTML written here rather than
in a template (issue 11 §4).

A page read from the database after a change to the register must cost no more than a few times the
lightest request; Django's template language took 2.3 ms for the 20 rows of a page, this function about a
fifth of that. It writes the markup `directory/_results.html` wrapped in its loop before, and nothing
else: every value passes through `escape` (tests/directory/test_directory_rows.py feeds it markup and
quotes). Everything around the rows — the count, the legend, the table's head, the pages — stays in the
template.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe


def rows_html(rows: list[dict], *, detail_prefix: str, labels: dict[str, str]) -> SafeString:
    """The <tr> of each row (`directory.views._rows`): the provider's name linking to its page, its live
    registrations with their state in words beside the P marker, its areas of work and its contact.
    `labels`: `registrations`, `areas`, `contact` (each cell's heading, shown beside it on a phone) and
    `provisional` (the P marker's title)."""
    registrations_label = escape(labels["registrations"])
    areas_label = escape(labels["areas"])
    contact_label = escape(labels["contact"])
    provisional_title = escape(labels["provisional"])
    prefix = escape(detail_prefix)
    out = []
    for row in rows:
        other = f'<div class="small fw-normal">{escape(row["other"])}</div>' if row["other"] else ""
        registrations = "".join(
            '<li><span class="registration-number">{number}</span> <span class="registration-category">{category}'
            "</span><br>{state}</li>".format(
                number=escape(registration["number"]),
                category=escape(str(registration["category"])),
                state=(
                    f'<span class="badge p-marker" title="{provisional_title}">P</span> '
                    f'<span class="registration-state">{escape(registration["state"])}</span>'
                    if registration["provisional"]
                    else '<span class="registration-state registration-confirmed">'
                    f"{escape(registration['state'])}</span>"
                ),
            )
            for registration in row["registrations"]
        )
        if row["areas"]:
            areas = "".join(f"<li>{escape(str(label))}</li>" for label in row["areas"])
            areas = f'<ul class="list-unstyled mb-0">{areas}</ul>'
        else:
            areas = "—"
        contact = []
        if row["person"]:
            contact.append(f"{escape(row['person'])}<br>")
        if row["phones"]:
            contact.append(f"{escape(row['phones'])}<br>")
        if row["email"]:
            email = escape(row["email"])
            contact.append(f'<a href="mailto:{email}">{email}</a>')
        out.append(
            f'<tr><th scope="row" data-label=""><a href="{prefix}{row["pk"]}/">{escape(row["name"])}</a>{other}</th>'
            f'<td data-label="{registrations_label}">'
            f'<ul class="list-unstyled mb-0 registrations">{registrations}</ul></td>'
            f'<td data-label="{areas_label}" class="small">{areas}</td>'
            f'<td data-label="{contact_label}" class="small">{"".join(contact)}</td></tr>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def options_html(choices, current: str) -> SafeString:
    """The <option>s of a drop-down of the search form, the `current` value selected."""
    return mark_safe(  # noqa: S308 — every value is escaped
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if str(value) == current else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )
