"""An in-memory index of 256-bit hashes (PDQ) answering "which are within r bits of this one?".

Plain NumPy, no Django: the staydown bank keeps one per process, and ``make bench-match``
measures it on its own.

Multi-index hashing (Norouzi, Punjani and Fleet, 2012). Each hash is cut into 16 slots of 16
bits. If two hashes are at most 31 bits apart, then in at least one of the 16 slots they differ
in at most one bit (were every slot 2 or more bits apart, the whole would be 32 or more). So a
search looks, in each slot's table, at the entries whose slot value equals the query's or is
one bit away from it (17 values per slot, 272 in all), and checks only those candidates with an
exact XOR + popcount. The result is exactly what a full scan returns; the work grows with the
number of candidates, not with the size of the bank. Each slot's table is one sorted array of
row numbers with the start of every one of the 65,536 slot values (counting sort), so a
lookup is two array reads, and memory is 64 bytes per entry for the 16 tables plus the 32 bytes
of the hash and 8 of its id.

Entries added after the tables were built wait in a small side list that is scanned in full;
removed ones are masked. When the side list grows past a fraction of the whole, the tables are
rebuilt (a rebuild of a million entries takes well under a second). ``holds`` tells, for many
ids at once, whether the index already has each with a given hash, so that a caller replaying
changes can skip those it has already applied.

Radii above 31 fall back to a full scan (still XOR + popcount, vectorised).
"""

from __future__ import annotations

import numpy as np

BITS = 256
BYTES = BITS // 8
WORDS = BITS // 64
SLOTS = 16
SLOT_VALUES = 1 << 16
# Largest radius the tables answer exactly (see above); larger ones scan.
MAX_INDEXED_RADIUS = 2 * SLOTS - 1
# The query's slot value and its 16 one-bit neighbours.
_FLIPS = np.array([0] + [1 << bit for bit in range(16)], dtype=np.int64)


def as_codes(codes) -> np.ndarray:
    """Hashes as an (n, 4) uint64 array, from (n, 32) uint8, (n, 4) uint64, or a list of
    32-byte strings."""
    if isinstance(codes, (list, tuple)):
        codes = np.frombuffer(b"".join(codes), dtype=np.uint8).reshape(-1, BYTES)
    codes = np.ascontiguousarray(codes)
    if codes.dtype == np.uint8:
        codes = codes.reshape(-1, BYTES).view(np.uint64)
    if codes.dtype != np.uint64 or codes.ndim != 2 or codes.shape[1] != WORDS:
        raise ValueError(f"hashes must be {BITS} bits each: an (n, {BYTES}) uint8 array")
    return codes


