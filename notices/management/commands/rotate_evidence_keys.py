"""Re-encrypt every stored document of an encrypted kind under the newest key.

Put the new key first in TAKEDOWN_EVIDENCE_KEYS (keeping the old ones after it), deploy, run
this, then drop the old keys. Files already under the newest key are skipped, so the command
can be stopped and run again at any time. Files of a kind encrypted at rest that were stored in
clear (before their kind was encrypted) are encrypted too.
"""

from django.core.management.base import BaseCommand
from django.db.models import Q

from notices.evidence import evidence_rekey
from notices.models import EvidenceFile
from notices.services import ENCRYPTED_KINDS


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted evidence file under the first key of "
        "TAKEDOWN_EVIDENCE_KEYS, and encrypt files of an encrypted kind still stored in clear."
    )

    def handle(self, *args, **options):
        files = EvidenceFile.objects.filter(
            Q(encrypted=True) | Q(kind__in=ENCRYPTED_KINDS), purged_at__isnull=True
        ).order_by("pk")
        rekeyed = current = in_clear = 0
        for evidence in files.iterator():
            was_clear = not evidence.encrypted
            if not evidence_rekey(evidence):
                current += 1
            elif was_clear:
                in_clear += 1
            else:
                rekeyed += 1
        self.stdout.write(
            f"Re-encrypted {rekeyed} file(s) under the newest key; {current} already were."
        )
        if in_clear:
            self.stdout.write(f"Encrypted {in_clear} file(s) that were stored in clear.")
