"""Which message each step of a case sends to the complainant."""

from notices.mail import send_on_commit

from .models import Case, Decision

TEMPLATE_BY_OUTCOME = {
    Decision.Outcome.UPHOLD: "decision_uphold",
    Decision.Outcome.REJECT: "decision_reject",
    Decision.Outcome.REQUEST_INFO: "request_info",
}


def email_complainant(case: Case, template: str, **context) -> None:
    """Store ``emails/<template>.txt`` for the case's complainant, sent once the change that
    caused it commits; the template gets ``notice``, ``case`` and ``context``."""
    notice = case.notice
    send_on_commit(
        template=template,
        to=notice.notifier_email,
        context={"notice": notice, "case": case, **context},
        notice=notice,
    )


def schedule_decision_email(*, case: Case, decision: Decision) -> None:
    email_complainant(case, TEMPLATE_BY_OUTCOME[decision.outcome], decision=decision)


def schedule_already_removed_email(*, case: Case) -> None:
    email_complainant(case, "already_removed")
