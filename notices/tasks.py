from celery import shared_task

from .mail import deliver


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, acks_late=True)
def send_message(message_id: int) -> None:
    """Send a stored e-mail; after the retries it stays unsent and the sweeper tries again."""
    deliver(message_id=message_id)


@shared_task
def purge_expired_evidence() -> dict:
    """Beat: delete the evidence files whose retention after their case closed has ended."""
    from .retention import purge_expired_evidence as purge

    return purge()
