from django.apps import AppConfig


class DemoPlatformConfig(AppConfig):
    """A small social platform of its own, which takedown moderates in the embedded default."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo_platform"
    verbose_name = "Demo platform"
