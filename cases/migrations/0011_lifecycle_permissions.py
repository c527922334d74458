"""The staff roles' permissions on the lifecycle's records and on registered organisations.

Everyone with a role may view counter-notices, appeals, deadline breaches, repeat infringers and
notifier sanctions (all are records, changed only by the services). The admin role manages
organisations and their API tokens (tokens are revoked, never deleted).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    ("cases", "counternotice"),
    ("cases", "appeal"),
    ("cases", "deadlinebreach"),
    ("cases", "repeatinfringer"),
    ("notices", "notifiersanction"),
    ("notices", "organisation"),
    ("notices", "apitoken"),
]
GRANTS = {
    "moderator": [("view", model) for model in VIEW_ALL],
    "legal": [("view", model) for model in VIEW_ALL],
    "admin": [("view", model) for model in VIEW_ALL]
    + [(verb, ("notices", "organisation")) for verb in ("add", "change")]
    + [(verb, ("notices", "apitoken")) for verb in ("add", "change")],
}


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
    dependencies = [
        ("cases", "0010_decision_replaced_by"),
        ("notices", "0006_outbound_email_template"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
