"""The figures of the staff dashboard and of the transparency report, for a period of days.

Every figure is an aggregate query: counts grouped in the database, and percentiles of the
time to decision read as one row each from a query ordered by that time (nearest rank), so
the number of queries and the rows that reach Python do not grow with the number of cases.

A period is a range of whole days in the site's time zone, both ends included.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import Cast, RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from notices.models import Notice, NotifierSanction, Organisation, ReportedItem, UseType

from .models import (
    RESTORE,
    Appeal,
    DeadlineBreach,
    Decision,
    PlatformMeasure,
    Verdict,
)
from .selectors import dashboard_figures

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
# A longer period is refused: a chart of one bar per day stays readable, and a year (with a
# leap day and some margin) is what a yearly transparency report needs.
MAX_DAYS = 400
TOP = 10
FIRST_OUTCOMES = (Decision.Outcome.UPHOLD, Decision.Outcome.REJECT)


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def since(self) -> datetime.datetime:
        return _start_of(self.first)

    @property
    def until(self) -> datetime.datetime:
        """The start of the day after the last: the end, excluded."""
        return _start_of(self.last + datetime.timedelta(days=1))

    def query(self) -> str:
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"

    def dates(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range(self.days)]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def last_days(days: int, today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(today - datetime.timedelta(days=days - 1), today)


def parse_period(params, today: datetime.date | None = None) -> tuple[Period, list[str]]:
    """The period asked for in `params` (``days`` = a preset, or ``from`` and ``to`` as
    YYYY-MM-DD), and the problems found; with a problem, the default period (last 30 days)."""
    today = today or timezone.localdate()
    default = last_days(DEFAULT_DAYS, today)
    days = (params.get("days") or "").strip()
    start, end = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    if days and not (start or end):
        if days in {str(n) for n in PRESETS}:
            return last_days(int(days), today), []
        presets = ", ".join(str(n) for n in PRESETS)
        return default, [_("Choose a period of %(presets)s days.") % {"presets": presets}]
    if not (start or end):
        return default, []
    problems = []
    first = _parse_day(start, _("The start date"), problems)
    last = _parse_day(end, _("The end date"), problems)
    if problems:
        return default, problems
    if first > last:
        return default, [_("The start date must not be after the end date.")]
    if first > today:
        return default, [_("The period must not start in the future.")]
    period = Period(first, last)
    if period.days > MAX_DAYS:
        return default, [_("A period can be at most %(days)d days long.") % {"days": MAX_DAYS}]
    return period, []


def _parse_day(text: str, name: str, problems: list[str]) -> datetime.date | None:
    if not text:
        problems.append(_("%(name)s is missing.") % {"name": name})
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        problems.append(
            _("%(name)s “%(value)s” is not a date in the form YYYY-MM-DD.")
            % {"name": name, "value": text[:40]}
        )
        return None


# --- Helpers -----------------------------------------------------------------------------


def _counts(queryset: QuerySet, field: str) -> dict[str, int]:
    rows = queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n")
    return {key: n for key, n in sorted(rows, key=lambda row: (-row[1], str(row[0])))}


def nearest_rank(count: int, pct: float) -> int:
    """The 0-based index of the nearest-rank percentile among `count` ordered values."""
    return max(1, math.ceil(pct / 100 * count)) - 1


class Seconds(Func):
    """``end - start`` in seconds, computed by the database's own date functions (Django's
    generic duration on SQLite calls back into Python for every row)."""

    output_field = FloatField()

    def __init__(self, end: str, start: str):
        super().__init__(F(end), F(start))

    def _sides(self, compiler, connection):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return end, start, (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start, params = self._sides(compiler, connection)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params

    def as_sql(self, compiler, connection, **extra_context):
        end, start, params = self._sides(compiler, connection)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))", params


class _PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile: the first value whose cumulative share reaches
    the fraction (the same value as `nearest_rank`), in one pass."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        # Not a parameter: a float the code chose, written as a literal.
        super().__init__(expression, fraction=f"{float(fraction):.6f}", **extra)


class _HourOf(Func):
    """The whole hours of a duration in seconds (truncated): the bucket a duration is counted
    in on SQLite, where the percentiles are found from the buckets' counts."""

    template = "CAST((%(expressions)s) / 3600.0 AS INTEGER)"
    output_field = IntegerField()


