"""Listeners of the cases app's measure signals: bank a taken-down image, unbank a restored one
as soon as the restore is decided (and again, harmlessly, when the platform has restored it).

They only call the services; they run inside the transaction that records the measure, so the
bank changes commit or roll back with it.
"""

from . import services


def on_measure_applied(sender, measure, **kwargs):
    services.bank_add_for_measure(measure=measure)


def on_restore_decided(sender, measures, **kwargs):
    for measure in measures:
        services.bank_remove_for_measure(
            measure=measure, reason=f"restore decided (lifting measure {measure.pk})"
        )


def on_measure_lifted(sender, measure, **kwargs):
    services.bank_remove_for_measure(measure=measure)
