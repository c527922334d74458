"""On PostgreSQL the database itself refuses to change or delete action-log rows.

The model, its queryset, the admin and the API already refuse; this guard also stops a raw SQL
statement or another program sharing the database. SQLite (the embedded default) has no such
guard; there the hash chain still makes any change detectable (manage.py verify_action_log).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION takedown_actionlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cases_actionlog is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_actionlog_append_only
    BEFORE UPDATE OR DELETE ON cases_actionlog
    FOR EACH ROW EXECUTE FUNCTION takedown_actionlog_append_only();
CREATE TRIGGER cases_actionlog_no_truncate
    BEFORE TRUNCATE ON cases_actionlog
    FOR EACH STATEMENT EXECUTE FUNCTION takedown_actionlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS cases_actionlog_no_truncate ON cases_actionlog;
DROP TRIGGER IF EXISTS cases_actionlog_append_only ON cases_actionlog;
DROP FUNCTION IF EXISTS takedown_actionlog_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_queue_order_index")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
