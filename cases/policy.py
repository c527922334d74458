"""The policy's arithmetic: deadlines, waiting periods and who may appeal what.

Plain functions of their arguments (no database, no settings) so every rule can be tested on
its own; the services pass in the configured values. Refusals are worded for the party, in the
active language.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import formats
from django.utils.translation import gettext, ngettext

# ISO 3166-1 alpha-2: where a measure may apply (a decision's territorial scope).
_COUNTRY_CODES_TEXT = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_COUNTRY_CODES_TEXT.split())

PRC = "prc"
DMCA = "dmca"
POLICIES = (PRC, DMCA)
# DMCA 512(g)(2)(C): restore "not less than 10, nor more than 14, business days" after the
# counter-notice.
DMCA_BUSINESS_DAYS = range(10, 15)


def decision_due_at(
    received_at: datetime, verdict: str, *, trusted: bool, hours: dict, trusted_hours: int
) -> datetime:
    """When a first decision is due: by the match verdict, sooner for a trusted flagger."""
    due = hours[verdict]
    if trusted:
        due = min(due, trusted_hours)
    return received_at + timedelta(hours=due)


def add_business_days(
    start: datetime, days: int, holidays: frozenset[date] | set[date] = frozenset()
) -> datetime:
    """``start`` moved forward by ``days`` business days: Monday to Friday, except the
    ``holidays`` (dates)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5 and moment.date() not in holidays:
            remaining -= 1
    return moment


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved forward by calendar months; a day the target month lacks becomes its
    last day (31 August + 6 months = 28 or 29 February), so a window is never shorter than
    the months it promises."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class WaitingPeriod:
    ends_at: datetime
    basis: str


def counter_notice_waiting_period(
    received_at: datetime,
    *,
    policy: str,
    days: int,
    business_days: int,
    holidays: frozenset[date] | set[date] = frozenset(),
) -> WaitingPeriod:
    """How long the complainant has to show a complaint or lawsuit before a restore."""
    if policy == DMCA:
        return WaitingPeriod(
            add_business_days(received_at, business_days, holidays),
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


def waiting_period_words(*, policy: str, days: int, business_days: int) -> str:
    """The waiting period as the parties are told it, in the active language."""
    if policy == DMCA:
        return ngettext("%(count)s business day", "%(count)s business days", business_days) % {
            "count": business_days
        }
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def redress_words(*, on_appeal: bool, months: int) -> str:
    """The redress told with every decision (DSA arts. 17(3)(f), 20, 21), in the active
    language."""
    if on_appeal:
        text = ngettext(
            "This decision was taken on appeal by a reviewer other than the one who took the "
            "first decision. It is final within the platform for the party who appealed; the "
            "other party may appeal it once, free of charge, within %(months)s month "
            "(complainants on their tracking page, uploaders at their private link). You may "
            "also refer it to a certified out-of-court dispute settlement body, or go to court.",
            "This decision was taken on appeal by a reviewer other than the one who took the "
            "first decision. It is final within the platform for the party who appealed; the "
            "other party may appeal it once, free of charge, within %(months)s months "
            "(complainants on their tracking page, uploaders at their private link). You may "
            "also refer it to a certified out-of-court dispute settlement body, or go to court.",
            months,
        )
    else:
        text = ngettext(
            "You may appeal this decision once, free of charge, within %(months)s month: "
            "complainants on their tracking page, uploaders at their private link. It is "
            "decided by a reviewer other than the one who took this decision. You may also "
            "refer it to a certified out-of-court dispute settlement body, or go to court.",
            "You may appeal this decision once, free of charge, within %(months)s months: "
            "complainants on their tracking page, uploaders at their private link. It is "
            "decided by a reviewer other than the one who took this decision. You may also "
            "refer it to a certified out-of-court dispute settlement body, or go to court.",
            months,
        )
    return text % {"months": months}


def policy_problems(*, policy: str, business_days: int, appeal_window_months: int) -> list[str]:
    """What is wrong with the configured redress policy (checked at start-up)."""
    problems = []
    if policy not in POLICIES:
        problems.append(
            f"TAKEDOWN_COUNTER_NOTICE_POLICY is {policy!r}; expected one of {', '.join(POLICIES)}."
        )
    if policy == DMCA and business_days not in DMCA_BUSINESS_DAYS:
        problems.append(
            f"TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS is {business_days}; DMCA 512(g)(2)(C) restores "
            "10 to 14 business days after the counter-notice."
        )
    if appeal_window_months < 6:
        problems.append(
            f"TAKEDOWN_APPEAL_WINDOW_MONTHS is {appeal_window_months}; DSA art. 20(1) keeps "
            "internal complaints open for at least 6 months."
        )
    return problems


@dataclass(frozen=True)
class AppealRight:
    allowed: bool
    reason: str = ""
    closes_at: datetime | None = None


def appeal_right(
    *,
    party: str,
    decision_outcome: str | None,
    told_at: datetime | None,
    now: datetime,
    window_months: int,
    already_appealed: bool,
    appeal_open: bool,
    decided_on_appeal: bool = False,
) -> AppealRight:
    """May ``party`` ("complainant" or "uploader") appeal the case's latest decision now?

    Each party appeals at most once per case, within the window from when it was told of the
    decision; none while another appeal is open, none against a request for information, and
    an uploader only against a decision that restricted their content. A decision taken on
    one party's appeal may still be appealed by the other party, whom it may affect for the
    first time; for the appellant it is final within the platform.
    """
    if decision_outcome is None or told_at is None:
        return AppealRight(False, gettext("There is no decision to appeal yet."))
    if decision_outcome == "request_info":
        return AppealRight(False, gettext("A request for information cannot be appealed."))
    if party == "uploader" and decision_outcome not in ("uphold", "maintain"):
        return AppealRight(
            False, gettext("Only a decision that restricted your content can be appealed.")
        )
    if appeal_open:
        return AppealRight(False, gettext("An appeal on this case is already being reviewed."))
    if already_appealed:
        if decided_on_appeal:
            return AppealRight(
                False,
                gettext(
                    "This decision was taken on your appeal and is final within the platform; "
                    "you may still use a certified out-of-court dispute settlement body or go "
                    "to court."
                ),
            )
        return AppealRight(False, gettext("You have already appealed in this case."))
    closes_at = add_months(told_at, window_months)
    if now >= closes_at:
        ended = gettext("The appeal period ended on %(date)s.") % {
            "date": formats.date_format(closes_at, "DATE_FORMAT")
        }
        return AppealRight(False, ended, closes_at=closes_at)
    return AppealRight(True, closes_at=closes_at)


def invalid_country_codes(codes: list[str]) -> list[str]:
    """The entries of a territorial scope that are not ISO 3166-1 alpha-2 country codes."""
    return [c for c in codes if not isinstance(c, str) or c.upper() not in COUNTRY_CODES]
