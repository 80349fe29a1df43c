"""The committee knows no subject: a motion's provider is no longer a foreign key to the register. What the
motion is about stays its generic subject; its name is kept as a label (for lists and search), copied here
from the organisation each existing motion named."""

from django.db import migrations, models


def copy_names(apps, schema_editor):
    Motion = apps.get_model("committee", "Motion")
    for motion in Motion.objects.select_related("organisation").iterator():
        Motion.objects.filter(pk=motion.pk).update(
            subject_label_en=motion.organisation.name_en[:300],
            subject_label_zh=(motion.organisation.name_zh or motion.organisation.name_en)[:300],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("committee", "0002_uploaded_documents_validated"),
        ("directory", "0007_directory_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmotion",
            name="subject_label_en",
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name="about (English)"),
        ),
        migrations.AddField(
            model_name="historicalmotion",
            name="subject_label_zh",
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name="about (Chinese)"),
        ),
        migrations.AddField(
            model_name="motion",
            name="subject_label_en",
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name="about (English)"),
        ),
        migrations.AddField(
            model_name="motion",
            name="subject_label_zh",
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name="about (Chinese)"),
        ),
        migrations.RunPython(copy_names, migrations.RunPython.noop),
        migrations.RemoveField(model_name="historicalmotion", name="organisation"),
        migrations.RemoveField(model_name="motion", name="organisation"),
    ]
