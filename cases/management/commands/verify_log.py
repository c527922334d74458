import json

from django.core.management.base import BaseCommand, CommandError

from cases.actionlog import log_check
from cases.logchain import check_export


class Command(BaseCommand):
    help = (
        "Check the action log's whole hash chain: name the first broken entry by its sequence "
        "number (exit status 1), or print the head (sequence and hash) when intact. With "
        "--export FILE, check a case export instead, offline: every entry's hash recomputed, "
        "the links between consecutive entries, and the head it names."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--export",
            metavar="FILE",
            help="A case export (JSON) to check without the database.",
        )

    def handle(self, *args, export=None, **options):
        if export:
            return self._check_export(export)
        result = log_check()
        if not result.intact:
            for problem in result.problems:
                self.stderr.write(problem.message)
            raise CommandError(
                f"The action log fails verification: first broken entry is sequence "
                f"{result.first_broken} ({len(result.problems)} problem(s) in all)."
            )
        self.stdout.write(f"Action log intact: {result.entries} entries verified.")
        self.stdout.write(f"Head: {result.head}")

    def _check_export(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Could not read {path} as JSON: {error}") from None
        result = check_export(data)
        if not result.intact:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"The export fails verification: {len(result.problems)} problem(s).")
        head = data.get("log_head") or {}
        self.stdout.write(
            f"Export intact: {result.entries} entries recomputed, {result.links} links between "
            f"consecutive entries checked; {result.gaps} gap(s) hold other cases' entries."
        )
        self.stdout.write(
            f"The platform's verify_log checks the chain through those gaps up to the head "
            f"the export names: sequence {head.get('sequence')}, hash {head.get('hash')}."
        )