def _sqlite_percentiles(
    queryset: QuerySet, start: str, end: str, pcts, **aggregates
) -> tuple[dict, dict[int, datetime.timedelta | None]]:
    """SQLite has no percentile aggregate, and ordering every duration of a year is a sort of
    the whole period. Instead: one grouped pass counts the durations per whole hour (and the
    `aggregates`, which must be counts, summed here over the hours); the nearest rank of each
    percentile falls in a known hour, and a second query numbers only the durations of those
    hours and reads the one row of each rank. Exact: the same value as ordering them all."""
    took = Seconds(end, start)
    rows = list(
        queryset.order_by()
        .annotate(_hour=_HourOf(took))
        .values("_hour")
        .annotate(_n=Count("pk"), **aggregates)
        .values_list("_hour", "_n", *aggregates)
    )
    values = {name: sum(row[2 + i] for row in rows) for i, name in enumerate(aggregates)}
    hours = sorted((row[0], row[1]) for row in rows if row[0] is not None)
    count = sum(n for _hour, n in hours)
    if not count:
        return values, {pct: None for pct in pcts}
    # Each percentile's hour and its rank among the durations of that hour.
    wanted = {}
    for pct in pcts:
        rank, below = nearest_rank(count, pct), 0
        for hour, n in hours:
            if rank < below + n:
                wanted[pct] = (hour, rank - below)
                break
            below += n
    chosen = sorted({hour for hour, _rank in wanted.values()})
    sizes = dict(hours)
    # Numbered over the chosen hours together, in order: an hour's rows follow the earlier's.
    offset = {hour: sum(sizes[h] for h in chosen[:i]) for i, hour in enumerate(chosen)}
    numbers = {pct: offset[hour] + rank + 1 for pct, (hour, rank) in wanted.items()}
    found = dict(
        queryset.order_by()
        .annotate(_took=took, _hour=_HourOf(took))
        .filter(_hour__in=chosen)
        .annotate(_number=Window(RowNumber(), order_by=F("_took").asc()))
        .filter(_number__in=sorted(set(numbers.values())))
        .values_list("_number", "_took")
    )
    # Whole milliseconds: julianday() is not exact to the microsecond.
    return values, {pct: datetime.timedelta(seconds=round(found[numbers[pct]], 3)) for pct in pcts}


def duration_percentiles(
    queryset: QuerySet, start: str, end: str, count: int, pcts=(50, 90)
) -> dict[int, datetime.timedelta | None]:
    """Nearest-rank percentiles of ``end - start`` over `queryset`, without bringing the
    durations to Python (the database sorts or counts; one row per percentile comes back)."""
    if not count:
        return {pct: None for pct in pcts}
    if connection.vendor == "postgresql":
        values = queryset.order_by().aggregate(
            **{f"p{pct}": _PercentileDisc(Seconds(end, start), pct / 100) for pct in pcts}
        )
        return {
            pct: None
            if values[f"p{pct}"] is None
            else datetime.timedelta(seconds=round(values[f"p{pct}"], 3))
            for pct in pcts
        }
    return _sqlite_percentiles(queryset, start, end, pcts)[1]


def aggregate_with_percentiles(
    queryset: QuerySet, start: str, end: str, pcts=(50, 90), **aggregates
) -> tuple[dict, dict[int, datetime.timedelta | None]]:
    """``queryset.aggregate(**aggregates)`` (counts) and the percentiles of ``end - start``;
    on PostgreSQL in the same single query, elsewhere in two (see `_sqlite_percentiles`)."""
    if connection.vendor != "postgresql":
        return _sqlite_percentiles(queryset, start, end, pcts, **aggregates)
    values = queryset.order_by().aggregate(
        **aggregates,
        **{f"_p{pct}": _PercentileDisc(Seconds(end, start), pct / 100) for pct in pcts},
    )
    times = {pct: values.pop(f"_p{pct}") for pct in pcts}
    return values, {
        pct: None if value is None else datetime.timedelta(seconds=round(value, 3))
        for pct, value in times.items()
    }


