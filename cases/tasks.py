"""Celery tasks: thin wrappers that call the services."""

from celery import shared_task
from django.conf import settings

from . import account_measures, deadlines, measures, redress, verification
from .platforms import PlatformError


def _retry_later(task, error: PlatformError, *args: int) -> bool:
    """Schedule the next attempt of a transient failure; False once the retries are spent."""
    retries = task.request.retries
    if not error.transient or retries >= settings.TAKEDOWN_MEASURE_MAX_RETRIES:
        return False
    if task.request.is_eager:
        # The embedded default has no broker to hold a delayed retry: try again in-line.
        task.apply(args=args, retries=retries + 1, throw=True)
        return True
    countdown = min(2**retries * 5, settings.TAKEDOWN_MEASURE_RETRY_BACKOFF_MAX)
    raise task.retry(exc=error, countdown=countdown)


@shared_task(bind=True, acks_late=True, max_retries=None)
def verify_case_matches(self, case_id: int) -> None:
    """Verify a case's match evidence; a platform that is briefly unavailable is asked again
    with backoff, and only after the last retry are its items recorded as unavailable."""
    last_attempt = self.request.retries >= settings.TAKEDOWN_MEASURE_MAX_RETRIES
    try:
        verification.case_verify_matches(case_id=case_id, last_attempt=last_attempt)
    except PlatformError as error:
        if not _retry_later(self, error, case_id):
            raise


@shared_task(bind=True, acks_late=True, max_retries=None)
def execute_measure(self, measure_id: int) -> None:
    """Apply a measure; transient platform errors are retried with exponential backoff, and
    after TAKEDOWN_MEASURE_MAX_RETRIES the measure is marked failed for staff to retry."""
    try:
        measures.measure_execute(measure_id=measure_id)
    except PlatformError as error:
        if not _retry_later(self, error, measure_id):
            measures.measure_mark_failed(measure_id=measure_id, error=error)


@shared_task(bind=True, acks_late=True, max_retries=None)
def notify_uploader(self, measure_id: int) -> None:
    """Forward the decision to the uploader; the sweeper tries again if retries run out."""
    try:
        measures.measure_notify_uploader(measure_id=measure_id)
    except PlatformError as error:
        if not _retry_later(self, error, measure_id):
            raise


@shared_task(bind=True, acks_late=True, max_retries=None)
def notify_appeal_outcome(self, appeal_id: int) -> None:
    try:
        redress.notify_appeal_outcome(appeal_id=appeal_id)
    except PlatformError as error:
        if not _retry_later(self, error, appeal_id):
            raise


@shared_task(bind=True, acks_late=True, max_retries=None)
def notify_dispute_outcome(self, decision_id: int, access_id: int) -> None:
    try:
        redress.notify_dispute_outcome(decision_id=decision_id, access_id=access_id)
    except PlatformError as error:
        if not _retry_later(self, error, decision_id, access_id):
            raise


def _account_work(task, work, infringer_id: int, case_id: int) -> None:
    """Account work on a repeat infringer; a platform that is briefly unavailable is asked
    again a minute later, for as long as it takes (the sweeper also sends it again)."""
    try:
        work(infringer_id=infringer_id, case_id=case_id)
    except PlatformError as error:
        if task.request.is_eager or not error.transient:
            raise
        raise task.retry(exc=error, countdown=60) from error


@shared_task(bind=True, acks_late=True, max_retries=None)
def apply_account_measure(self, infringer_id: int, case_id: int) -> None:
    _account_work(self, account_measures.apply_account_measure, infringer_id, case_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def warn_repeat_infringer(self, infringer_id: int, case_id: int) -> None:
    """Give a flagged uploader the prior warning before any account measure."""
    _account_work(self, account_measures.warn_repeat_infringer, infringer_id, case_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def lift_account_measure(self, infringer_id: int, case_id: int) -> None:
    """Lift the account measure of a repeat-infringer flag a reversal or its end cleared."""
    _account_work(self, account_measures.lift_account_measure, infringer_id, case_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def notify_account_measure(self, infringer_id: int, case_id: int) -> None:
    """Tell the uploader of the account measure (its statement of reasons), or of its lift."""
    _account_work(self, account_measures.account_measure_notify_uploader, infringer_id, case_id)


@shared_task
def requeue_stalled_work() -> dict:
    return deadlines.requeue_stalled_work()


@shared_task
def enforce_deadlines() -> dict:
    return deadlines.enforce_deadlines()
