"""The end of a temporary measure (a decision's ``ends_on``), checked when the decision is taken.

A decision is never edited, and its end date goes to the EU Transparency Database with the
statement of reasons, which refuses an end before the day the measure applies or after its last
accepted date: a wrong date let through here would hold that statement back for good.
"""

from __future__ import annotations

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import dsa_schema
from .errors import InvalidInput

# The last end date the Transparency Database accepts.
LAST_END_DATE = datetime.date.fromisoformat(dsa_schema.LAST_DATE)


def _refuse(message: str):
    raise InvalidInput(message, field_errors={"ends_on": [message]})


def checked_ends_on(ends_on, *, today: datetime.date | None = None) -> datetime.date | None:
    """``ends_on`` as a date, or None for an indefinite measure. It must fall after ``today``
    (the decision's day, when the measure applies) and on or before LAST_END_DATE; anything else
    is refused with the reason, on the ``ends_on`` field."""
    if ends_on in (None, ""):
        return None
    if isinstance(ends_on, datetime.datetime):
        ends_on = ends_on.date()
    elif isinstance(ends_on, str):
        try:
            ends_on = datetime.date.fromisoformat(ends_on.strip())
        except ValueError:
            _refuse(
                _("ends_on must be a date in the format YYYY-MM-DD, not %(value)r.")
                % {"value": ends_on}
            )
    elif not isinstance(ends_on, datetime.date):
        _refuse(_("ends_on must be a date in the format YYYY-MM-DD."))
    today = today or timezone.localdate()
    if ends_on <= today:
        _refuse(
            _(
                "ends_on (%(date)s) must be after today (%(today)s), the day the measure "
                "applies. Leave it empty for a measure without an end."
            )
            % {"date": formats.date_format(ends_on), "today": formats.date_format(today)}
        )
    if ends_on > LAST_END_DATE:
        _refuse(
            _(
                "ends_on (%(date)s) is after %(last)s, the last end date the EU Transparency "
                "Database accepts. Leave it empty for a measure without an end."
            )
            % {"date": formats.date_format(ends_on), "last": formats.date_format(LAST_END_DATE)}
        )
    return ends_on
