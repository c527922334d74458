"""The dashboard for a period, its CSV export and the transparency report, on a small data set
whose figures are known by hand."""

import csv
import datetime
import io
from datetime import UTC

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import charts
from cases.dashboard import Period, parse_period, period_figures, transparency_figures
from cases.dashboard_views import csv_safe
from cases.models import Appeal, Case, Decision, PlatformMeasure
from notices.models import Notice, NotifierSanction, Organisation, ReportedItem

from .conftest import web_as

PERIOD = Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 10))
TODAY = datetime.date(2026, 3, 31)


def at(day: int, hour: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


def make_case(
    n: int,
    received: datetime.datetime,
    *,
    email: str,
    state: str = "received",
    due_hours: int = 24,
    uploader: str = "",
    uploader_name: str = "",
    organisation=None,
    use_type: str = "commercial_endorsement",
) -> Case:
    notice = Notice.objects.create(
        reference=f"TD-TEST-{n:04d}",
        tracking_token_hash=f"{n:064d}",
        notifier_name=f"Notifier {n}",
        notifier_email=email,
        relationship="self",
        use_type=use_type,
        description="My photo.",
        requested_measure="delete",
        good_faith=True,
        accuracy=True,
        signature=f"Notifier {n}",
        filed_by=organisation,
    )
    Notice.objects.filter(pk=notice.pk).update(received_at=received)
    ReportedItem.objects.create(
        notice=notice,
        submitted=f"post-{n}",
        content_id=f"post-{n}",
        url=f"https://platform.example/posts/{n}/",
        uploader_id=uploader,
        uploader_name=uploader_name,
        outcome="upheld" if state == "actioned" else "pending",
    )
    case = Case.objects.create(
        notice=notice, state=state, due_at=received + datetime.timedelta(hours=due_hours)
    )
    Case.objects.filter(pk=case.pk).update(created_at=received)
    return case


def decide(case, outcome, when, user, *, appeal=None, replaces=None, ground="") -> Decision:
    decision = Decision.objects.create(
        case=case,
        outcome=outcome,
        reasons="Reasons.",
        decided_by=user,
        appeal=appeal,
        replaces=replaces,
        ground=ground,
    )
    Decision.objects.filter(pk=decision.pk).update(decided_at=when)
    decision.refresh_from_db()
    return decision


@pytest.fixture
def known(moderator_a, moderator_b):
    """Four first decisions in the period taking 4, 24, 72 and 216 hours, two of them in time."""
    flagger = Organisation.objects.create(
        name="Flaggers", kind="trusted_flagger", contact_email="f@example.org"
    )
    c1 = make_case(
        1, at(2, 10), email="a@example.org", state="actioned", uploader="acc1",
        uploader_name="=EVIL()",
    )  # fmt: skip
    c2 = make_case(
        2, at(2, 12), email="a@example.org", state="rejected", uploader="acc1",
        uploader_name="=EVIL()", use_type="impersonation",
    )  # fmt: skip
    c3 = make_case(
        3, at(5, 9), email="b@example.org", state="rejected", uploader="acc2",
        organisation=flagger,
    )  # fmt: skip
    make_case(4, at(5, 10), email="b@example.org")  # still open
    c5 = make_case(5, at(20, 0, month=2), email="c@example.org", state="actioned")
    make_case(6, at(11, 8), email="c@example.org")  # after the period

    d1 = decide(c1, "uphold", at(2, 14), moderator_a, ground="portrait_right")  # 4 h, in time
    decide(c2, "reject", at(3, 12), moderator_a, ground="lawful_use")  # 24 h, just in time
    info = decide(c3, "request_info", at(5, 12), moderator_a)  # not a first decision
    decide(c3, "reject", at(8, 9), moderator_a, replaces=info)  # 72 h, late
    decide(c5, "uphold", at(1, 0), moderator_a, ground="portrait_right")  # 216 h, late

    appeal = Appeal.objects.create(
        case=c1, appealed_decision=d1, party="uploader", statement="It is my photo."
    )
    Appeal.objects.filter(pk=appeal.pk).update(filed_at=at(4, 12))
    decide(c1, "reject", at(6, 12), moderator_b, appeal=appeal, replaces=d1)  # reversed, 48 h

    item = c1.notice.items.get()
    measure = PlatformMeasure.objects.create(
        case=c1, item=item, decision=d1, measure="delete", idempotency_key="m1",
        status="applied", requested_by=moderator_a,
    )  # fmt: skip
    PlatformMeasure.objects.filter(pk=measure.pk).update(completed_at=at(2, 15))
    NotifierSanction.objects.create(
        notifier_email="b@example.org", kind="suspension", unfounded_count=3, reasons="x",
        starts_at=at(7), ends_at=at(7) + datetime.timedelta(days=30), notice=c3.notice,
    )  # fmt: skip


# --- Figures ----------------------------------------------------------------------------------


def test_the_figures_of_a_period_count_what_happened_in_it(known):
    figures = period_figures(PERIOD)

    per_day = dict(figures["notices_per_day"])
    assert len(per_day) == 10
    assert per_day[datetime.date(2026, 3, 2)] == 2
    assert per_day[datetime.date(2026, 3, 5)] == 2
    assert per_day[datetime.date(2026, 3, 1)] == 0
    assert figures["notices_received"] == 4
    assert figures["decided"] == 4
    assert figures["upheld"] == 2
    assert figures["decided_within_deadline"] == 2
    assert figures["share_within_deadline"] == 0.5
    assert figures["median_time_to_decision"] == datetime.timedelta(hours=24)
    assert figures["p90_time_to_decision"] == datetime.timedelta(hours=216)
    assert figures["backlog_by_state"] == {"received": 2}
    assert figures["measures_by_type"] == {"delete": 1}
    assert figures["decisions_by_outcome"] == {"reject": 3, "uphold": 2, "request_info": 1}


def test_repeat_uploaders_and_notifiers_by_rejection_rate_come_with_their_counts(known):
    figures = period_figures(PERIOD)

    assert figures["repeat_uploaders"] == [
        {"uploader_id": "acc1", "name": "=EVIL()", "items": 2, "upheld": 1}
    ]
    [notifier] = figures["notifiers_by_rejection"]
    assert notifier["notifier_email"] == "a@example.org"
    assert (notifier["notices"], notifier["decided"], notifier["rejected"]) == (2, 2, 1)
    assert notifier["rate"] == 0.5


def test_an_empty_period_has_no_percentiles_and_no_share(db):
    figures = period_figures(PERIOD)

    assert figures["decided"] == 0
    assert figures["median_time_to_decision"] is None
    assert figures["share_within_deadline"] is None


def test_transparency_counts_follow_article_15(known):
    report = transparency_figures(PERIOD)

    assert report["notices_received"] == 4
    assert report["notices_by_type"]["commercial_endorsement"] == 3
    assert report["notices_by_type"]["impersonation"] == 1
    assert report["notices_by_type"]["sale"] == 0
    assert report["notices_from_trusted_flaggers"] == 1
    assert report["decisions"] == 4
    assert report["decisions_upheld"] == 2
    assert report["decisions_on_trusted_flagger_notices"] == 1
    assert report["decisions_by_ground"]["portrait_right"]["n"] == 2
    assert report["measures_by_type"] == {"delete": 1}
    # Upheld decisions took 4 and 216 hours: the nearest-rank median is the first.
    assert report["median_time_to_action"] == datetime.timedelta(hours=4)
    assert report["complaints_received"] == 1
    assert report["complaints_by_party"] == {"uploader": 1}
    assert report["complaint_decisions"] == 1
    assert report["complaint_decisions_reversed"] == 1
    assert report["median_time_to_complaint_decision"] == datetime.timedelta(hours=48)
    assert report["suspensions"] == 1
    # No case was checked by the matching here: every first decision is on a pending verdict.
    assert report["matching_accuracy"]["match"] == (0, 0)


def test_the_report_shows_how_often_reviewers_agreed_with_the_matching(known):
    Case.objects.filter(notice__reference__in=["TD-TEST-0001", "TD-TEST-0002"]).update(
        verdict="match"
    )
    Case.objects.filter(notice__reference="TD-TEST-0003").update(verdict="no_match")

    accuracy = transparency_figures(PERIOD)["matching_accuracy"]

    assert accuracy["match"] == (1, 2)  # one upheld, one rejected: a false alarm
    assert accuracy["no_match"] == (0, 1)


# --- The period asked for ----------------------------------------------------------------------


def test_the_default_period_is_the_last_30_days():
    period, problems = parse_period({}, today=TODAY)
    assert (period.first, period.last, problems) == (datetime.date(2026, 3, 2), TODAY, [])


@pytest.mark.parametrize("days", ["7", "30", "90"])
def test_a_preset_gives_the_last_days(days):
    period, problems = parse_period({"days": days}, today=TODAY)
    assert period.days == int(days) and period.last == TODAY and not problems


def test_dates_from_and_to_are_both_included():
    period, problems = parse_period({"from": "2026-03-01", "to": "2026-03-10"}, today=TODAY)
    assert period == PERIOD and period.days == 10 and not problems


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "2026-02-30", "to": "2026-03-10"}, "is not a date in the form YYYY-MM-DD"),
        ({"from": "yesterday", "to": "2026-03-10"}, "is not a date in the form YYYY-MM-DD"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "must not be after the end date"),
        ({"from": "2026-03-01"}, "The end date is missing"),
        ({"from": "2020-01-01", "to": "2026-03-01"}, "at most 400 days"),
        ({"from": "2026-04-02", "to": "2026-04-05"}, "must not start in the future"),
        ({"days": "12"}, "Choose a period of 7, 30, 90 days"),
    ],
)
def test_invalid_periods_are_explained_and_the_default_is_shown(params, message):
    period, problems = parse_period(params, today=TODAY)
    assert period == Period(datetime.date(2026, 3, 2), TODAY)
    assert any(message in problem for problem in problems), problems


