"""The policy's pure rules: deadlines, waiting periods, and who may appeal what."""

from datetime import UTC, datetime, timedelta

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
    window_days=183,
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
        ({"now": NOW + timedelta(days=183)}, False, "appeal period ended"),
        ({"now": NOW + timedelta(days=182, hours=23)}, True, ""),
    ],
)
def test_who_may_appeal_what_and_until_when(change, allowed, reason):
    right = policy.appeal_right(**{**BASE, **change})
    assert right.allowed is allowed
    assert reason in right.reason