def distances(codes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance of one query (4 uint64) to every row of an (n, 4) uint64 array: the
    plain scan, XOR and popcount."""
    counts = np.bitwise_count(np.bitwise_xor(codes, query))  # (n, 4) uint8, 0..64 each
    # Add the four byte counts of a row with one multiply: viewed as a uint32, the top byte
    # of count * 0x01010101 is their sum. It wraps only at 256 (every bit differs), which
    # reads as 0; the exact count is restored for those rows.
    packed = counts.view(np.uint32).ravel()
    total = (packed * np.uint32(0x01010101)) >> np.uint32(24)
    wrapped = np.flatnonzero((total == 0) & (packed != 0))
    total[wrapped] = BITS
    return total


def scan(codes: np.ndarray, query: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, distances) of every row within ``radius`` bits of ``query``, by a full scan."""
    found = distances(codes, query)
    rows = np.flatnonzero(found <= radius)
    return rows, found[rows]


class HammingIndex:
    """Exact Hamming-radius search over 256-bit hashes with integer ids.

    ``search`` returns the ids within the radius and their distances, sorted by distance then
    id. ``add`` with an id already present replaces its hash; ``remove`` ignores unknown ids.
    Not safe for concurrent use: the caller serialises access.
    """

    def __init__(self, ids=None, codes=None, *, rebuild_fraction: float = 0.05):
        self.rebuild_fraction = rebuild_fraction
        ids = np.zeros(0, np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        codes = np.zeros((0, WORDS), np.uint64) if codes is None else as_codes(codes)
        if len(ids) != len(codes):
            raise ValueError("ids and hashes differ in number")
        increasing = len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1]))  # as read, in id order
        if not increasing and len(np.unique(ids)) != len(ids):
            raise ValueError("ids must be unique")
        self.rebuilds = 0
        self._build(ids, codes)

    # --- building ---------------------------------------------------------------------

    def _build(self, ids: np.ndarray, codes: np.ndarray) -> None:
        if len(ids) and np.any(ids[1:] < ids[:-1]):
            order = np.argsort(ids, kind="stable")
            ids, codes = ids[order], codes[order]
        count = len(ids)
        slots = codes.view(np.uint16)  # (n, 16): slot k of row i is slots[i, k]
        tables = np.empty((SLOTS, count), dtype=np.uint32)
        starts = np.empty((SLOTS, SLOT_VALUES + 1), dtype=np.int64)
        for slot in range(SLOTS):
            keys = np.ascontiguousarray(slots[:, slot])
            tables[slot] = np.argsort(keys, kind="stable")  # a radix sort for uint16
            starts[slot, 0] = 0
            np.cumsum(np.bincount(keys, minlength=SLOT_VALUES), out=starts[slot, 1:])
        self._ids = np.ascontiguousarray(ids)
        self._codes = np.ascontiguousarray(codes)
        self._tables = tables.reshape(-1)
        self._starts = starts.reshape(-1)
        self._alive = np.ones(count, dtype=bool)
        self._removed = 0
        self._extra_ids = np.zeros(0, np.int64)
        self._extra_codes = np.zeros((0, WORDS), np.uint64)

    def rebuild(self) -> None:
        """Fold the side list and the removals into fresh tables."""
        alive = self._alive
        ids = np.concatenate([self._ids[alive], self._extra_ids])
        codes = np.concatenate([self._codes[alive], self._extra_codes])
        self._build(ids, codes)
        self.rebuilds += 1

    # --- changes ----------------------------------------------------------------------

    def add(self, ids, codes) -> None:
        ids = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        codes = as_codes(codes)
        if len(ids) != len(codes):
            raise ValueError("ids and hashes differ in number")
        self.remove(ids)
        self._extra_ids = np.concatenate([self._extra_ids, ids])
        self._extra_codes = np.concatenate([self._extra_codes, codes])
        if len(self._extra_ids) > max(1024, self.rebuild_fraction * len(self._ids)):
            self.rebuild()

    def remove(self, ids) -> None:
        ids = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        if not len(ids):
            return
        if len(self._ids):
            rows = np.searchsorted(self._ids, ids)
            rows = rows[rows < len(self._ids)]
            hit = rows[np.isin(self._ids[rows], ids)]
            newly = hit[self._alive[hit]]
            self._alive[newly] = False
            self._removed += len(newly)
        if len(self._extra_ids):
            keep = ~np.isin(self._extra_ids, ids)
            self._extra_ids, self._extra_codes = self._extra_ids[keep], self._extra_codes[keep]

    # --- reading ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids) - self._removed + len(self._extra_ids)

    @property
    def pending(self) -> int:
        """Entries in the side list, waiting for the next rebuild."""
        return len(self._extra_ids)

    def _lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(present, codes): whether each id is in the index and not removed, and its hash
        (zeros where absent)."""
        present = np.zeros(len(ids), dtype=bool)
        codes = np.zeros((len(ids), WORDS), dtype=np.uint64)
        if len(self._ids):
            rows = np.minimum(np.searchsorted(self._ids, ids), len(self._ids) - 1)
            hit = (self._ids[rows] == ids) & self._alive[rows]
            present |= hit
            codes[hit] = self._codes[rows[hit]]
        if len(self._extra_ids):  # an id is never both alive in the tables and in the list
            order = np.argsort(self._extra_ids)
            ordered = self._extra_ids[order]
            places = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
            hit = ordered[places] == ids
            present |= hit
            codes[hit] = self._extra_codes[order[places[hit]]]
        return present, codes

    def contains(self, ids) -> np.ndarray:
        """For each id, whether the index holds it (added and not removed since)."""
        return self._lookup(np.atleast_1d(np.asarray(ids, dtype=np.int64)))[0]

    def holds(self, ids, codes) -> np.ndarray:
        """For each id, whether the index holds it with exactly this hash."""
        ids = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        codes = as_codes(codes)
        if len(ids) != len(codes):
            raise ValueError("ids and hashes differ in number")
        present, held = self._lookup(ids)
        return present & np.all(held == codes, axis=1)

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays."""
        parts = (
            self._ids,
            self._codes,
            self._tables,
            self._starts,
            self._alive,
            self._extra_ids,
            self._extra_codes,
        )
        return sum(part.nbytes for part in parts)

    def _candidates(self, query: np.ndarray) -> np.ndarray:
        """Rows sharing a slot with the query up to one bit (with repeats)."""
        count = len(self._ids)
        values = query.view(np.uint16).astype(np.int64)  # (16,)
        probes = (values[:, None] ^ _FLIPS[None, :]) + (
            np.arange(SLOTS, dtype=np.int64)[:, None] * (SLOT_VALUES + 1)
        )
        probes = probes.ravel()
        low = self._starts[probes]
        lengths = self._starts[probes + 1] - low
        present = lengths > 0
        lengths = lengths[present]
        if not len(lengths):
            return np.zeros(0, np.int64)
        # Where each run of rows starts in the flattened tables (slot k's table at k * n).
        first = (
            low[present] + np.repeat(np.arange(SLOTS, dtype=np.int64) * count, len(_FLIPS))[present]
        )
        ends = np.cumsum(lengths)
        positions = np.arange(ends[-1], dtype=np.int64) + np.repeat(
            first - (ends - lengths), lengths
        )
        return self._tables[positions]

    def search(self, query, radius: int = MAX_INDEXED_RADIUS) -> tuple[np.ndarray, np.ndarray]:
        """(ids, distances) of the hashes within ``radius`` bits of ``query`` (32 bytes, or an
        array of 4 uint64), nearest first."""
        array = np.frombuffer(query, np.uint8) if isinstance(query, bytes) else np.asarray(query)
        query = as_codes(array.reshape(1, -1))[0]
        if radius < 0:
            raise ValueError("radius must be 0 or more")
        if radius > MAX_INDEXED_RADIUS:
            rows, found = scan(self._codes, query, radius)
        else:
            rows = self._candidates(query)
            found = distances(np.take(self._codes, rows, axis=0), query)
            keep = np.flatnonzero(found <= radius)
            rows, found = rows[keep], found[keep]
            if len(rows) > 1:  # found through more than one slot
                rows, first = np.unique(rows, return_index=True)
                found = found[first]
        alive = self._alive[rows]
        ids, found = self._ids[rows[alive]], found[alive]
        if len(self._extra_ids):
            extra_rows, extra_found = scan(self._extra_codes, query, radius)
            ids = np.concatenate([ids, self._extra_ids[extra_rows]])
            found = np.concatenate([found, extra_found])
        order = np.lexsort((ids, found))
        return ids[order], found[order]
