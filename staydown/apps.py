from django.apps import AppConfig


class StaydownConfig(AppConfig):
    name = "staydown"
    verbose_name = "Staydown bank (removed images)"

    def ready(self):
        from cases import signals

        from . import receivers

        signals.measure_applied.connect(receivers.on_measure_applied, dispatch_uid="staydown-add")
        signals.restore_decided.connect(
            receivers.on_restore_decided, dispatch_uid="staydown-restore-decided"
        )
        signals.measure_lifted.connect(receivers.on_measure_lifted, dispatch_uid="staydown-lift")
