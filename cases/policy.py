"""The policy's arithmetic: deadlines, waiting periods and who may appeal what.

Plain functions of their arguments (no database, no settings) so every rule can be tested on
its own; the services pass in the configured values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PRC = "prc"
DMCA = "dmca"
POLICIES = (PRC, DMCA)


def decision_due_at(
    received_at: datetime, verdict: str, *, trusted: bool, hours: dict, trusted_hours: int
) -> datetime:
    """When a first decision is due: by the match verdict, sooner for a trusted flagger."""
    due = hours[verdict]
    if trusted:
        due = min(due, trusted_hours)
    return received_at + timedelta(hours=due)


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` weekdays (Monday to Friday)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


@dataclass(frozen=True)
class WaitingPeriod:
    ends_at: datetime
    basis: str


def counter_notice_waiting_period(
    received_at: datetime, *, policy: str, days: int, business_days: int
) -> WaitingPeriod:
    """How long the complainant has to show a complaint or lawsuit before a restore."""
    if policy == DMCA:
        return WaitingPeriod(
            add_business_days(received_at, business_days),
            f"DMCA 512(g): restore after {business_days} business days unless the complainant "
            "reports a lawsuit",
        )
    if policy == PRC:
        return WaitingPeriod(
            received_at + timedelta(days=days),
            f"PRC Civil Code art. 1196, reasonable period set at {days} days by analogy with "
            "E-Commerce Law art. 43",
        )
    raise ValueError(f"Unknown counter-notice policy {policy!r}; expected one of {POLICIES}.")


@dataclass(frozen=True)
class AppealRight:
    allowed: bool
    reason: str = ""
    closes_at: datetime | None = None


def appeal_right(
    *,
    party: str,
    decision_outcome: str | None,
    decision_is_appeal_outcome: bool,
    told_at: datetime | None,
    now: datetime,
    window_days: int,
    already_appealed: bool,
    appeal_open: bool,
) -> AppealRight:
    """May ``party`` ("complainant" or "uploader") appeal the case's latest decision now?

    One appeal per party per decision, within the window from when the party was told of it;
    no appeal against an appeal decision (that is final internally; out-of-court settlement
    and the courts remain), none while another appeal is open, none against a request for
    information, and an uploader only against an uphold (a rejection did not affect them).
    """
    if decision_outcome is None or told_at is None:
        return AppealRight(False, "There is no decision to appeal yet.")
    if decision_outcome == "request_info":
        return AppealRight(
            False, "A request for information is not a decision that can be appealed."
        )
    if party == "uploader" and decision_outcome != "uphold":
        return AppealRight(False, "Only a decision that restricted your content can be appealed.")
    if decision_is_appeal_outcome:
        return AppealRight(
            False,
            "This decision was taken on appeal and is final within the platform; you may still "
            "use an out-of-court dispute settlement body or go to court.",
        )
    if appeal_open:
        return AppealRight(False, "An appeal on this case is already being reviewed.")
    if already_appealed:
        return AppealRight(False, "You have already appealed this decision.")
    closes_at = told_at + timedelta(days=window_days)
    if now >= closes_at:
        return AppealRight(
            False, f"The appeal period ended on {closes_at:%Y-%m-%d}.", closes_at=closes_at
        )
    return AppealRight(True, closes_at=closes_at)
