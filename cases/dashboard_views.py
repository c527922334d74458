"""The staff dashboard for a period, its CSV export, and the transparency report (DSA art. 15)."""

from __future__ import annotations

import csv
import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from notices.models import Measure, NotifierSanction, UseType
from takedown.csvcells import csv_safe

from . import charts
from .dashboard import PRESETS, Period, parse_period, period_figures, transparency_figures
from .models import Appeal, DeadlineBreach, Decision, PlatformMeasure, State, Verdict
from .roles import is_staff_member


def _labels() -> dict[str, dict[str, str]]:
    """Built per request, so that each string is translated into the request's language."""
    return {
        "state": {value: _(label) for value, label in State.choices},
        "verdict": {value: _(label) for value, label in Verdict.choices},
        "outcome": {value: _(label) for value, label in Decision.Outcome.choices},
        "measure": {value: _(label) for value, label in Measure.choices},
        "status": {value: _(label) for value, label in PlatformMeasure.Status.choices},
        "stage": {value: _(label) for value, label in DeadlineBreach.Stage.choices},
        "use_type": {value: _(label) for value, label in UseType.choices},
        "party": {value: _(label) for value, label in Appeal.Party.choices},
        "sanction": {value: _(label) for value, label in NotifierSanction.Kind.choices},
    }


def staff_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied(_("Only trust-and-safety staff may see this page."))
        return view(request, *args, **kwargs)

    return wrapper


# --- Formatting ------------------------------------------------------------------------------


def hours(value: datetime.timedelta | None) -> str:
    if value is None:
        return "—"
    return _("%(hours)s h") % {
        "hours": formats.number_format(value.total_seconds() / 3600, 1, use_l10n=True)
    }


def percent(share: float | None) -> str:
    if share is None:
        return "—"
    return _("%(share)s %%") % {"share": formats.number_format(share * 100, 1, use_l10n=True)}


