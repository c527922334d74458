import sys

from django.core.management.base import BaseCommand, CommandError

from staydown import services


class Command(BaseCommand):
    help = (
        "Import a PDQ hash list into the staydown bank (CSV: pdq,quality,reference,measure,"
        "added_at,source,note,removed_at; only pdq is required; bare hashes and "
        "python-threatexchange's 'pdq <hash>' lines too). Any bad line refuses the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, or - for standard input")

    def handle(self, *args, path, **options):
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8-sig") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{path} is not a text file (UTF-8): a bank CSV has one PDQ hash per line."
            ) from None
        try:
            result = services.bank_import_csv(text=text)
        except services.BankImportError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Imported {result['imported']} hash(es); {result['skipped']} already banked."
        )
        if result["low_quality"]:
            self.stdout.write(
                f"Not banked: {result['low_quality']} hash(es) of PDQ quality under "
                f"{services.pdq_hash.MIN_QUALITY} (images too flat to match on)."
            )
        for kind, count in sorted(result["other_signals"].items()):
            self.stdout.write(
                f"Skipped {count} line(s) of signal type {kind!r}: only PDQ is banked."
            )
