"""Writes to the staydown bank, and screening against it."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases import imagematch
from cases.matching import pdq as pdq_hash
from takedown.csvcells import csv_safe, csv_unquoted

from . import bank
from .models import BankEntry

logger = logging.getLogger(__name__)

# Measures that take an image down, and so bank it. A restore lifts one.
BANKED_MEASURES = ("delete", "disconnect_link", "block")
# The CSV columns, PDQ first so that tools reading "one hash per line" take the first field.
# removed_at last: set only for an entry taken out of screening (exported with
# --include-removed); such a line is imported as removed too, never as an active hash.
CSV_COLUMNS = (
    "pdq",
    "quality",
    "reference",
    "measure",
    "added_at",
    "source",
    "note",
    "removed_at",
)
CSV_MEASURES = ("delete", "disconnect_link", "block")
MAX_IMPORT_ERRORS_SHOWN = 10
# python-threatexchange prints a signal as "<type> <value>" ("pdq f8f8..."; "md5 ...").
SIGNAL_TYPE = re.compile(r"[a-z][a-z0-9_]*")
# Rows written per import transaction; hashes per existence query (SQLite builds allow 999 to
# 250,000 parameters a query); rows read per export query.
IMPORT_CHUNK = 5_000
LOOKUP_BATCH = 500
EXPORT_CHUNK = 5_000
# Matches answered per screening, nearest first.
MAX_MATCHES = 100


def _hashes_of_item(item) -> tuple[str, int | None] | None:
    """PDQ of the reported image as fetched when the case was verified."""
    snapshot = item.snapshot
    if snapshot is not None:
        with snapshot.file.open("rb") as handle:
            data = handle.read()
        try:
            found = imagematch.pdq_fingerprint(data)
            return found["pdq"], found["quality"]
        except ValueError as error:
            logger.warning("Snapshot %s of item %s not hashed: %s", snapshot.pk, item.pk, error)
    match = getattr(item, "match", None)
    hashes = match.reported_hashes if match is not None else {}
    if hashes.get("pdq"):
        return hashes["pdq"], hashes.get("pdq_quality")
    return None


def bank_add_for_measure(*, measure) -> BankEntry | None:
    """Bank the image of an applied measure (once per measure). Nothing to bank for a restore,
    a measure whose restore is already decided (applied late), an item without a snapshot, or
    an image too flat for its PDQ hash to mean anything (quality under pdq.MIN_QUALITY, the
    threshold hash-sharing programmes use); the last two are logged."""
    if measure.measure not in BANKED_MEASURES:
        return None
    existing = BankEntry.objects.filter(platform_measure=measure).first()
    if existing is not None:
        return existing
    if type(measure).objects.filter(lifts=measure).exists():
        logger.info("Measure %s: its restore is already decided; not banked.", measure.pk)
        return None
    hashes = _hashes_of_item(measure.item)
    if hashes is None:
        logger.warning("Measure %s: no image of item %s to bank.", measure.pk, measure.item_id)
        return None
    pdq, quality = hashes
    if not screenable(quality):
        logger.warning(
            "Measure %s: the image of item %s is too flat to bank (PDQ quality %s, under %s).",
            measure.pk,
            measure.item_id,
            quality,
            pdq_hash.MIN_QUALITY,
        )
        return None
    return BankEntry.objects.create(
        pdq=pdq,
        quality=quality,
        source=BankEntry.Source.CASE,
        case=measure.case,
        item=measure.item,
        platform_measure=measure,
        reference=measure.case.reference,
        measure=measure.measure,
    )


def bank_remove_for_measure(*, measure, reason: str = "") -> int:
    """Take out of screening what a lifted measure had banked: the entries of that item in
    that case (``measure`` is the restore, or the measure it lifts). Returns how many."""
    reason = reason or f"measure lifted ({measure.measure}, measure {measure.pk})"
    return BankEntry.objects.filter(
        case_id=measure.case_id, item_id=measure.item_id, removed_at__isnull=True
    ).update(removed_at=timezone.now(), removed_reason=reason[:200], changed_at=timezone.now())


# --- screening -------------------------------------------------------------------------------


def screenable(quality: int | None) -> bool:
    """Whether a hash is worth matching: PDQ quality unknown, or at least pdq.MIN_QUALITY (a
    flat image, a blank or a gradient, hashes to bits that match too much)."""
    return quality is None or quality >= pdq_hash.MIN_QUALITY


@dataclass(frozen=True)
class ScreenMatch:
    entry: BankEntry
    distance: int
    query: int  # which of the screened hashes matched


@dataclass(frozen=True)
class ScreenResult:
    matches: list[ScreenMatch]  # the nearest, at most ``limit``
    count: int  # every active entry within the distance
    screened: list[bool]  # for each hash, whether it was matched at all (its quality)

    @property
    def truncated(self) -> bool:
        return self.count > len(self.matches)


def screen(
    *,
    hashes: list[str],
    max_distance: int,
    qualities: list[int | None] | None = None,
    limit: int = MAX_MATCHES,
) -> ScreenResult:
    """Active bank entries within ``max_distance`` bits of any of the PDQ ``hashes`` (hex),
    nearest first, at most ``limit`` of them; each is checked against its database row. A hash
    whose quality is below pdq.MIN_QUALITY is not matched."""
    qualities = qualities or [None] * len(hashes)
    screened = [screenable(quality) for quality in qualities]
    wanted = [h for h, ok in zip(hashes, screened, strict=True) if ok]
    found = bank.search([pdq_hash.hex_to_bytes(h) for h in wanted], max_distance) if wanted else {}
    numbers = [n for n, ok in enumerate(screened) if ok]  # wanted[i] is hashes[numbers[i]]
    nearest = sorted(found, key=lambda pk: (found[pk][0], pk))
    matches, stale = [], 0
    for start in range(0, len(nearest), limit):
        batch = nearest[start : start + limit]
        entries = BankEntry.objects.in_bulk(batch)
        for pk in batch:
            entry = entries.get(pk)
            if entry is None or entry.removed_at is not None:
                stale += 1
                continue
            # Recomputed from the row, so that an index behind the database cannot mislead.
            distance, query = min(
                (pdq_hash.distance(entry.pdq, h), numbers[n]) for n, h in enumerate(wanted)
            )
            if distance > max_distance:
                stale += 1
                continue
            matches.append(ScreenMatch(entry, distance, query))
        if len(matches) >= limit:
            break
    matches.sort(key=lambda m: (m.distance, m.entry.pk))
    return ScreenResult(matches[:limit], len(found) - stale, screened)


# --- CSV import and export ----------------------------------------------------------------


class BankImportError(ValueError):
    """The CSV has errors: nothing was imported."""


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value


def _parse_row(fields: list[str], line: int) -> dict:
    values = dict(zip(CSV_COLUMNS, (f.strip() for f in fields), strict=False))
    try:
        pdq = pdq_hash.hex_to_bytes(values["pdq"]).hex()
    except ValueError as error:
        raise ValueError(f"line {line}: {error}") from None
    quality = values.get("quality") or ""
    if quality and not (quality.isdigit() and 0 <= int(quality) <= 100):
        raise ValueError(f"line {line}: quality must be a whole number 0-100, not {quality!r}.")
    added_at = values.get("added_at") or ""
    parsed = parse_datetime(added_at) if added_at else None
    if added_at and parsed is None:
        raise ValueError(f"line {line}: added_at must be an ISO 8601 date-time, not {added_at!r}.")
    measure = values.get("measure") or ""
    if measure and measure not in CSV_MEASURES:
        raise ValueError(
            f"line {line}: measure must be one of {', '.join(CSV_MEASURES)} or empty, "
            f"not {measure!r}."
        )
    removed = values.get("removed_at") or ""
    removed_at = parse_datetime(removed) if removed else None
    if removed and removed_at is None:
        raise ValueError(f"line {line}: removed_at must be an ISO 8601 date-time, not {removed!r}.")
    removed_at = _aware(removed_at) if removed_at else None
    added = _aware(parsed) if parsed else timezone.now()
    if removed_at is not None:
        added = min(added, removed_at)  # an entry is never removed before it was added
    return {
        "pdq": pdq,
        "quality": int(quality) if quality else None,
        "reference": csv_unquoted(values.get("reference") or "")[:100],
        "measure": measure,
        "added_at": added,
        "note": csv_unquoted(values.get("note") or "")[:200],
        "removed_at": removed_at,
    }


def _signal_line(first: str) -> tuple[str, str] | None:
    """("pdq", hash) or (other type, value) for a "<signal type> <value>" field, the form
    python-threatexchange prints signals in; None for a plain field."""
    kind, _, value = first.partition(" ")
    if value.strip() and SIGNAL_TYPE.fullmatch(kind.lower()):
        return kind.lower(), value.strip()
    return None


def _parse(text: str) -> tuple[list[dict], dict[str, int]]:
    """Every line checked: (rows, lines skipped by signal type); BankImportError otherwise."""
    rows, errors, other_signals = [], [], Counter()
    for line, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        first = fields[0].strip()
        if first.lower() == "pdq":
            continue  # a header row
        signal = _signal_line(first)
        if signal is not None:
            kind, value = signal
            if kind != "pdq":
                other_signals[kind] += 1
                continue
            fields = [value, *fields[1:]]
        try:
            rows.append(_parse_row(fields, line))
        except ValueError as error:
            errors.append(str(error))
    if errors:
        shown = "; ".join(errors[:MAX_IMPORT_ERRORS_SHOWN])
        more = len(errors) - MAX_IMPORT_ERRORS_SHOWN
        raise BankImportError(
            f"{len(errors)} line(s) with errors, nothing imported: {shown}"
            + (f"; and {more} more" if more > 0 else "")
        )
    return rows, dict(other_signals)


def _banked(pdqs: set[str]) -> dict[tuple[str, str], set[bool]]:
    """{(pdq, reference): {active?...}} of the entries already banked with these hashes."""
    known: dict[tuple[str, str], set[bool]] = {}
    ordered = sorted(pdqs)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        entries = BankEntry.objects.filter(pdq__in=ordered[start : start + LOOKUP_BATCH])
        for pdq, reference, removed_at in entries.values_list("pdq", "reference", "removed_at"):
            known.setdefault((pdq, reference), set()).add(removed_at is None)
    return known


def bank_import_csv(*, text: str) -> dict:
    """Import a hash list (see README, "Staydown bank CSV"). Every line is checked first; any
    error refuses the whole file (BankImportError naming the lines). Then it is written in
    transactions of IMPORT_CHUNK rows, each short enough for every process's index to see it
    (TAKEDOWN_STAYDOWN_SYNC_OVERLAP); an import cut short is completed by running it again.

    Skipped: a hash already banked under the same reference (active; for a removed line, in
    any state), a hash too flat to match on (quality under pdq.MIN_QUALITY), lines of another
    signal type. Returns {"imported", "skipped", "low_quality", "other_signals": {type: n}}."""
    rows, other_signals = _parse(text)
    imported = skipped = low_quality = 0
    for start in range(0, len(rows), IMPORT_CHUNK):
        chunk = rows[start : start + IMPORT_CHUNK]
        with transaction.atomic():
            known = _banked({row["pdq"] for row in chunk})
            new = []
            for row in chunk:
                if not screenable(row["quality"]):
                    low_quality += 1
                    continue
                active = row["removed_at"] is None
                states = known.setdefault((row["pdq"], row["reference"]), set())
                if (active and True in states) or (not active and states):
                    skipped += 1
                    continue
                states.add(active)
                new.append(BankEntry(source=BankEntry.Source.IMPORT, **row))
            BankEntry.objects.bulk_create(new)
        imported += len(new)
    if low_quality:
        logger.warning(
            "Import: %d hash(es) under PDQ quality %d not banked.",
            low_quality,
            pdq_hash.MIN_QUALITY,
        )
    return {
        "imported": imported,
        "skipped": skipped,
        "low_quality": low_quality,
        "other_signals": other_signals,
    }


def bank_export_csv(
    out, *, include_removed: bool = False, header: bool = True, hashes_only: bool = False
) -> int:
    """Write the bank as CSV to the text stream ``out``; returns the number of entries. With
    ``hashes_only``, the active hashes alone, one per line, for tools that read nothing else."""
    entries = BankEntry.objects.order_by("pk")
    if not include_removed or hashes_only:
        entries = entries.filter(removed_at__isnull=True)
    count = 0
    if hashes_only:
        for pdq in entries.values_list("pdq", flat=True).iterator(chunk_size=EXPORT_CHUNK):
            out.write(pdq + "\n")
            count += 1
        return count
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=EXPORT_CHUNK):
        writer.writerow(
            (
                entry.pdq,
                "" if entry.quality is None else entry.quality,
                csv_safe(entry.reference),
                entry.measure,
                entry.added_at.isoformat(),
                csv_safe(entry.source),
                csv_safe(entry.note),
                entry.removed_at.isoformat() if entry.removed_at else "",
            )
        )
        count += 1
    return count
