"""The policy's pure rules: deadlines, waiting periods, and who may appeal what."""

from datetime import UTC, date, datetime, timedelta

import pytest

from cases import policy

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (NOW, 1, NOW + timedelta(days=1)),  # Monday -> Tuesday
        (NOW + timedelta(days=4), 1, NOW + timedelta(days=7)),  # Friday -> Monday
        (NOW + timedelta(days=5), 1, NOW + timedelta(days=7)),  # Saturday -> Monday
        (NOW, 10, NOW + timedelta(days=14)),
        (NOW, 14, NOW + timedelta(days=18)),
    ],
)
def test_business_days_skip_weekends(start, days, expected):
    assert policy.add_business_days(start, days) == expected


def test_business_days_skip_the_configured_public_holidays():
    # Monday 2 November with Tuesday 3 and Wednesday 4 off: one business day is Thursday.
    holidays = {date(2026, 11, 3), date(2026, 11, 4)}
    assert policy.add_business_days(NOW, 1, holidays) == NOW + timedelta(days=3)
    waiting = policy.counter_notice_waiting_period(
        NOW, policy="dmca", days=15, business_days=10, holidays=holidays
    )
    assert waiting.ends_at == NOW + timedelta(days=16)


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (datetime(2026, 1, 15, tzinfo=UTC), 6, datetime(2026, 7, 15, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), 6, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2027, 8, 31, tzinfo=UTC), 6, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), 3, datetime(2027, 2, 28, 23, 59, tzinfo=UTC)),
    ],
)
def test_calendar_months_end_on_the_same_day_or_the_last_day_of_a_shorter_month(
    start, months, expected
):
    assert policy.add_months(start, months) == expected


@pytest.mark.parametrize(
    "settings_values, problem",
    [
        ({"policy": "dmca", "business_days": 9, "appeal_window_months": 6}, "10 to 14"),
        ({"policy": "dmca", "business_days": 15, "appeal_window_months": 6}, "10 to 14"),
        ({"policy": "eu", "business_days": 10, "appeal_window_months": 6}, "expected one of"),
        ({"policy": "prc", "business_days": 10, "appeal_window_months": 5}, "at least 6 months"),
    ],
)
def test_a_policy_outside_the_law_is_named_at_start_up(settings_values, problem):
    problems = policy.policy_problems(**settings_values)
    assert len(problems) == 1 and problem in problems[0]


def test_the_lawful_policies_raise_no_problem():
    for business_days in (10, 14):
        assert not policy.policy_problems(
            policy="dmca", business_days=business_days, appeal_window_months=6
        )
    assert not policy.policy_problems(policy="prc", business_days=99, appeal_window_months=12)


def test_the_waiting_period_is_told_in_the_policys_own_unit():
    assert policy.waiting_period_words(policy="prc", days=15, business_days=10) == "15 days"
    assert (
        policy.waiting_period_words(policy="dmca", days=15, business_days=10) == "10 business days"
    )


def test_trusted_flaggers_are_due_sooner_but_never_later_than_the_verdict_allows():
    hours = {"match": 24, "no_match": 72}
    assert policy.decision_due_at(NOW, "no_match", trusted=True, hours=hours, trusted_hours=12) == (
        NOW + timedelta(hours=12)
    )
    assert policy.decision_due_at(NOW, "match", trusted=False, hours=hours, trusted_hours=12) == (
        NOW + timedelta(hours=24)
    )
    assert policy.decision_due_at(NOW, "match", trusted=True, hours=hours, trusted_hours=48) == (
        NOW + timedelta(hours=24)
    )


def test_an_unknown_counter_notice_policy_is_refused():
    with pytest.raises(ValueError, match="Unknown counter-notice policy"):
        policy.counter_notice_waiting_period(NOW, policy="eu", days=15, business_days=10)


BASE = dict(
    party="complainant",
    decision_outcome="reject",
    told_at=NOW,
    now=NOW + timedelta(days=1),
    window_months=6,
    already_appealed=False,
    appeal_open=False,
)


@pytest.mark.parametrize(
    "change, allowed, reason",
    [
        ({}, True, ""),
        ({"decision_outcome": None, "told_at": None}, False, "no decision"),
        ({"decision_outcome": "request_info"}, False, "request for information"),
        ({"party": "uploader"}, False, "restricted your content"),
        ({"party": "uploader", "decision_outcome": "uphold"}, True, ""),
        ({"already_appealed": True, "decided_on_appeal": True}, False, "out-of-court"),
        # The other party, affected by an appeal decision for the first time, may appeal it.
        ({"decided_on_appeal": True}, True, ""),
        ({"party": "uploader", "decision_outcome": "uphold", "decided_on_appeal": True}, True, ""),
        ({"appeal_open": True}, False, "already being reviewed"),
        ({"already_appealed": True}, False, "already appealed in this case"),
        # Six calendar months: told on 2 November, open until 2 May.
        ({"now": datetime(2027, 5, 2, 9, 0, tzinfo=UTC)}, False, "appeal period ended"),
        ({"now": datetime(2027, 5, 2, 8, 59, tzinfo=UTC)}, True, ""),
        # 1 July + 6 months is 1 January: a window counted as 183 days would end a day early.
        (
            {
                "told_at": datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
                "now": datetime(2026, 12, 31, 12, 0, tzinfo=UTC),
            },
            True,
            "",
        ),
    ],
)
def test_who_may_appeal_what_and_until_when(change, allowed, reason):
    right = policy.appeal_right(**{**BASE, **change})
    assert right.allowed is allowed
    assert reason in right.reason
