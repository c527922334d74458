"""Writes to the staydown bank, and screening against it."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases import imagematch
from cases.matching import pdq as pdq_hash

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
    a measure whose restore is already decided (applied late), or an item without a snapshot
    (logged)."""
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


@dataclass(frozen=True)
class ScreenMatch:
    entry: BankEntry
    distance: int
    query: int  # which of the screened hashes matched


def screen(*, hashes: list[str], max_distance: int) -> list[ScreenMatch]:
    """Active bank entries within ``max_distance`` bits of any of the PDQ ``hashes`` (hex),
    nearest first. Each hit is checked against the database row itself."""
    found = bank.search([pdq_hash.hex_to_bytes(h) for h in hashes], max_distance)
    entries = BankEntry.objects.filter(pk__in=found, removed_at__isnull=True)
    matches = []
    for entry in entries:
        # Recomputed from the row, so that an index behind the database cannot mislead.
        distance, query = min(
            (pdq_hash.distance(entry.pdq, h), number) for number, h in enumerate(hashes)
        )
        if distance <= max_distance:
            matches.append(ScreenMatch(entry, distance, query))
    matches.sort(key=lambda m: (m.distance, m.entry.pk))
    return matches


# --- CSV import and export ----------------------------------------------------------------


class BankImportError(ValueError):
    """The CSV has errors: nothing was imported."""


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
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_fixed_timezone(0))
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
    if removed_at is not None and timezone.is_naive(removed_at):
        removed_at = timezone.make_aware(removed_at, timezone.get_fixed_timezone(0))
    return {
        "pdq": pdq,
        "quality": int(quality) if quality else None,
        "reference": (values.get("reference") or "")[:100],
        "measure": measure,
        "added_at": parsed or timezone.now(),
        "note": (values.get("note") or "")[:200],
        "removed_at": removed_at,
    }


def bank_import_csv(*, text: str) -> dict:
    """Import a hash list (see README, "Staydown bank CSV"). Every line is checked first; any
    error refuses the whole file (BankImportError naming the lines). A hash already banked with
    the same reference is skipped. Returns {"imported": n, "skipped": n}."""
    rows, errors = [], []
    for line, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        if fields[0].strip().lower() == "pdq":
            continue  # a header row
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
    existing = set(
        BankEntry.objects.filter(
            pdq__in={r["pdq"] for r in rows}, removed_at__isnull=True
        ).values_list("pdq", "reference")
    )
    new = []
    for row in rows:
        key = (row["pdq"], row["reference"])
        if key in existing:
            continue
        existing.add(key)
        new.append(BankEntry(source=BankEntry.Source.IMPORT, **row))
    with transaction.atomic():
        BankEntry.objects.bulk_create(new, batch_size=5000)
    return {"imported": len(new), "skipped": len(rows) - len(new)}


def bank_export_csv(out, *, include_removed: bool = False, header: bool = True) -> int:
    """Write the bank as CSV to the text stream ``out``; returns the number of entries."""
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    entries = BankEntry.objects.order_by("pk")
    if not include_removed:
        entries = entries.filter(removed_at__isnull=True)
    count = 0
    for entry in entries.iterator(chunk_size=5000):
        writer.writerow(
            (
                entry.pdq,
                "" if entry.quality is None else entry.quality,
                entry.reference,
                entry.measure,
                entry.added_at.isoformat(),
                entry.source,
                entry.note,
                entry.removed_at.isoformat() if entry.removed_at else "",
            )
        )
        count += 1
    return count
