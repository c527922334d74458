from celery import shared_task

from .mail import deliver


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, acks_late=True)
def send_message(message_id: int) -> None:
    """Send a stored e-mail; after the retries it stays unsent and the sweeper tries again."""
    deliver(message_id=message_id)


@shared_task
def purge_expired_evidence() -> dict:
    """Beat: delete the evidence files whose retention after their case closed has ended, then
    the hashes whose retention has."""
    from .retention import purge_expired_evidence as purge
    from .retention import purge_expired_hashes

    return {**purge(), "hashes": purge_expired_hashes()}


@shared_task
def remove_orphaned_evidence() -> int:
    """Beat: delete recent evidence objects that no row names, an hour after they were stored
    (an intake or upload that failed after storing them)."""
    from datetime import timedelta

    from .evidence import evidence_orphans_remove, recent_folders

    return len(evidence_orphans_remove(older_than=timedelta(hours=1), folders=recent_folders()))
