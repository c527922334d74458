"""Statements of reasons in the EU DSA Transparency Database's batch format."""

import argparse
import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.errors import Conflict
from cases.models import StatementExport
from cases.transparency import export_statements, record_export


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date in the format YYYY-MM-DD."
        ) from None


class Command(BaseCommand):
    help = (
        "Print the statements of reasons of the restrictions applied in a period, in the EU "
        'DSA Transparency Database\'s batch format: one JSON document {"statements": [...]} '
        "per line, at most 100 statements each (one POST to the batch endpoint per line). "
        "Statements an earlier export handed out are left out (the database refuses a puid it "
        "already holds) unless --include-exported. Every record is validated first; if any "
        "fails, nothing is exported and the command names each record (puid, field, reason), "
        "unless --skip-invalid exports the valid ones. What is handed out is recorded, unless "
        "--dry-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_day, help="first day of application (YYYY-MM-DD)")
        parser.add_argument("--until", type=_day, help="last day of application (YYYY-MM-DD)")
        parser.add_argument("--output", help="write to this file instead of standard output")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="export the valid statements even if some records fail validation (they are "
            "listed and counted, and stay out until corrected)",
        )
        parser.add_argument(
            "--include-exported",
            action="store_true",
            help="also the statements an earlier export handed out (recorded as re-exports)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the statements without recording them as exported",
        )

    def handle(
        self,
        *args,
        since=None,
        until=None,
        output=None,
        skip_invalid=False,
        include_exported=False,
        dry_run=False,
        **options,
    ):
        # Options given to call_command() by name arrive unparsed.
        try:
            since = _day(since) if isinstance(since, str) else since
            until = _day(until) if isinstance(until, str) else until
        except argparse.ArgumentTypeError as error:
            raise CommandError(str(error)) from None
        if since and until and since > until:
            raise CommandError(f"--since ({since}) is after --until ({until}).")
        export = export_statements(
            since, until, include_exported=include_exported, skip_invalid=skip_invalid
        )
        for record in export.invalid:
            self.stderr.write(f"puid {record.puid} ({record.record}):")
            for problem in record.problems:
                self.stderr.write(f"  - {problem}")
        if export.refused:
            raise CommandError(
                f"{len(export.invalid)} statement(s) fail validation: nothing was exported. "
                "Correct them, or export the valid ones with --skip-invalid."
            )
        lines = [json.dumps(batch, ensure_ascii=False) for batch in export.batches()]
        try:
            # Recorded and written together: if writing fails, nothing is recorded.
            with transaction.atomic():
                if not dry_run:
                    record_export(export, channel=StatementExport.Channel.COMMAND)
                if output:
                    with open(output, "w", encoding="utf-8") as out:
                        out.writelines(line + "\n" for line in lines)
                else:
                    for line in lines:
                        self.stdout.write(line)
        except Conflict as error:
            raise CommandError(error.message) from None
        self.stderr.write(self._summary(export, len(lines), dry_run))

    @staticmethod
    def _summary(export, batches: int, dry_run: bool) -> str:
        skipped = export.skipped()
        text = f"{len(export.statements)} statement(s) in {batches} batch(es) exported"
        text += " (dry run: not recorded)." if dry_run else "."
        if export.reexported:
            text += (
                f" {len(export.reexported)} of them were exported before: the database refuses "
                "a puid it already holds."
            )
        text += (
            f" Skipped: {skipped['invalid']} invalid (listed above), "
            f"{skipped['already_exported']} already exported (--include-exported to export "
            f"them again), {skipped['outside_europe']} restricted only outside the EU/EEA."
        )
        return text
