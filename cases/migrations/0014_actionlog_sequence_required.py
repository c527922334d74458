"""Every entry has its sequence number from now on; on PostgreSQL the log head is guarded too.

Its own migration: on PostgreSQL a table cannot be altered in the transaction that just updated
its rows (0013). The head guard refuses to delete the head and lets it move only forward by one
entry at a time, to an entry that exists with that sequence number and hash.
"""

from django.db import migrations, models

CREATE_HEAD_GUARD = """
CREATE OR REPLACE FUNCTION takedown_loghead_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.sequence = OLD.sequence + 1
       AND EXISTS (SELECT 1 FROM cases_actionlog
                   WHERE sequence = NEW.sequence AND entry_hash = NEW.entry_hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'cases_loghead only moves forward, one appended entry at a time: % refused',
        TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_loghead_forward_only
    BEFORE UPDATE OR DELETE ON cases_loghead
    FOR EACH ROW EXECUTE FUNCTION takedown_loghead_forward_only();
CREATE TRIGGER cases_loghead_no_truncate
    BEFORE TRUNCATE ON cases_loghead
    FOR EACH STATEMENT EXECUTE FUNCTION takedown_loghead_forward_only();
"""

DROP_HEAD_GUARD = """
DROP TRIGGER IF EXISTS cases_loghead_no_truncate ON cases_loghead;
DROP TRIGGER IF EXISTS cases_loghead_forward_only ON cases_loghead;
DROP FUNCTION IF EXISTS takedown_loghead_forward_only();
"""


def create_head_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_HEAD_GUARD, params=None)


def drop_head_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_HEAD_GUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_actionlog_global_chain")]

    operations = [
        migrations.AlterField(
            model_name="actionlog",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.RunPython(create_head_guard, drop_head_guard),
    ]
