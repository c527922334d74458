"""The staff roles are Django groups: moderator, legal and admin.

Each gets the model permissions its Django admin pages need. Nobody gets change or delete
permission on the action log or on decisions: those are append-only for every role.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    ("notices", "notice"),
    ("notices", "reporteditem"),
    ("notices", "evidencefile"),
    ("cases", "case"),
    ("cases", "matchresult"),
    ("cases", "decision"),
    ("cases", "platformmeasure"),
    ("cases", "actionlog"),
]

ROLE_PERMISSIONS = {
    "moderator": [("view", model) for model in VIEW_ALL],
    "legal": [("view", model) for model in VIEW_ALL] + [("change", ("cases", "case"))],
    "admin": [("view", model) for model in VIEW_ALL]
    + [("change", ("cases", "case")), ("change", ("notices", "notice"))]
    + [(verb, ("auth", "user")) for verb in ("view", "add", "change")]
    + [(verb, ("authtoken", "token")) for verb in ("view", "add", "delete")],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for verb, (app_label, model) in grants:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=f"{verb}_{model}"
            ).first()
            if permission is not None:
                group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("notices", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
