"""The directory's search column: filled for existing rows, and on PostgreSQL indexed with pg_trgm.

`GIN (search_text gin_trgm_ops)` serves `search_text LIKE '%…%'` (Django's `contains`) for three
characters or more. pg_trgm sees Chinese characters only in a database whose LC_CTYPE is UTF-8 (the
system check directory.W001 says so). On SQLite both operations do nothing, so the same migrations run
everywhere.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "directory_organisation_search_trgm"


def fill_search_text(apps, schema_editor):
    from directory.search import search_text_for

    Organisation = apps.get_model("directory", "Organisation")
    batch = []
    for organisation in Organisation.objects.only("id", "name_en", "name_zh").iterator(chunk_size=2000):
        organisation.search_text = search_text_for(organisation.name_en, organisation.name_zh)
        batch.append(organisation)
        if len(batch) >= 2000:
            Organisation.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Organisation.objects.bulk_update(batch, ["search_text"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON directory_organisation USING gin (search_text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_organisation_contacts_funded_projects_contact_changes"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
