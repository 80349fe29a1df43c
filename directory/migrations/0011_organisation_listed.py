"""`Organisation.listed` (directory/services/listing.py): whether the organisation holds a provisional or
confirmed registration, set here for the organisations already registered."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, OuterRef

LIVE = ("provisional", "confirmed")  # Registration.LIVE when this migration was written


def set_listed(apps, schema_editor):
    Organisation = apps.get_model("directory", "Organisation")
    Registration = apps.get_model("directory", "Registration")
    live = Registration.objects.filter(status__in=LIVE, organisation=OuterRef("pk"))
    Organisation.objects.filter(Exists(live)).update(listed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0010_registration_number_for_every_registration"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="listed",
            field=models.BooleanField(default=False, editable=False, verbose_name="listed in the directory"),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                condition=models.Q(("listed", True)), fields=["name_en", "id"], name="organisation_listed_order"
            ),
        ),
        migrations.RunPython(set_listed, migrations.RunPython.noop),
    ]
