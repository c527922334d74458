"""Identity and authorisation documents are shown to staff holding an explicit permission,
``notices.view_identity_document``: legal and admin get it here; anyone else (a senior
moderator, say) is given it one by one in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("legal", "admin")


def grant(apps, schema_editor):
    notices = apps.get_app_config("notices")
    notices.models_module = True
    create_permissions(notices, apps=apps, verbosity=0)
    notices.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        codename="view_identity_document", content_type__app_label="notices"
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        codename="view_identity_document", content_type__app_label="notices"
    ).first()
    if permission is not None:
        for group in Group.objects.filter(name__in=GROUPS):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0007_evidence_encryption_retention"),
        ("cases", "0002_staff_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
