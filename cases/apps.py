from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases (review and action)"

    def ready(self):
        from . import checks  # noqa: F401  (registers the redress policy check)
