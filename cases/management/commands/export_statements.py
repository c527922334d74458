"""Statements of reasons in the EU DSA Transparency Database's batch format."""

import argparse
import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from cases.transparency import export_statements


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date in the format YYYY-MM-DD."
        ) from None


class Command(BaseCommand):
    help = (
        "Print the statements of reasons of the measures applied in a period, in the EU DSA "
        'Transparency Database\'s batch format: one JSON document {"statements": [...]} per '
        "line, at most 100 statements each (one POST to the batch endpoint per line). Every "
        "record is validated first; if any fails, nothing is exported and the command exits "
        "with an error naming each record and its problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_day, help="first day of application (YYYY-MM-DD)")
        parser.add_argument("--until", type=_day, help="last day of application (YYYY-MM-DD)")
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args, since=None, until=None, output=None, **options):
        # Options given to call_command() by name arrive unparsed.
        try:
            since = _day(since) if isinstance(since, str) else since
            until = _day(until) if isinstance(until, str) else until
        except argparse.ArgumentTypeError as error:
            raise CommandError(str(error)) from None
        if since and until and since > until:
            raise CommandError(f"--since ({since}) is after --until ({until}).")
        export = export_statements(since, until)
        if not export.ok:
            for label, problems in export.problems:
                self.stderr.write(f"{label}:")
                for problem in problems:
                    self.stderr.write(f"  - {problem}")
            raise CommandError(
                f"{len(export.problems)} statement(s) fail validation: nothing was exported."
            )
        lines = [json.dumps(batch, ensure_ascii=False) for batch in export.batches()]
        if output:
            with open(output, "w", encoding="utf-8") as out:
                out.writelines(line + "\n" for line in lines)
        else:
            for line in lines:
                self.stdout.write(line)
        self.stderr.write(
            f"{len(export.statements)} statement(s) in {len(lines)} batch(es) exported."
        )
