"""Celery tasks: thin wrappers that call the services."""

from celery import shared_task

from .measures import measure_execute, measure_mark_failed
from .platforms import PlatformError
from .verification import case_verify_matches


@shared_task(acks_late=True)
def verify_case_matches(case_id: int) -> None:
    case_verify_matches(case_id=case_id)


@shared_task(bind=True, acks_late=True, max_retries=5)
def execute_measure(self, measure_id: int) -> None:
    try:
        measure_execute(measure_id=measure_id)
    except PlatformError as error:
        if error.transient and self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=min(2**self.request.retries * 5, 300)) from None
        measure_mark_failed(measure_id=measure_id, error=error)
