"""The legal and admin roles may view which statements of reasons were exported (they are the
roles that export them); the rows are records written by the export, never edited."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {role: [("view", ("cases", "statementexport"))] for role in ("legal", "admin")}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for verb, (app_label, model) in grants:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=f"{verb}_{model}"
            ).first()
            if permission is not None:
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_statement_exports_account_notice")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
