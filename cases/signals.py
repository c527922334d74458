"""Signals other apps listen to, so that cases need not know them (the staydown bank does).

Each is sent inside the transaction that records the change, with the PlatformMeasure(s)
concerned: a listener's writes commit or roll back with it.
"""

from django.dispatch import Signal

# A measure (delete, disconnect_link, block) was applied on the platform.
measure_applied = Signal()
# An applied measure was lifted: the content was restored (counter-notice period over, an
# appeal reversed the decision, or staff restored a disputed measure).
measure_lifted = Signal()
# Restores were decided, lifting ``measures`` (an appeal or a dispute reversed the decision,
# or a counter-notice's waiting period ended): sent as the restore operations are recorded,
# before the platform applies them (measure_lifted follows, once it has).
restore_decided = Signal()
