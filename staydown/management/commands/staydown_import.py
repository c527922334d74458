from django.core.management.base import BaseCommand, CommandError

from staydown import services


class Command(BaseCommand):
    help = (
        "Import a PDQ hash list into the staydown bank (CSV: pdq,quality,reference,measure,"
        "added_at,source,note; only pdq is required). Any bad line refuses the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, or - for standard input")

    def handle(self, *args, path, **options):
        try:
            if path == "-":
                import sys

                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8-sig") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            result = services.bank_import_csv(text=text)
        except services.BankImportError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Imported {result['imported']} hash(es); {result['skipped']} already banked."
        )
