"""The in-memory index of this process, kept in step with the database.

Built when a web process starts (``warm_start``, called by ``takedown/wsgi.py`` while
TAKEDOWN_STAYDOWN_WARM_START is on), else by the first screening request; management
commands, workers and tests that never screen never build it. The build reads the active rows
by primary-key ranges of LOAD_CHUNK rows straight into preallocated NumPy arrays, so that a
bank of millions never exists as Python objects.

Before every search it catches up with the rows changed since it last looked (an indexed query
on ``changed_at``), from RECENT_SLACK_SECONDS earlier so that a write committed a moment after
it was stamped is not missed. Every LOOKBACK_SECONDS it looks back the whole
``TAKEDOWN_STAYDOWN_SYNC_OVERLAP`` instead, for the transactions that committed late (and
clocks that differ between hosts). Rows the index already has as they are (present with the
same hash, or absent) are skipped, so looking at a row again changes nothing and costs no
rebuild. Hits are checked once more against the database, so a stale entry can never be
reported.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from .index import BYTES, HammingIndex
from .models import BankEntry

logger = logging.getLogger(__name__)

# Rows read per query when building the index.
LOAD_CHUNK = 50_000
# Every catch-up reads the rows stamped this long before the last one started...
RECENT_SLACK_SECONDS = 5
# ...and this often, those of the whole TAKEDOWN_STAYDOWN_SYNC_OVERLAP.
LOOKBACK_SECONDS = 15

_lock = threading.Lock()
_index: HammingIndex | None = None
_synced_at = None
_looked_back_at = None


def _codes(hexes: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, BYTES)


def _fetch(rows) -> list[tuple]:
    """The rows of a values_list query in one fetch: integers and strings need none of the
    ORM's per-row work, which would double the time a build of millions takes."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _load() -> None:
    global _index, _synced_at, _looked_back_at
    started = timezone.now()
    active = BankEntry.objects.filter(removed_at__isnull=True).order_by("pk")
    # Rows banked while this runs are read too, or found by the first catch-up.
    capacity = active.count()
    ids = np.empty(capacity, dtype=np.int64)
    codes = np.empty((capacity, BYTES), dtype=np.uint8)
    filled, after = 0, 0
    while True:
        chunk = _fetch(active.filter(pk__gt=after).values_list("pk", "pdq")[:LOAD_CHUNK])
        if not chunk:
            break
        count = len(chunk)
        if filled + count > len(ids):
            grown = max(filled + count, len(ids) + len(ids) // 4)
            ids = np.resize(ids, grown)
            codes = np.resize(codes, (grown, BYTES))
        ids[filled : filled + count] = np.fromiter((pk for pk, _ in chunk), np.int64, count)
        codes[filled : filled + count] = _codes([pdq for _, pdq in chunk])
        filled += count
        after = chunk[-1][0]
        if count < LOAD_CHUNK:
            break
    _index = HammingIndex(ids[:filled], codes[:filled])
    _synced_at = _looked_back_at = started


def _changed_since(since) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, hashes) of the active rows and ids of the removed rows changed since ``since``."""
    # Unordered: sorted by id (the model's default), SQLite scans the whole table in id order
    # instead of reading the changed_at index.
    changed = BankEntry.objects.filter(changed_at__gte=since).order_by()
    active = _fetch(changed.filter(removed_at__isnull=True).values_list("pk", "pdq"))
    removed = [pk for (pk,) in _fetch(changed.filter(removed_at__isnull=False).values_list("pk"))]
    active_ids = np.fromiter((pk for pk, _ in active), np.int64, len(active))
    active_codes = _codes([pdq for _, pdq in active])
    return active_ids, active_codes, np.array(removed, dtype=np.int64)


def _catch_up() -> None:
    global _synced_at, _looked_back_at
    started = timezone.now()
    if (started - _looked_back_at).total_seconds() >= LOOKBACK_SECONDS:
        since = _synced_at - timedelta(seconds=settings.TAKEDOWN_STAYDOWN_SYNC_OVERLAP)
        _looked_back_at = started
    else:
        since = _synced_at - timedelta(seconds=RECENT_SLACK_SECONDS)
    active_ids, active_codes, removed_ids = _changed_since(since)
    if len(removed_ids):
        _index.remove(removed_ids[_index.contains(removed_ids)])
    if len(active_ids):
        new = ~_index.holds(active_ids, active_codes)
        if new.any():
            _index.add(active_ids[new], active_codes[new])
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


def warm_start() -> None:
    """Build the index now, as a web process starts (TAKEDOWN_STAYDOWN_WARM_START). If the
    database cannot be read yet (not migrated), the first screening request builds it."""
    if not settings.TAKEDOWN_STAYDOWN_WARM_START:
        return
    began = time.perf_counter()
    try:
        with _lock:
            if _index is None:
                _load()
        logger.info(
            "Staydown bank index: %d entries built in %.1f s.",
            len(_index),
            time.perf_counter() - began,
        )
    except DatabaseError as error:
        logger.warning("Staydown bank index not built at start (%s); built on first use.", error)
    finally:
        # A connection opened here must not outlive the start: gunicorn --preload forks the
        # workers from this process, and they must not share it.
        if not connection.in_atomic_block:
            connection.close()


def size() -> int | None:
    """Entries in this process's index, or None before it is built."""
    return None if _index is None else len(_index)


def stats() -> dict | None:
    """How the index stands: entries, entries waiting in its side list, rebuilds so far."""
    if _index is None:
        return None
    return {"entries": len(_index), "pending": _index.pending, "rebuilds": _index.rebuilds}


def reset() -> None:
    """Forget the index; the next search builds it again (tests, after a bulk import)."""
    global _index, _synced_at, _looked_back_at
    with _lock:
        _index, _synced_at, _looked_back_at = None, None, None
