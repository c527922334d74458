from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Notices (intake)"

    def ready(self):
        from . import checks  # noqa: F401 - registers the evidence key checks
