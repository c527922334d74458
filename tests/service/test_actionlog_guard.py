"""On PostgreSQL the database itself keeps the action log append-only, concurrent appends from
many connections make one unbroken chain, and verify_log finds what the table's owner or a
superuser changed. The app's own role, which does not own the tables, cannot switch the guard
off."""

import psycopg
import pytest
import urllib3

from tests.servers import manage
from tests.service.support import (
    Connection,
    case_id_of,
    create_staff,
    demo_post_ids,
    file_notice,
    notice_fields,
    together,
)


def _connect(deployment) -> psycopg.Connection:
    return psycopg.connect(deployment.database_url.replace("postgres://", "postgresql://"))


def _verify_log_fails(deployment) -> str:
    with pytest.raises(RuntimeError) as failure:
        manage(deployment.env(), "verify_log")
    return str(failure.value)


def test_postgresql_refuses_to_update_or_delete_action_log_rows(deployment):
    with _connect(deployment) as db:
        # The demo holds no cases yet: make one log row the way the services do, then attack it.
        manage(deployment.env(), "shell", "-c", INSERT_ONE_ENTRY)
        count = db.execute("SELECT count(*) FROM cases_actionlog").fetchone()[0]
        assert count == 1
        for statement in (
            "UPDATE cases_actionlog SET reasons = 'rewritten'",
            "UPDATE cases_actionlog SET sequence = 2",
            "DELETE FROM cases_actionlog",
            "TRUNCATE cases_actionlog CASCADE",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(statement)
            db.rollback()
        assert db.execute("SELECT reasons FROM cases_actionlog").fetchone()[0] == "Filed."


def test_postgresql_lets_the_log_head_only_move_forward_to_an_appended_entry(deployment):
    manage(deployment.env(), "shell", "-c", INSERT_ONE_ENTRY)
    with _connect(deployment) as db:
        assert db.execute("SELECT sequence FROM cases_loghead").fetchone()[0] == 1
        for statement in (
            "UPDATE cases_loghead SET sequence = 0",
            "UPDATE cases_loghead SET sequence = 2, entry_hash = repeat('f', 64)",
            "DELETE FROM cases_loghead",
            "TRUNCATE cases_loghead",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="only moves forward"):
                db.execute(statement)
            db.rollback()
    assert "Head: sequence 1, hash" in manage(deployment.env(), "verify_log")


def test_verify_log_names_an_entry_a_superuser_changed_by_its_sequence_number(deployment):
    manage(deployment.env(), "shell", "-c", INSERT_ENTRIES)
    assert "Head: sequence 5, hash" in manage(deployment.env(), "verify_log")

    with _connect(deployment) as db:
        # A superuser gets past the trigger by switching triggers off for the session (the
        # table's owner can too, with ALTER TABLE ... DISABLE TRIGGER: the app must not own it).
        db.execute("SET session_replication_role = replica")
        db.execute("UPDATE cases_actionlog SET reasons = 'rewritten' WHERE sequence = 3")
        db.commit()

    failure = _verify_log_fails(deployment)
    assert "first broken entry is sequence 3" in failure
    assert "entry 3 (case" in failure and "contents were altered" in failure


def test_verify_log_reports_an_entry_a_superuser_deleted(deployment):
    manage(deployment.env(), "shell", "-c", INSERT_ENTRIES)

    with _connect(deployment) as db:
        db.execute("SET session_replication_role = replica")
        db.execute("DELETE FROM cases_actionlog WHERE sequence = 2")
        db.commit()

    failure = _verify_log_fails(deployment)
    assert "first broken entry is sequence 2" in failure
    assert "entry 2 is missing: the chain jumps to 3" in failure


def _role(deployment, name: str, *, owner: bool = False) -> str:
    """A login role for this deployment's database (roles are cluster-wide: named after it),
    granted what the README's least-privilege app role gets; with ``owner``, it owns the
    action log instead. Returns a database URL that signs in as it."""
    role = f"{name}_{deployment.database_url.rsplit('/', 1)[1]}"
    deployment.sql(f'CREATE ROLE "{role}" LOGIN')
    if owner:
        deployment.sql(f'ALTER TABLE cases_actionlog OWNER TO "{role}"')
    else:
        for grant in APP_ROLE_GRANTS:
            deployment.sql(grant.format(role=f'"{role}"'))
    return deployment.database_url.replace("postgres@", f"{role}@")


def test_the_app_role_that_does_not_own_the_log_cannot_switch_its_guard_off(deployment):
    app_url = _role(deployment, "takedown_app")
    env = {**deployment.env(), "DATABASE_URL": app_url}
    # The app works as this role: it appends, and verify_log reads the chain.
    manage(env, "shell", "-c", INSERT_ONE_ENTRY)
    assert "Action log intact: 1 entries verified." in manage(env, "verify_log")

    with psycopg.connect(app_url.replace("postgres://", "postgresql://")) as db:
        for statement in (
            "ALTER TABLE cases_actionlog DISABLE TRIGGER cases_actionlog_append_only",
            "ALTER TABLE cases_actionlog DISABLE TRIGGER USER",
            "DROP TRIGGER cases_actionlog_append_only ON cases_actionlog",
            "ALTER TABLE cases_loghead DISABLE TRIGGER USER",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)
            db.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            db.execute("UPDATE cases_actionlog SET reasons = 'rewritten'")
        db.rollback()
    assert "Action log intact: 1 entries verified." in manage(env, "verify_log")


def test_the_owner_of_the_log_can_switch_its_guard_off_which_verify_log_then_finds(deployment):
    manage(deployment.env(), "shell", "-c", INSERT_ENTRIES)
    owner_url = _role(deployment, "takedown_owner", owner=True)

    with psycopg.connect(owner_url.replace("postgres://", "postgresql://")) as db:
        db.execute("ALTER TABLE cases_actionlog DISABLE TRIGGER cases_actionlog_append_only")
        db.execute("UPDATE cases_actionlog SET reasons = 'rewritten' WHERE sequence = 4")
        db.execute("ALTER TABLE cases_actionlog ENABLE TRIGGER cases_actionlog_append_only")
        db.commit()

    assert "first broken entry is sequence 4" in _verify_log_fails(deployment)


def test_concurrent_appends_from_many_connections_never_fork_the_chain(deployment):
    output = manage(deployment.env(), "shell", "-c", CONCURRENT_APPENDS)
    assert "ERRORS 0" in output, output

    entries = deployment.sql(
        "SELECT sequence, previous_hash, entry_hash FROM cases_actionlog ORDER BY sequence"
    )
    assert [sequence for sequence, _, _ in entries] == list(range(1, THREADS * APPENDS + 1))
    previous = [previous_hash for _, previous_hash, _ in entries]
    assert len(set(previous)) == len(previous), "two entries follow the same entry: a fork"
    for (_, _, before), (_, after_previous, _) in zip(entries, entries[1:], strict=False):
        assert after_previous == before
    verified = manage(deployment.env(), "verify_log")
    assert f"Action log intact: {THREADS * APPENDS} entries verified." in verified


def _send(deployment, method, path, *, token=None, json_body=None, fields=None):
    """A request sent from its own open connection once every thread is ready."""

    def call(barrier):
        connection = Connection(deployment, token)
        try:
            body, headers = None, {}
            if fields is not None:
                body, headers["Content-Type"] = urllib3.encode_multipart_formdata(fields)
            barrier.wait()
            return connection.request(method, path, json_body=json_body, body=body, headers=headers)
        finally:
            connection.close()

    return call


def test_staff_and_complainants_writing_at_once_through_the_api_make_one_chain(deployment):
    # Gunicorn with several processes and threads: claims on four cases and four new notices
    # about the same post (each locking the open cases it links to) append at the same moment.
    deployment.start_app(workers=3, threads=4)
    moderators = [f"moderator_{n}" for n in range(1, 5)]
    tokens = create_staff(deployment, moderators)
    reported = demo_post_ids(deployment, "glow.clinic")[:1]
    filed = [file_notice(deployment, reported, email=f"p{n}@example.com") for n in range(4)]
    case_ids = [case_id_of(deployment, answer.body["reference"]) for answer in filed]

    answers = together(
        [
            _send(deployment, "POST", f"/api/v1/cases/{case_id}/claim/", token=tokens[name])
            for case_id, name in zip(case_ids, moderators, strict=True)
        ]
        + [
            _send(
                deployment,
                "POST",
                "/api/v1/notices/",
                fields=notice_fields(reported, email=f"q{n}@example.com"),
            )
            for n in range(4)
        ]
    )

    assert [a.status for a in answers] == [200] * 4 + [201] * 4, [
        (a.status, a.detail) for a in answers
    ]
    sequences = [s for (s,) in deployment.sql("SELECT sequence FROM cases_actionlog ORDER BY 1")]
    assert sequences == list(range(1, len(sequences) + 1))
    verified = manage(deployment.env(), "verify_log")
    assert f"Action log intact: {len(sequences)} entries verified." in verified


def test_the_migration_to_one_chain_rechains_existing_entries_on_postgresql(deployment):
    manage(deployment.env(), "shell", "-c", INSERT_ENTRIES)
    head_before = manage(deployment.env(), "verify_log").splitlines()[-1]

    # Back to the per-case chains and forward again, with the append-only trigger in place.
    manage(deployment.env(), "migrate", "cases", "0011")
    with _connect(deployment) as db:
        assert db.execute("SELECT count(*) FROM cases_actionlog").fetchone()[0] == 5
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            db.execute("UPDATE cases_actionlog SET reasons = 'rewritten'")
    manage(deployment.env(), "migrate", "cases")

    verified = manage(deployment.env(), "verify_log")
    assert "Action log intact: 5 entries verified." in verified
    assert verified.splitlines()[-1] == head_before
    with (
        _connect(deployment) as db,
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
    ):
        db.execute("DELETE FROM cases_actionlog")


MAKE_CASE = """
from datetime import timedelta
from django.utils import timezone
from notices.models import Notice
from cases.models import Case
from cases.actionlog import log_append
from cases.roles import Actor

def make_case(n):
    notice = Notice.objects.create(
        reference=f"TD-2026-77{n:04d}", tracking_token_hash=f"{n:064d}", notifier_name="A",
        notifier_email="a@example.com", relationship="self", use_type="sale", description="d",
        requested_measure="delete", good_faith=True, accuracy=True, signature="A")
    return Case.objects.create(notice=notice, due_at=timezone.now() + timedelta(hours=1))
"""

INSERT_ONE_ENTRY = (
    MAKE_CASE
    + """
log_append(case=make_case(7777), actor=Actor.complainant(), action="notice_received",
           reasons="Filed.")
"""
)

INSERT_ENTRIES = (
    MAKE_CASE
    + """
cases = [make_case(1), make_case(2)]
for n in range(5):
    log_append(case=cases[n % 2], actor=Actor.system(), action="note", reasons=f"Entry {n}.",
               details={"n": n})
"""
)

# What the README's app role gets: data, never ownership (DDL stays with the migration role).
APP_ROLE_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
)

THREADS, APPENDS = 8, 25

# Each thread has its own database connection and case, and appends in its own transactions,
# all released at once: without the head lock, two would read the same head and fork the chain.
CONCURRENT_APPENDS = (
    MAKE_CASE
    + f"""
import threading
from django.db import connection, transaction
THREADS, APPENDS = {THREADS}, {APPENDS}
cases = [make_case(100 + t) for t in range(THREADS)]
barrier = threading.Barrier(THREADS)
errors = []

def append_many(case):
    try:
        barrier.wait()
        for n in range(APPENDS):
            with transaction.atomic():
                log_append(case=case, actor=Actor.system(), action="note", reasons=str(n))
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=append_many, args=(case,)) for case in cases]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("ERRORS", len(errors), errors[:3])
"""
)
