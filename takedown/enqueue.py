"""Sending Celery tasks after commit, without letting a broker outage lose a request.

A task is sent only once the transaction that made its work commits. If the broker cannot be
reached the request still succeeds: the work stays recorded in the database (a case still to
verify, a pending measure) and the periodic sweeper enqueues it again when the broker is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, ConnectionError, TimeoutError)


def send_task(task, *args, fallback: Callable[[], None] | None = None, **kwargs) -> bool:
    """Send now; on a broker error log it, run ``fallback`` if given, and return False."""
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except BROKER_ERRORS as error:
        if fallback is not None:
            logger.warning("Broker unavailable, %s done in-process instead: %s", task.name, error)
            fallback()
        else:
            logger.warning("Broker unavailable, %s left for the sweeper: %s", task.name, error)
        return False
    return True


def enqueue_on_commit(task, *args, fallback: Callable[[], None] | None = None, **kwargs) -> None:
    transaction.on_commit(lambda: send_task(task, *args, fallback=fallback, **kwargs))
