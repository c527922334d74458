import io

from django.core.management.base import BaseCommand

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

    def handle(self, *args, path, include_removed, no_header, **options):
        if path == "-":
            buffer = io.StringIO()
            count = services.bank_export_csv(
                buffer, include_removed=include_removed, header=not no_header
            )
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                count = services.bank_export_csv(
                    handle, include_removed=include_removed, header=not no_header
                )
        self.stderr.write(f"Exported {count} entries.")
