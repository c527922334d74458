"""On PostgreSQL the database itself keeps the action log append-only."""

import psycopg
import pytest

from tests.servers import manage


def test_postgresql_refuses_to_update_or_delete_action_log_rows(deployment):
    with psycopg.connect(deployment.database_url.replace("postgres://", "postgresql://")) as db:
        # The demo holds no cases yet: make one log row the way the services do, then attack it.
        manage(deployment.env(), "shell", "-c", INSERT_ONE_ENTRY)
        count = db.execute("SELECT count(*) FROM cases_actionlog").fetchone()[0]
        assert count == 1
        for statement in (
            "UPDATE cases_actionlog SET reasons = 'rewritten'",
            "DELETE FROM cases_actionlog",
            "TRUNCATE cases_actionlog CASCADE",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(statement)
            db.rollback()
        assert db.execute("SELECT reasons FROM cases_actionlog").fetchone()[0] == "Filed."


INSERT_ONE_ENTRY = """
from datetime import timedelta
from django.utils import timezone
from notices.models import Notice
from cases.models import Case
from cases.actionlog import log_append
from cases.roles import Actor
notice = Notice.objects.create(
    reference="TD-2026-777777", tracking_token_hash="x" * 64, notifier_name="A",
    notifier_email="a@example.com", relationship="self", use_type="sale", description="d",
    requested_measure="delete", good_faith=True, accuracy=True, signature="A")
case = Case.objects.create(notice=notice, due_at=timezone.now() + timedelta(hours=1))
log_append(case=case, actor=Actor.complainant(), action="notice_received", reasons="Filed.")
"""