class _NoIndex(Func):
    """A column that SQLite must not look up by its own index (SQLite's documented unary
    ``+``): the first decisions are "no appeal", which the one-to-one appeal's unique index
    would serve by reading every first decision ever taken instead of the period's. Other
    databases estimate that by their statistics and get the column as it is."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"+{sql}", params


def first_decisions(period: Period) -> QuerySet[Decision]:
    """The first uphold or reject on each case, taken in the period: not an appeal decision,
    and not one that replaces an earlier uphold or reject (a review of a disputed measure)."""
    return (
        Decision.objects.alias(_appeal=_NoIndex(F("appeal"), output_field=IntegerField()))
        .filter(
            decided_at__gte=period.since,
            decided_at__lt=period.until,
            outcome__in=FIRST_OUTCOMES,
            _appeal__isnull=True,
        )
        .filter(Q(replaces__isnull=True) | Q(replaces__outcome=Decision.Outcome.REQUEST_INFO))
    )


class _UtcDay(Func):
    """The UTC day of a timestamp by SQLite's own date(): Django's TruncDate calls back into
    Python for every row there."""

    function = "date"
    output_field = CharField()


def _local_day(field: str):
    if connection.vendor == "sqlite" and timezone.get_current_timezone_name() == "UTC":
        return _UtcDay(F(field))
    return TruncDate(field)


def _as_date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def in_period(queryset: QuerySet, field: str, period: Period) -> QuerySet:
    return queryset.filter(**{f"{field}__gte": period.since, f"{field}__lt": period.until})


# --- The dashboard -------------------------------------------------------------------------


def period_figures(period: Period, *, now=None, top: int = TOP) -> dict:
    """Everything the dashboard shows for `period`, plus the figures of the moment (backlog,
    failed measures, escalations, the log head) that `dashboard_figures` gives."""
    now = now or timezone.now()
    notices = in_period(Notice.objects.all(), "received_at", period)
    per_day = {
        _as_date(day): n
        for day, n in notices.order_by()
        .annotate(day=_local_day("received_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    }
    decisions = first_decisions(period)
    decided, times = aggregate_with_percentiles(
        decisions,
        "case__created_at",
        "decided_at",
        total=Count("pk"),
        within=Count("pk", filter=Q(decided_at__lte=F("case__due_at"))),
        upheld=Count("pk", filter=Q(outcome=Decision.Outcome.UPHOLD)),
    )
    applied = in_period(
        PlatformMeasure.objects.filter(status=PlatformMeasure.Status.APPLIED).exclude(
            measure=RESTORE
        ),
        "completed_at",
        period,
    )
    moment = dashboard_figures(now)
    return {
        "period": period,
        "notices_received": sum(per_day.values()),
        "notices_per_day": [(day, per_day.get(day, 0)) for day in period.dates()],
        # The same count as the moment's open cases by state: not asked twice.
        "backlog_by_state": {
            key: n
            for key, n in sorted(
                moment["open_by_state"].items(), key=lambda row: (-row[1], str(row[0]))
            )
        },
        "decided": decided["total"],
        "upheld": decided["upheld"],
        "decided_within_deadline": decided["within"],
        "share_within_deadline": (
            decided["within"] / decided["total"] if decided["total"] else None
        ),
        "median_time_to_decision": times[50],
        "p90_time_to_decision": times[90],
        "decisions_by_outcome": _counts(
            in_period(Decision.objects.all(), "decided_at", period), "outcome"
        ),
        "measures_by_type": _counts(applied, "measure"),
        "breaches_by_stage": _counts(
            in_period(DeadlineBreach.objects.all(), "detected_at", period), "stage"
        ),
        "repeat_uploaders": repeat_uploaders(period, top),
        "notifiers_by_rejection": notifiers_by_rejection(period, top),
        "now": moment,
    }


def repeat_uploaders(period: Period, top: int = TOP) -> list[dict]:
    """Uploaders with the most items reported in the period's notices (two or more), with how
    many of those items were upheld. Items, not distinct notices: counting distinct values
    would make the database sort every item of the period."""
    rows = (
        ReportedItem.objects.filter(
            notice__received_at__gte=period.since, notice__received_at__lt=period.until
        )
        .exclude(uploader_id="")
        .order_by()
        .values("uploader_id")
        .annotate(
            name=Max("uploader_name"),
            items=Count("pk"),
            upheld=Count("pk", filter=Q(outcome=ReportedItem.Outcome.UPHELD)),
        )
        .filter(items__gt=1)
        .order_by("-items", "-upheld", "uploader_id")[:top]
    )
    return list(rows)


def notifiers_by_rejection(period: Period, top: int = TOP) -> list[dict]:
    """Notifiers (by e-mail address) with the highest share of rejected notices among their
    decided notices of the period; only those with two decided notices or more."""
    rows = (
        Notice.objects.filter(received_at__gte=period.since, received_at__lt=period.until)
        .order_by()
        .values("notifier_email")
        .annotate(
            notices=Count("pk"),
            decided=Count("pk", filter=Q(case__state__in=_DECIDED_STATES)),
            rejected=Count("pk", filter=Q(case__state="rejected")),
        )
        .filter(decided__gt=1)
        .annotate(rate=Cast(F("rejected"), FloatField()) / Cast(F("decided"), FloatField()))
        .order_by("-rate", "-rejected", "notifier_email")[:top]
    )
    return list(rows)


# States a case reaches after an uphold or a reject.
_DECIDED_STATES = (
    "actioned",
    "counter_noticed",
    "disputed",
    "restored",
    "appealed",
    "rejected",
    "closed",
)


# --- The transparency report (DSA art. 15(1)) -----------------------------------------------


def transparency_figures(period: Period) -> dict:
    """The counts a notice-and-action service reports under DSA art. 15(1)(b), (d) and (e),
    and art. 24(1)(b) for art. 23 suspensions, for the notices, decisions and complaints of
    `period`. No personal data: counts only."""
    notices = in_period(Notice.objects.all(), "received_at", period)
    received = notices.aggregate(
        total=Count("pk"),
        trusted=Count("pk", filter=Q(filed_by__kind=Organisation.Kind.TRUSTED_FLAGGER)),
        matched=Count("pk", filter=~Q(case__verdict=Verdict.PENDING)),
    )
    decisions = first_decisions(period)
    decided = decisions.aggregate(
        total=Count("pk"),
        upheld=Count("pk", filter=Q(outcome=Decision.Outcome.UPHOLD)),
        trusted=Count(
            "pk", filter=Q(case__notice__filed_by__kind=Organisation.Kind.TRUSTED_FLAGGER)
        ),
        automated_detection=Count("pk", filter=Q(automated_detection=True)),
        automated_decision=Count("pk", filter=Q(automated_decision=True)),
    )
    # How far the reviewers agreed with the image matching: an accuracy indicator (art. 15(1)(e)).
    by_verdict = {
        row["case__verdict"]: row
        for row in decisions.order_by()
        .values("case__verdict")
        .annotate(n=Count("pk"), upheld=Count("pk", filter=Q(outcome=Decision.Outcome.UPHOLD)))
    }
    upheld = decisions.filter(outcome=Decision.Outcome.UPHOLD)
    action_times = duration_percentiles(
        upheld, "case__created_at", "decided_at", decided["upheld"], pcts=(50,)
    )
    all_times = duration_percentiles(
        decisions, "case__created_at", "decided_at", decided["total"], pcts=(50,)
    )
    applied = in_period(
        PlatformMeasure.objects.filter(status=PlatformMeasure.Status.APPLIED).exclude(
            measure=RESTORE
        ),
        "completed_at",
        period,
    )
    appeals = in_period(Appeal.objects.all(), "filed_at", period)
    appeal_decisions = in_period(
        Decision.objects.filter(appeal__isnull=False), "decided_at", period
    )
    answered = appeal_decisions.aggregate(
        total=Count("pk"),
        reversed=Count("pk", filter=~Q(outcome=F("appeal__appealed_decision__outcome"))),
    )
    appeal_times = duration_percentiles(
        appeal_decisions, "appeal__filed_at", "decided_at", answered["total"], pcts=(50,)
    )
    sanctions = in_period(NotifierSanction.objects.all(), "starts_at", period)
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    by_ground = _counts(decisions, "ground")
    return {
        "period": period,
        "notices_received": received["total"],
        "notices_by_type": _ordered(_counts(notices, "use_type"), UseType.values),
        "notices_from_trusted_flaggers": received["trusted"],
        "notices_matched_automatically": received["matched"],
        "decisions": decided["total"],
        "decisions_upheld": decided["upheld"],
        "decisions_on_trusted_flagger_notices": decided["trusted"],
        "decisions_by_outcome": _counts(decisions, "outcome"),
        "decisions_by_ground": {
            key: {
                "n": n,
                "label": (grounds.get(key) or {}).get("label", key) if key else "",
                "basis": ((grounds.get(key) or {}).get("dsa") or {}).get("decision_ground", ""),
            }
            for key, n in by_ground.items()
        },
        "measures_by_type": _counts(applied, "measure"),
        "decisions_with_automated_detection": decided["automated_detection"],
        "decisions_partly_automated": decided["automated_decision"],
        "matching_accuracy": {
            verdict: (
                by_verdict.get(verdict, {}).get("upheld", 0),
                by_verdict.get(verdict, {}).get("n", 0),
            )
            for verdict in (Verdict.MATCH, Verdict.POSSIBLE, Verdict.NO_MATCH)
        },
        "median_time_to_action": action_times[50],
        "median_time_to_decision": all_times[50],
        "complaints_received": appeals.count(),
        "complaints_by_party": _counts(appeals, "party"),
        "complaints_by_appealed_outcome": _counts(appeals, "appealed_decision__outcome"),
        "complaint_decisions": answered["total"],
        "complaint_decisions_by_outcome": _counts(appeal_decisions, "outcome"),
        "complaint_decisions_reversed": answered["reversed"],
        "median_time_to_complaint_decision": appeal_times[50],
        "suspensions": sanctions.filter(kind=NotifierSanction.Kind.SUSPENSION).count(),
        "warnings": sanctions.filter(kind=NotifierSanction.Kind.WARNING).count(),
    }


def _ordered(counts: dict[str, int], keys) -> dict[str, int]:
    """Every key in a fixed order, zero where nothing was counted (a report shows them all)."""
    return {key: counts.get(key, 0) for key in keys} | {
        key: n for key, n in counts.items() if key not in keys
    }
