"""Delete evidence objects that no evidence row names (an upload whose transaction failed
after the file was stored, or a process killed half-way), once they are an hour old."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from notices.evidence import evidence_orphans_remove, recent_folders


class Command(BaseCommand):
    help = (
        "Delete files in the evidence storage that no evidence row names and that are older "
        "than --minutes (60). Scans this month's and last month's folders; --all scans the "
        "whole storage. Each deletion is logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=60)
        parser.add_argument("--all", action="store_true", help="Scan every folder.")

    def handle(self, *args, minutes, all, **options):
        deleted = evidence_orphans_remove(
            older_than=timedelta(minutes=minutes), folders=None if all else recent_folders()
        )
        for name in deleted:
            self.stdout.write(f"Deleted {name}")
        self.stdout.write(
            f"Deleted {len(deleted)} evidence object(s) that no evidence row names "
            f"(older than {minutes} minutes)."
        )
