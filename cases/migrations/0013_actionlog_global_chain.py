"""Turn the per-case hash chains into one global chain.

Existing entries get sequence numbers in id order (the order they were written) and their hashes
are recomputed over the new canonical content, each chained to the entry before it; the log head
is set to the last one. On PostgreSQL the append-only trigger (0005) is lifted for this one
transaction and put back before it commits.
"""

import hashlib
import json

from django.db import migrations

GENESIS = "0" * 64

LIFT_GUARD = "DROP TRIGGER IF EXISTS cases_actionlog_append_only ON cases_actionlog"
RESTORE_GUARD = """
CREATE TRIGGER cases_actionlog_append_only
    BEFORE UPDATE OR DELETE ON cases_actionlog
    FOR EACH ROW EXECUTE FUNCTION takedown_actionlog_append_only();
"""


def _hash(content: dict) -> str:
    # Frozen copy of cases.models.chain_hash over ActionLog.canonical_content() as of 0013.
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _rechain(apps, schema_editor, *, with_sequence: bool) -> None:
    ActionLog = apps.get_model("cases", "ActionLog")
    LogHead = apps.get_model("cases", "LogHead")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(LIFT_GUARD, params=None)
    previous_by_case: dict[int, str] = {}
    previous, sequence = GENESIS, 0
    for entry in ActionLog.objects.order_by("pk").iterator():
        sequence += 1
        content = {
            "case": entry.case_id,
            "actor": entry.actor_id,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "reasons": entry.reasons,
            "details": entry.details,
            "public_summary": entry.public_summary,
            "created_at": entry.created_at.isoformat(),
        }
        if with_sequence:
            content.update(sequence=sequence, previous_hash=previous)
        else:  # back to the per-case chains of 0005-0011
            content.update(previous_hash=previous_by_case.get(entry.case_id, GENESIS))
        entry_hash = _hash(content)
        ActionLog.objects.filter(pk=entry.pk).update(
            sequence=sequence if with_sequence else None,
            previous_hash=content["previous_hash"],
            entry_hash=entry_hash,
        )
        previous = previous_by_case[entry.case_id] = entry_hash
    if with_sequence:
        LogHead.objects.update_or_create(
            pk=1, defaults={"sequence": sequence, "entry_hash": previous}
        )
    else:
        LogHead.objects.all().delete()
    if postgres:
        schema_editor.execute(RESTORE_GUARD, params=None)


def to_global_chain(apps, schema_editor):
    _rechain(apps, schema_editor, with_sequence=True)


def to_per_case_chains(apps, schema_editor):
    _rechain(apps, schema_editor, with_sequence=False)


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_actionlog_sequence_loghead")]

    operations = [migrations.RunPython(to_global_chain, to_per_case_chains)]
