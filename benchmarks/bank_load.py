"""Building the staydown bank's index from the database, and catching up after a bulk import.

Fills the embedded SQLite (in a temporary folder) with 100,000 and then 1,000,000 bank entries
(5% of them removed) and times the index build a web process does as it starts
(``staydown.bank.warm_start``: primary-key ranges read into NumPy arrays) with the growth of
the process's memory while it runs, next to building the same index from arrays already in
memory. Then imports 260,000 more hashes through ``bank_import_csv`` (more than the 250,000
parameters Debian's SQLite allows in one query) and times the screening requests that follow: the
first catch-up that adds them, a second look back over the same rows (which must add
nothing and rebuild nothing), and an ordinary request's catch-up.

    .venv/bin/python -m benchmarks.bank_load [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

IMPORTED = 260_000
REMOVED_SHARE = 0.05


def _check(holds: bool, what: str) -> None:
    """A check that runs however Python is started (asserts are dropped under -O)."""
    if not holds:
        raise SystemExit(f"bank_load: check failed: {what}")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """The highest RSS growth over a block, sampled every few milliseconds."""

    def __enter__(self):
        self.base = self.peak = _rss_bytes()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, _rss_bytes())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 1e6


def configure(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "takedown.settings"
    os.environ["TAKEDOWN_VAR_DIR"] = str(workdir / "var")
    os.environ["TAKEDOWN_LOG_LEVEL"] = "WARNING"
    os.environ["TAKEDOWN_STAYDOWN_WARM_START"] = "true"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def fill(first_id: int, count: int, rng) -> None:
    """``count`` rows with ids from ``first_id``, stamped an hour ago (outside any look-back)."""
    from django.db import connection, transaction

    hexes = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
    removed = rng.random(count) < REMOVED_SHARE
    stamp = (datetime.now(UTC) - timedelta(hours=1)).isoformat(sep=" ")
    rows = (
        (
            first_id + n,
            hexes[n].tobytes().hex(),
            "import",
            f"bench-{first_id + n}",
            stamp,
            stamp if removed[n] else None,
            stamp,
        )
        for n in range(count)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO staydown_bankentry (id, pdq, source, reference, measure, note, "
            "added_at, removed_at, removed_reason, changed_at) "
            "VALUES (%s, %s, %s, %s, '', '', %s, %s, '', %s)",
            list(rows),
        )


def time_build() -> dict:
    from staydown import bank
    from staydown.index import HammingIndex
    from staydown.models import BankEntry

    bank.reset()
    with PeakMemory() as memory:
        started = time.perf_counter()
        bank.warm_start()
        seconds = time.perf_counter() - started
    entries = bank.size()
    _check(entries == BankEntry.objects.filter(removed_at__isnull=True).count(), "index size")
    ids, codes = bank._index._ids.copy(), bank._index._codes.copy()
    started = time.perf_counter()
    HammingIndex(ids, codes)
    in_memory = time.perf_counter() - started
    return {
        "entries": entries,
        "seconds": seconds,
        "in_memory": in_memory,
        "growth_mb": memory.growth_mb,
        "index_mb": bank._index.nbytes / 1e6,
    }


def time_catch_up(rng) -> dict:
    from staydown import bank
    from staydown.services import bank_import_csv

    hashes = rng.integers(0, 256, size=(IMPORTED, 32), dtype=np.uint8)
    text = "\n".join(row.tobytes().hex() for row in hashes)
    started = time.perf_counter()
    result = bank_import_csv(text=text)
    imported = time.perf_counter() - started
    _check(result["imported"] == IMPORTED, f"import: {result}")

    query = [hashes[0].tobytes()]

    def request(look_back: bool) -> float:
        bank.LOOKBACK_SECONDS = 0 if look_back else 3600
        started = time.perf_counter()
        found = bank.search(query, 0)
        took = time.perf_counter() - started
        _check(len(found) == 1, "one exact hit")
        return took

    first = request(look_back=True)
    after_first = bank.stats()
    again = request(look_back=True)
    unchanged = bank.stats() == after_first
    ordinary = request(look_back=False)
    return {
        "import": imported,
        "first": first,
        "again": again,
        "ordinary": ordinary,
        "unchanged": unchanged,
        "stats": after_first,
    }


def run(sizes: list[int], workdir: Path) -> int:
    configure(workdir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(11)
    print("Building the staydown index from SQLite (staydown.bank.warm_start)")
    header = (
        f"{'rows':>10} {'active':>10} {'from DB s':>10} {'rows/s':>10} {'in memory s':>12} "
        f"{'peak RSS +MB':>13} {'index MB':>9}"
    )
    print(header)
    print("-" * len(header))
    filled = 0
    for size in sizes:
        fill(filled + 1, size - filled, rng)
        filled = size
        r = time_build()
        print(
            f"{size:>10,} {r['entries']:>10,} {r['seconds']:>10.2f} "
            f"{r['entries'] / r['seconds']:>10,.0f} {r['in_memory']:>12.2f} "
            f"{r['growth_mb']:>13.0f} {r['index_mb']:>9.0f}"
        )
    c = time_catch_up(rng)
    print()
    print(
        f"Import of {IMPORTED:,} hashes (bank_import_csv, 5,000 rows a transaction): "
        f"{c['import']:.1f} s"
    )
    print("Screening requests after it (catch-up + search):")
    print(f"  first, looking back over the overlap (adds them)      {c['first'] * 1000:8.1f} ms")
    print(f"  again, looking back over the same rows (adds nothing) {c['again'] * 1000:8.1f} ms")
    print(f"  an ordinary request (the last few seconds only)       {c['ordinary'] * 1000:8.1f} ms")
    print(f"  index after the first: {c['stats']}; unchanged by the second: {c['unchanged']}")
    return 0 if c["unchanged"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    workdir = Path(tempfile.mkdtemp(prefix="takedown-bench-bank-load-"))
    try:
        return run(sorted(int(s) for s in args.sizes.split(",")), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