def day_label(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _period_context(request) -> tuple[Period, dict]:
    period, problems = parse_period(request.GET)
    for problem in problems:
        messages.error(request, problem)
    if problems:
        messages.info(
            request,
            _("Showing the last 30 days instead."),
        )
    return period, {
        "period": period,
        "presets": PRESETS,
        "first_label": formats.date_format(period.first, "DATE_FORMAT"),
        "last_label": formats.date_format(period.last, "DATE_FORMAT"),
    }


def _named(counts: dict[str, int], names: dict[str, str]) -> list[tuple[str, int]]:
    return [(names.get(key, key or _("(none)")), n) for key, n in counts.items()]


# --- The dashboard ---------------------------------------------------------------------------


def dashboard_charts(figures: dict) -> list[dict]:
    """Each chart of the dashboard: its SVG and the same numbers as table rows."""
    labels = _labels()
    nothing = _("Nothing in this period.")
    per_day = [(day_label(day), n) for day, n in figures["notices_per_day"]]
    backlog = _named(figures["backlog_by_state"], labels["state"])
    median, p90 = figures["median_time_to_decision"], figures["p90_time_to_decision"]
    times = [
        (_("Median"), round((median or datetime.timedelta()).total_seconds() / 3600, 1)),
        (_("90th percentile"), round((p90 or datetime.timedelta()).total_seconds() / 3600, 1)),
    ]
    outcomes = _named(figures["decisions_by_outcome"], labels["outcome"])
    measures = _named(figures["measures_by_type"], labels["measure"])
    uploaders = figures["repeat_uploaders"]
    notifiers = figures["notifiers_by_rejection"]
    decided, within = figures["decided"], figures["decided_within_deadline"]
    share = figures["share_within_deadline"]
    return [
        {
            "id": "chart-notices-per-day",
            "heading": _("Notices received per day"),
            "svg": charts.column_chart(
                "chart-notices-per-day",
                _("Notices received per day"),
                _("%(total)s notices from %(first)s to %(last)s; the busiest day had %(peak)s.")
                % {
                    "total": figures["notices_received"],
                    "first": per_day[0][0],
                    "last": per_day[-1][0],
                    "peak": max(n for _day, n in per_day),
                },
                per_day,
                empty=nothing,
            ),
            "columns": [_("Day"), _("Notices")],
            "rows": per_day,
        },
        {
            "id": "chart-backlog",
            "heading": _("Backlog by state (now)"),
            "svg": charts.bar_chart(
                "chart-backlog",
                _("Backlog by state"),
                "; ".join(f"{label}: {n}" for label, n in backlog) or _("No open cases."),
                backlog,
                empty=_("No open cases."),
            ),
            "columns": [_("State"), _("Open cases")],
            "rows": backlog,
        },
        {
            "id": "chart-time-to-decision",
            "heading": _("Time to decision"),
            "svg": charts.bar_chart(
                "chart-time-to-decision",
                _("Time from notice to first decision, in hours"),
                _("Median %(median)s, 90th percentile %(p90)s, over %(n)s decisions.")
                % {"median": hours(median), "p90": hours(p90), "n": decided},
                times if decided else [],
                value_labels=[hours(median), hours(p90)],
                empty=nothing,
            ),
            "columns": [_("Measure"), _("Hours")],
            "rows": [(_("Median"), hours(median)), (_("90th percentile"), hours(p90))],
        },
        {
            "id": "chart-deadline",
            "heading": _("Decided within the deadline"),
            "svg": charts.share_chart(
                "chart-deadline",
                _("Share of first decisions taken within the deadline"),
                _("%(within)s of %(decided)s decisions (%(share)s) were taken in time.")
                % {"within": within, "decided": decided, "share": percent(share)},
                share,
                done_label=_("In time: %(n)s (%(share)s)") % {"n": within, "share": percent(share)},
                rest_label=_("Late: %(n)s") % {"n": decided - within},
                empty=nothing,
            ),
            "columns": [_("Decisions"), _("Within the deadline"), _("Share")],
            "rows": [(decided, within, percent(share))],
        },
        {
            "id": "chart-outcomes",
            "heading": _("Decisions by outcome"),
            "svg": charts.bar_chart(
                "chart-outcomes",
                _("Decisions by outcome"),
                "; ".join(f"{label}: {n}" for label, n in outcomes) or nothing,
                outcomes,
                empty=nothing,
            ),
            "columns": [_("Outcome"), _("Decisions")],
            "rows": outcomes,
        },
        {
            "id": "chart-measures",
            "heading": _("Measures applied on the platform"),
            "svg": charts.bar_chart(
                "chart-measures",
                _("Measures applied, by measure"),
                "; ".join(f"{label}: {n}" for label, n in measures) or nothing,
                measures,
                empty=nothing,
            ),
            "columns": [_("Measure"), _("Applied")],
            "rows": measures,
        },
        {
            "id": "chart-repeat-uploaders",
            "heading": _("Repeat uploaders"),
            "svg": charts.bar_chart(
                "chart-repeat-uploaders",
                _("Uploaders with the most reported items"),
                "; ".join(
                    _("%(name)s: %(items)s items reported, %(upheld)s upheld")
                    % {
                        "name": u["name"] or u["uploader_id"],
                        "items": u["items"],
                        "upheld": u["upheld"],
                    }
                    for u in uploaders
                )
                or _("No uploader was reported twice."),
                [(u["name"] or u["uploader_id"], u["items"]) for u in uploaders],
                value_labels=[
                    _("%(items)s (%(upheld)s upheld)")
                    % {"items": u["items"], "upheld": u["upheld"]}
                    for u in uploaders
                ],
                empty=_("No uploader was reported twice."),
            ),
            "columns": [_("Uploader"), _("Account"), _("Reported items"), _("Upheld")],
            "rows": [(u["name"], u["uploader_id"], u["items"], u["upheld"]) for u in uploaders],
        },
        {
            "id": "chart-notifiers",
            "heading": _("Notifiers by rejection rate"),
            "svg": charts.bar_chart(
                "chart-notifiers",
                _("Notifiers with the highest share of rejected notices"),
                "; ".join(
                    _("%(who)s: %(rejected)s of %(decided)s rejected")
                    % {
                        "who": r["notifier_email"],
                        "rejected": r["rejected"],
                        "decided": r["decided"],
                    }
                    for r in notifiers
                )
                or _("No notifier had two decided notices."),
                [(r["notifier_email"], round(r["rate"] * 100, 1)) for r in notifiers],
                value_labels=[
                    _("%(rejected)s of %(decided)s (%(share)s)")
                    % {
                        "rejected": r["rejected"],
                        "decided": r["decided"],
                        "share": percent(r["rate"]),
                    }
                    for r in notifiers
                ],
                colour=charts.BAD,
                empty=_("No notifier had two decided notices."),
            ),
            "columns": [_("Notifier"), _("Notices"), _("Decided"), _("Rejected"), _("Share")],
            "rows": [
                (r["notifier_email"], r["notices"], r["decided"], r["rejected"], percent(r["rate"]))
                for r in notifiers
            ],
        },
    ]


@require_safe
@staff_only
def dashboard(request):
    period, context = _period_context(request)
    figures = period_figures(period)
    chart_list = dashboard_charts(figures)
    for chart in chart_list:
        # Safe: charts.py escapes every text it puts in the markup.
        chart["svg"] = mark_safe(chart["svg"])  # noqa: S308  # nosec B308 B703
    labels = _labels()
    now = figures["now"]
    context.update(
        {
            "figures": figures,
            "now": now,
            "charts": chart_list,
            "median": hours(figures["median_time_to_decision"]),
            "p90": hours(figures["p90_time_to_decision"]),
            "share": percent(figures["share_within_deadline"]),
            "breaches": _named(figures["breaches_by_stage"], labels["stage"]),
            "open_by_verdict": _named(now["open_by_verdict"], labels["verdict"]),
            "measures_by_status": _named(now["measures_by_status"], labels["status"]),
        }
    )
    return render(request, "cases/dashboard.html", context)


# --- CSV -------------------------------------------------------------------------------------


def csv_response(rows, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([_("section"), _("item"), _("value")])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


def dashboard_rows(figures: dict) -> list[tuple]:
    period = figures["period"]
    labels = _labels()
    rows = [
        (_("period"), _("from"), period.first.isoformat()),
        (_("period"), _("to"), period.last.isoformat()),
        (_("notices"), _("received"), figures["notices_received"]),
    ]
    rows += [(_("notices per day"), day.isoformat(), n) for day, n in figures["notices_per_day"]]
    rows += [
        (_("backlog now"), labels["state"].get(k, k), n)
        for k, n in figures["backlog_by_state"].items()
    ]
    rows += [
        (_("first decisions"), _("total"), figures["decided"]),
        (_("first decisions"), _("upheld"), figures["upheld"]),
        (_("first decisions"), _("within the deadline"), figures["decided_within_deadline"]),
        (
            _("first decisions"),
            _("share within the deadline"),
            _share_number(figures["share_within_deadline"]),
        ),
        (
            _("time to decision"),
            _("median hours"),
            _hours_number(figures["median_time_to_decision"]),
        ),
        (
            _("time to decision"),
            _("90th percentile hours"),
            _hours_number(figures["p90_time_to_decision"]),
        ),
    ]
    rows += [
        (_("decisions by outcome"), labels["outcome"].get(k, k), n)
        for k, n in figures["decisions_by_outcome"].items()
    ]
    rows += [
        (_("measures applied"), labels["measure"].get(k, k), n)
        for k, n in figures["measures_by_type"].items()
    ]
    rows += [
        (_("deadlines missed"), labels["stage"].get(k, k), n)
        for k, n in figures["breaches_by_stage"].items()
    ]
    rows += [
        (
            _("repeat uploader"),
            f"{u['name']} ({u['uploader_id']})",
            f"{u['items']} / {u['upheld']}",
        )
        for u in figures["repeat_uploaders"]
    ]
    rows += [
        (_("notifier rejections"), r["notifier_email"], f"{r['rejected']} / {r['decided']}")
        for r in figures["notifiers_by_rejection"]
    ]
    now = figures["now"]
    rows += [
        (_("now"), _("overdue"), now["overdue"]),
        (_("now"), _("escalated"), now["escalated"]),
        (_("now"), _("open appeals"), now["open_appeals"]),
        (_("now"), _("failed measures"), len(now["failed_measures"])),
        (_("now"), _("log head sequence"), now["log_head"]["sequence"]),
        (_("now"), _("log head hash"), now["log_head"]["hash"]),
    ]
    return rows


def _hours_number(value: datetime.timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.1f}"


def _share_number(share: float | None) -> str:
    return "" if share is None else f"{share:.4f}"


def _export_period(request) -> tuple[Period | None, HttpResponse | None]:
    """The period of an export; a wrong one is answered with the problems (a file of another
    period than the one asked for would mislead)."""
    period, problems = parse_period(request.GET)
    if problems:
        return None, HttpResponseBadRequest(
            "\n".join(problems) + "\n", content_type="text/plain; charset=utf-8"
        )
    return period, None


@require_safe
@staff_only
def dashboard_export(request):
    period, refusal = _export_period(request)
    if refusal:
        return refusal
    figures = period_figures(period)
    return csv_response(
        dashboard_rows(figures),
        f"dashboard-{period.first.isoformat()}-{period.last.isoformat()}.csv",
    )


# --- The transparency report -----------------------------------------------------------------


def transparency_sections(figures: dict) -> list[dict]:
    """The report's sections, each a heading and rows of (what, how many)."""
    labels = _labels()
    grounds = figures["decisions_by_ground"]
    basis = {
        "DECISION_GROUND_ILLEGAL_CONTENT": _("illegal content"),
        "DECISION_GROUND_INCOMPATIBLE_CONTENT": _("incompatible with the terms of service"),
    }
    return [
        {
            "id": "notices",
            "heading": _("Notices received (art. 15(1)(b))"),
            "rows": [
                (_("Notices received"), figures["notices_received"]),
                (_("from trusted flaggers (art. 22)"), figures["notices_from_trusted_flaggers"]),
                *[
                    (
                        _("alleged illegal content: portrait used — %(type)s")
                        % {"type": labels["use_type"].get(k, k)},
                        n,
                    )
                    for k, n in figures["notices_by_type"].items()
                ],
                (
                    _("processed with automated image matching"),
                    figures["notices_matched_automatically"],
                ),
            ],
        },
        {
            "id": "actions",
            "heading": _("Actions taken on notices (art. 15(1)(b))"),
            "rows": [
                (_("First decisions"), figures["decisions"]),
                (_("actioned (upheld)"), figures["decisions_upheld"]),
                (
                    _("on notices from trusted flaggers"),
                    figures["decisions_on_trusted_flagger_notices"],
                ),
                *[
                    (
                        _("ground: %(ground)s (%(basis)s)")
                        % {
                            "ground": _(g["label"]) if g["label"] else _("no ground recorded"),
                            "basis": basis.get(g["basis"], _("no restriction")),
                        },
                        g["n"],
                    )
                    for g in grounds.values()
                ],
                *[
                    (
                        _("measure applied: %(measure)s")
                        % {"measure": labels["measure"].get(k, k)},
                        n,
                    )
                    for k, n in figures["measures_by_type"].items()
                ],
                (
                    _("Median time to take action (notice to upheld decision)"),
                    hours(figures["median_time_to_action"]),
                ),
                (_("Median time to any first decision"), hours(figures["median_time_to_decision"])),
            ],
        },
        {
            "id": "complaints",
            "heading": _(
                "Complaints through the internal complaint system (art. 15(1)(d), art. 20)"
            ),
            "rows": [
                (_("Complaints received"), figures["complaints_received"]),
                *[
                    (_("filed by the %(party)s") % {"party": labels["party"].get(k, k).lower()}, n)
                    for k, n in figures["complaints_by_party"].items()
                ],
                *[
                    (
                        _("against a decision to %(outcome)s")
                        % {"outcome": labels["outcome"].get(k, k).lower()},
                        n,
                    )
                    for k, n in figures["complaints_by_appealed_outcome"].items()
                ],
                (_("Complaints decided"), figures["complaint_decisions"]),
                *[
                    (_("decided: %(outcome)s") % {"outcome": labels["outcome"].get(k, k)}, n)
                    for k, n in figures["complaint_decisions_by_outcome"].items()
                ],
                (_("decisions reversed"), figures["complaint_decisions_reversed"]),
                (
                    _("Median time to decide a complaint"),
                    hours(figures["median_time_to_complaint_decision"]),
                ),
            ],
        },
        {
            "id": "misuse",
            "heading": _("Measures against misuse (art. 23, art. 24(1)(b))"),
            "rows": [
                (
                    _("Suspensions of notifiers for manifestly unfounded notices"),
                    figures["suspensions"],
                ),
                (_("Prior warnings to notifiers"), figures["warnings"]),
            ],
        },
        {
            "id": "automation",
            "heading": _("Use of automated means (art. 15(1)(e))"),
            "rows": [
                (
                    _("Notices whose content was compared automatically with the reference photo"),
                    figures["notices_matched_automatically"],
                ),
                (
                    _("First decisions that used automated detection"),
                    figures["decisions_with_automated_detection"],
                ),
                (
                    _("First decisions taken partly by automated means"),
                    figures["decisions_partly_automated"],
                ),
                *[
                    (
                        _("Upheld by the reviewer where the matching said “%(verdict)s”")
                        % {"verdict": labels["verdict"].get(verdict, verdict)},
                        _("%(upheld)s of %(decided)s") % {"upheld": upheld, "decided": n},
                    )
                    for verdict, (upheld, n) in figures["matching_accuracy"].items()
                ],
            ],
        },
    ]


@require_safe
@staff_only
def transparency(request):
    period, context = _period_context(request)
    context["sections"] = transparency_sections(transparency_figures(period))
    return render(request, "cases/transparency_report.html", context)


@require_safe
@staff_only
def transparency_export(request):
    period, refusal = _export_period(request)
    if refusal:
        return refusal
    figures = transparency_figures(period)
    rows = [
        (_("period"), _("from"), period.first.isoformat()),
        (_("period"), _("to"), period.last.isoformat()),
    ]
    for section in transparency_sections(figures):
        rows += [(section["heading"], what, n) for what, n in section["rows"]]
    return csv_response(
        rows, f"transparency-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    )