def test_the_page_says_what_was_wrong_with_the_dates(moderator_a):
    response = web_as(moderator_a).get("/staff/dashboard/?from=2026-13-01&to=2026-03-10")

    assert response.status_code == 200
    body = response.content.decode()
    assert "is not a date in the form YYYY-MM-DD" in body
    assert "Showing the last 30 days instead." in body


# --- The page -----------------------------------------------------------------------------------


def test_the_dashboard_shows_the_periods_figures_as_charts_and_tables(known, moderator_a):
    response = web_as(moderator_a).get("/staff/dashboard/?from=2026-03-01&to=2026-03-10")

    body = response.content.decode()
    assert response.status_code == 200
    assert '<dd id="fig-notices">4</dd>' in body
    assert '<dd id="fig-decided">4</dd>' in body
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg"') == 8
    assert 'aria-labelledby="chart-notices-per-day-title chart-notices-per-day-desc"' in body
    assert "<details>" in body
    assert "style=" not in body
    # The uploader's name is shown as text, never as markup.
    assert "=EVIL()" in body and "<script" not in body.split("</main>")[0]
    # What the old dashboard showed is still there.
    for part in ('id="log-head-hash"', 'id="failed-measures"', 'id="overdue"', 'id="escalated"'):
        assert part in body


def test_a_chart_escapes_its_labels():
    svg = charts.bar_chart("c", "T <b>", "D & E", [("<script>", 3)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "T &lt;b&gt;" in svg


def test_the_number_of_queries_does_not_grow_with_the_cases(
    moderator_a, django_assert_max_num_queries
):
    client = web_as(moderator_a)
    for n in range(3):
        make_case(100 + n, at(3, n), email=f"x{n}@example.org", uploader="acc9")
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/dashboard/?from=2026-03-01&to=2026-03-10")
    for n in range(40):
        make_case(200 + n, at(4, n % 24), email=f"y{n % 5}@example.org", uploader=f"acc{n % 3}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/staff/dashboard/?from=2026-03-01&to=2026-03-10")
    assert '<dd id="fig-notices">43</dd>' in response.content.decode()


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+A1", "'+A1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("plain", "plain"),
        (42, "42"),
        (None, ""),
    ],
)
def test_csv_cells_that_would_start_a_formula_are_quoted(value, cell):
    assert csv_safe(value) == cell


