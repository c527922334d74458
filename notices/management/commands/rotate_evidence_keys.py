"""Re-encrypt every stored identity and authorisation document under the newest key.

Put the new key first in TAKEDOWN_EVIDENCE_KEYS (keeping the old ones after it), deploy, run
this, then drop the old keys. Files already under the newest key are skipped, so the command
can be stopped and run again at any time.
"""

from django.core.management.base import BaseCommand

from notices.evidence import evidence_rekey
from notices.models import EvidenceFile


class Command(BaseCommand):
    help = "Re-encrypt every encrypted evidence file under the first key of TAKEDOWN_EVIDENCE_KEYS."

    def handle(self, *args, **options):
        files = EvidenceFile.objects.filter(encrypted=True, purged_at__isnull=True).order_by("pk")
        rekeyed = current = 0
        for evidence in files.iterator():
            if evidence_rekey(evidence):
                rekeyed += 1
            else:
                current += 1
        self.stdout.write(
            f"Re-encrypted {rekeyed} file(s) under the newest key; {current} already were."
        )
