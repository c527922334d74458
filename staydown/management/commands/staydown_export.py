import io

from django.core.management.base import BaseCommand, CommandError

from staydown import services


class Command(BaseCommand):
    help = "Export the staydown bank as CSV (PDQ hex first, then its metadata)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="file to write, - for stdout")
        parser.add_argument(
            "--include-removed", action="store_true", help="also entries lifted from screening"
        )
        parser.add_argument(
            "--no-header", action="store_true", help="hash lines only, no header row"
        )
        parser.add_argument(
            "--hashes-only",
            action="store_true",
            help="the active PDQ hashes alone, one per line, no header and no metadata",
        )

    def handle(self, *args, path, include_removed, no_header, hashes_only, **options):
        if hashes_only and include_removed:
            raise CommandError(
                "--hashes-only writes the active hashes only: a bare hash cannot say it was "
                "removed. Use the CSV (without --hashes-only) with --include-removed."
            )
        chosen = {
            "include_removed": include_removed,
            "header": not no_header,
            "hashes_only": hashes_only,
        }
        if path == "-":
            buffer = io.StringIO()
            count = services.bank_export_csv(buffer, **chosen)
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                count = services.bank_export_csv(handle, **chosen)
        self.stderr.write(f"Exported {count} entries.")
