"""System check: Chinese search on PostgreSQL needs a UTF-8 LC_CTYPE (pg_trgm sees no Chinese character otherwise).

pg_trgm builds no trigram from Chinese characters in a database whose LC_CTYPE is plain `C`, so a search
for 環保 would silently find nothing through the index. Runs with the database checks (`migrate`,
`check --database default`) and at the start of `make bench`.
"""

from django.core.checks import Tags, Warning, register
from django.db import connections


def lc_ctype_problems(connection):
    """The database's LC_CTYPE, or None when it is fine (or not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        row = cursor.fetchone()
    ctype = (row[0] if row else "") or ""
    normalised = ctype.lower().replace("-", "")
    return None if normalised.endswith(".utf8") or normalised == "utf8" else ctype


@register(Tags.database)
def check_lc_ctype(app_configs=None, databases=None, **kwargs):
    messages = []
    for alias in databases or ():
        connection = connections[alias]
        try:
            ctype = lc_ctype_problems(connection)
        except Exception as exc:  # the database may not be reachable yet; other checks report that
            messages.append(Warning(f"Could not read LC_CTYPE of database {alias!r}: {exc}", id="directory.W002"))
            continue
        if ctype is not None:
            messages.append(
                Warning(
                    f"Database {alias!r} has LC_CTYPE {ctype!r}, not a UTF-8 locale: pg_trgm builds no "
                    "trigrams from Chinese characters, so the directory's Chinese search cannot use its index.",
                    hint="Create the database with LC_CTYPE 'C.UTF-8' (CREATE DATABASE … LC_CTYPE 'C.UTF-8' "
                    "TEMPLATE template0) and restore the data into it.",
                    id="directory.W001",
                )
            )
    return messages
