"""Notices record when they were last handed to the worker (`queued_at`) and when the task stopped
retrying (`given_up_at`), so that a scheduled sweep can queue again a notice that was committed but never
reached the worker, and leave alone the ones that gave up.

Existing rows: handed over when they were written (`created_at`); an unsent row that used its first try and
all three retries (4 attempts, the task of the time) had given up — we do not know exactly when, so its
last moment we know, `created_at`, is kept. Every other unsent row is picked up by the first sweep.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F

ATTEMPTS_WHEN_GIVEN_UP = 4  # the first try and RETRY_DELAYS' three retries, as the task was at this point


def backfill(apps, schema_editor):
    Notice = apps.get_model("core", "Notice")
    Notice.objects.update(queued_at=F("created_at"))
    Notice.objects.filter(sent_at__isnull=True, attempts__gte=ATTEMPTS_WHEN_GIVEN_UP).update(
        given_up_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="queued_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When it was last handed to the worker for sending.",
                verbose_name="queued",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="given_up_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When sending stopped after its retries; resend to try again.",
                null=True,
                verbose_name="given up",
            ),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                condition=models.Q(("given_up_at__isnull", True), ("sent_at__isnull", True)),
                fields=["queued_at"],
                name="notice_unsent_queued_idx",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
