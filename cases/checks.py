"""Start-up checks of the redress policy: a misconfigured waiting period or appeal window
would break the law quietly, case after case, so the process refuses to start instead."""

from datetime import date

from django.conf import settings
from django.core import checks

from . import policy


@checks.register()
def redress_policy_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = policy.policy_problems(
        policy=settings.TAKEDOWN_COUNTER_NOTICE_POLICY,
        business_days=settings.TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS,
        appeal_window_months=settings.TAKEDOWN_APPEAL_WINDOW_MONTHS,
    )
    for value in settings.TAKEDOWN_PUBLIC_HOLIDAYS:
        try:
            date.fromisoformat(value)
        except ValueError:
            problems.append(
                f"TAKEDOWN_PUBLIC_HOLIDAYS holds {value!r}, not an ISO date (YYYY-MM-DD)."
            )
    return [checks.Error(problem, id="takedown.E001") for problem in problems]


def public_holidays() -> frozenset[date]:
    """The configured public holidays (validated by the check above)."""
    return frozenset(date.fromisoformat(value) for value in settings.TAKEDOWN_PUBLIC_HOLIDAYS)
