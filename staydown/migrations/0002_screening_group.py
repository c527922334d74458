"""The group of the platform's screening account (TAKEDOWN_SCREENING_GROUP), so that an
operator only has to add a user to it."""

from django.conf import settings
from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=settings.TAKEDOWN_SCREENING_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("staydown", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