def test_the_csv_export_holds_the_periods_figures_safely(known, moderator_a):
    response = web_as(moderator_a).get("/staff/dashboard/export.csv?from=2026-03-01&to=2026-03-10")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "dashboard-2026-03-01-2026-03-10.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "value"]
    assert ["notices", "received", "4"] in rows
    assert ["notices per day", "2026-03-02", "2"] in rows
    assert ["first decisions", "share within the deadline", "0.5000"] in rows
    assert ["time to decision", "median hours", "24.0"] in rows
    assert ["repeat uploader", "'=EVIL() (acc1)", "2 / 1"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("path", ["/staff/dashboard/export.csv", "/staff/transparency/export.csv"])
def test_an_export_of_a_wrong_period_is_refused_with_the_reason(path, moderator_a):
    response = web_as(moderator_a).get(f"{path}?from=2026-03-10&to=2026-03-01")

    assert response.status_code == 400
    assert "must not be after the end date" in response.content.decode()


def test_the_transparency_report_and_its_csv(known, legal):
    client = web_as(legal)
    page = client.get("/staff/transparency/?from=2026-03-01&to=2026-03-10")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Suspensions of notifiers for manifestly unfounded notices" in body
    assert "a@example.org" not in body  # counts only, no personal data

    export = client.get("/staff/transparency/export.csv?from=2026-03-01&to=2026-03-10")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["section", "item", "value"]
    assert any(row[1] == "Complaints received" and row[2] == "1" for row in rows)
    assert any(row[1] == "decisions reversed" and row[2] == "1" for row in rows)


# --- Who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/staff/dashboard/",
        "/staff/dashboard/export.csv",
        "/staff/transparency/",
        "/staff/transparency/export.csv",
    ],
)
def test_only_staff_see_the_figures(path, client, stranger, moderator_a):
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert web_as(stranger).get(path).status_code == 403
    assert web_as(moderator_a).get(path).status_code == 200
