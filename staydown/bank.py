"""The in-memory index of this process, kept in step with the database.

Built lazily, from one query, the first time a process screens an image (so that starting a
process, a test or a management command costs nothing). Before every search it catches up with
the rows changed since it last looked (an indexed query on ``changed_at`` that returns the few
rows added or removed meanwhile), looking back ``TAKEDOWN_STAYDOWN_SYNC_OVERLAP`` seconds more
so that a transaction that committed late is not missed; applying a row twice is harmless.
Hits are checked once more against the database, so a stale entry can never be reported.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from .index import HammingIndex
from .models import BankEntry

_lock = threading.Lock()
_index: HammingIndex | None = None
_synced_at = None


def _codes(hexes: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, 32)


def _load() -> None:
    global _index, _synced_at
    started = timezone.now()
    rows = list(
        BankEntry.objects.filter(removed_at__isnull=True).order_by("pk").values_list("pk", "pdq")
    )
    ids = np.array([pk for pk, _ in rows], dtype=np.int64)
    _index = HammingIndex(ids, _codes([pdq for _, pdq in rows]) if rows else None)
    _synced_at = started


def _catch_up() -> None:
    global _synced_at
    started = timezone.now()
    since = _synced_at - timedelta(seconds=settings.TAKEDOWN_STAYDOWN_SYNC_OVERLAP)
    changed = list(
        BankEntry.objects.filter(changed_at__gte=since).values_list("pk", "pdq", "removed_at")
    )
    removed = [pk for pk, _, removed_at in changed if removed_at is not None]
    added = [(pk, pdq) for pk, pdq, removed_at in changed if removed_at is None]
    if removed:
        _index.remove(removed)
    if added:
        _index.add([pk for pk, _ in added], _codes([pdq for _, pdq in added]))
    _synced_at = started


def search(hashes: list[bytes], radius: int) -> dict[int, tuple[int, int]]:
    """{entry id: (distance, number of the query hash)} of the active entries within
    ``radius`` bits of any of ``hashes`` (32 bytes each), nearest query kept."""
    with _lock:
        if _index is None:
            _load()
        else:
            _catch_up()
        found: dict[int, tuple[int, int]] = {}
        for number, query in enumerate(hashes):
            ids, distances = _index.search(query, radius)
            for pk, distance in zip(ids.tolist(), distances.tolist(), strict=True):
                if pk not in found or distance < found[pk][0]:
                    found[pk] = (distance, number)
        return found


def size() -> int | None:
    """Entries in this process's index, or None before it is built."""
    return None if _index is None else len(_index)


def reset() -> None:
    """Forget the index; the next search builds it again (tests, after a bulk import)."""
    global _index, _synced_at
    with _lock:
        _index, _synced_at = None, None
