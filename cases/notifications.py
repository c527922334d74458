"""Which message each decision sends to the complainant."""

from notices.mail import send_on_commit

from .models import Case, Decision

TEMPLATE_BY_OUTCOME = {
    Decision.Outcome.UPHOLD: "decision_uphold",
    Decision.Outcome.REJECT: "decision_reject",
    Decision.Outcome.REQUEST_INFO: "request_info",
}


def schedule_decision_email(*, case: Case, decision: Decision) -> None:
    notice = case.notice
    send_on_commit(
        template=TEMPLATE_BY_OUTCOME[decision.outcome],
        to=notice.notifier_email,
        context={"notice": notice, "case": case, "decision": decision},
        notice=notice,
    )


def schedule_already_removed_email(*, case: Case) -> None:
    notice = case.notice
    send_on_commit(
        template="already_removed",
        to=notice.notifier_email,
        context={"notice": notice, "case": case},
        notice=notice,
    )
