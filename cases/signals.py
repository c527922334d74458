"""Signals other apps listen to, so that cases need not know them (the staydown bank does).

Both are sent inside the transaction that records the change, with ``measure`` the
PlatformMeasure concerned: a listener's writes commit or roll back with it.
"""

from django.dispatch import Signal

# A measure (delete, disconnect_link, block) was applied on the platform.
measure_applied = Signal()
# An applied measure was lifted: the content was restored (counter-notice period over, an
# appeal reversed the decision, or staff restored a disputed measure).
measure_lifted = Signal()
