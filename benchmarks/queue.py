"""The review queue at 100,000 cases, against a baseline of 1,000 in the same run.

Starts one throwaway PostgreSQL with two databases, fills one with 1,000 cases and the other
with 100,000 (COPY through psycopg: notices with 1-3 reported items, a mix of states and
verdicts, match results, decisions and platform measures), serves each with its own gunicorn,
and times the staff queue page (``GET /staff/``, signed in with a session) and the queue API
(``GET /api/v1/cases/``, token) for the first page, a middle page and a filtered page
(state=received, verdict=match), alternating between the two databases request by request.

Prints p50/p95 per page at 1k and 100k and their ratio, the SQL queries per request (counted
in-process by benchmarks/queue_probe.py: they must not grow with the number of cases) and the
EXPLAIN ANALYZE of the queue's own queries at 100k. Exits 1 if the query counts differ.

    .venv/bin/python -m benchmarks.queue          (also run by: make bench-load)
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess  # nosec B404
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg

from benchmarks.harness import create_staff, http_pool, percentile, servers, web_session
from tests.servers import PYTHON, ROOT, Deployment

BASELINE_CASES = 1_000
LARGE_CASES = 100_000
REQUESTS = 30  # measured requests per page, endpoint and database
WARM_UP = 3
PAGE_SIZE = 25  # both the web queue and the API (TAKEDOWN_PAGE_SIZE default)
SEED = 20260402

STATES = {  # share of cases in each state
    "received": 0.45,
    "in_review": 0.10,
    "needs_info": 0.05,
    "actioned": 0.22,
    "rejected": 0.12,
    "withdrawn": 0.02,
    "closed": 0.04,
}
VERDICTS = {"match": 0.30, "possible": 0.15, "no_match": 0.40, "unavailable": 0.07, "pending": 0.08}
DUE_HOURS = {"match": 24, "possible": 48, "no_match": 72, "unavailable": 72, "pending": 48}
MEASURES = ["delete", "disconnect_link", "block"]

NOTICE_COLUMNS = (
    "id, reference, tracking_token_hash, idempotency_key, idempotency_fingerprint, "
    "notifier_name, notifier_email, notifier_phone, relationship, use_type, description, "
    "requested_measure, good_faith, accuracy, signature, language, received_at"
)
ITEM_COLUMNS = (
    "id, notice_id, submitted, content_id, url, measure, outcome, snapshot_id, uploader_id, "
    "uploader_name"
)
CASE_COLUMNS = (
    "id, notice_id, state, verdict, due_at, claimed_by_id, claim_expires_at, info_due_at, "
    "created_at, updated_at"
)
MATCH_COLUMNS = (
    "id, item_id, verdict, distance, best_reference_id, best_variant, distances, "
    "reported_hashes, reference_hashes, detail, checked_at"
)
DECISION_COLUMNS = (
    "id, case_id, outcome, reasons, private_notes, decided_by_id, decided_at, replaces_id"
)
MEASURE_COLUMNS = (
    "id, item_id, decision_id, measure, idempotency_key, status, requested_by_id, "
    "requested_at, completed_at, attempts, last_attempt_at, platform_response, error, "
    "uploader_notified_at"
)
TABLES = [
    ("notices_notice", NOTICE_COLUMNS),
    ("notices_reporteditem", ITEM_COLUMNS),
    ("cases_case", CASE_COLUMNS),
    ("cases_matchresult", MATCH_COLUMNS),
    ("cases_decision", DECISION_COLUMNS),
    ("cases_platformmeasure", MEASURE_COLUMNS),
]
# A blank value per column type, for NOT NULL columns this file does not know yet.
BLANK_BY_TYPE = {
    "character varying": "",
    "text": "",
    "integer": 0,
    "bigint": 0,
    "smallint": 0,
    "double precision": 0.0,
    "boolean": False,
    "jsonb": "{}",
}


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def generate(count: int, staff_id: int, now: datetime) -> dict[str, list[tuple]]:
    """Rows for ``count`` cases, table by table (ids from 1: the databases hold no cases)."""
    # bandit B311: reproducible synthetic cases.
    rng = random.Random(SEED)  # nosec B311
    rows: dict[str, list[tuple]] = {table: [] for table, _ in TABLES}
    item_id = match_id = decision_id = measure_id = 0
    for n in range(1, count + 1):
        received = now - timedelta(seconds=rng.randrange(30 * 24 * 3600))
        state, verdict = _pick(rng, STATES), _pick(rng, VERDICTS)
        measure = rng.choice(MEASURES)
        rows["notices_notice"].append(
            (
                n,
                f"TD-2026-{n:06d}",
                hashlib.sha256(f"token-{n}".encode()).hexdigest(),
                None,
                "",
                f"Complainant {n}",
                f"complainant{n}@example.com",
                "",
                "self",
                "commercial_endorsement",
                "My selfie is used as a fake customer photo.",
                measure,
                True,
                True,
                f"Complainant {n}",
                "en",
                received,
            )
        )
        in_review = state == "in_review"
        rows["cases_case"].append(
            (
                n,
                n,
                state,
                verdict,
                received + timedelta(hours=DUE_HOURS[verdict]),
                staff_id if in_review else None,
                now + timedelta(minutes=20) if in_review else None,
                now + timedelta(days=10) if state == "needs_info" else None,
                received,
                received,
            )
        )
        decided = state in ("actioned", "rejected", "needs_info") or (
            state == "closed" and rng.random() < 0.7
        )
        outcome = {"actioned": "uphold", "rejected": "reject", "needs_info": "request_info"}.get(
            state, "reject"
        )
        if decided:
            decision_id += 1
            rows["cases_decision"].append(
                (
                    decision_id,
                    n,
                    outcome,
                    "Statement of reasons.",
                    "",
                    staff_id,
                    received + timedelta(hours=6),
                    None,
                )
            )
        item_outcome = {"uphold": "upheld", "reject": "rejected"}.get(outcome, "pending")
        for k in range(rng.choice([1, 1, 2, 3])):
            item_id += 1
            content = f"post-{n * 3 + k}"
            rows["notices_reporteditem"].append(
                (
                    item_id,
                    n,
                    content,
                    content,
                    f"http://127.0.0.1:8000/platform/posts/{n * 3 + k}/",
                    measure if decided and outcome == "uphold" else "",
                    item_outcome if decided else "pending",
                    None,
                    f"account{n % 500}",
                    f"Account {n % 500}",
                )
            )
            if verdict != "pending":
                match_id += 1
                item_verdict = verdict if k == 0 else _pick(rng, VERDICTS)
                item_verdict = "no_match" if item_verdict == "pending" else item_verdict
                distance = {"match": 6.5, "possible": 12.5}.get(item_verdict, 24.0)
                rows["cases_matchresult"].append(
                    (
                        match_id,
                        item_id,
                        item_verdict,
                        distance,
                        None,
                        "mirrored",
                        json.dumps({"phash": distance, "dhash": distance}),
                        "{}",
                        "[]",
                        "",
                        received + timedelta(minutes=1),
                    )
                )
            if decided and outcome == "uphold":
                measure_id += 1
                status = rng.choices(["applied", "failed", "pending"], weights=[90, 5, 5])[0]
                rows["cases_platformmeasure"].append(
                    (
                        measure_id,
                        item_id,
                        decision_id,
                        measure,
                        f"td-measure-bench-{measure_id}",
                        status,
                        staff_id,
                        received + timedelta(hours=6),
                        received + timedelta(hours=6, seconds=2) if status == "applied" else None,
                        1 if status != "failed" else 6,
                        received + timedelta(hours=6, seconds=1),
                        json.dumps({"state": "deleted"}) if status == "applied" else "{}",
                        "platform answered 503" if status == "failed" else "",
                        None,
                    )
                )
    return rows


def _unlisted_required_columns(db, table: str, columns: str, now: datetime) -> dict:
    """NOT NULL columns added to the models after this benchmark was written, with a blank
    value each (what a Django default of "" / 0 / {} would store), so that seeding keeps working
    while the schema grows. Printed, so that nobody is surprised."""
    listed = {name.strip() for name in columns.split(",")}
    extra = {}
    for name, data_type in db.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' "
        "ORDER BY ordinal_position",
        (table,),
    ):
        if name not in listed:
            extra[name] = now if data_type.startswith("timestamp") else BLANK_BY_TYPE[data_type]
    if extra:
        print(f"  ({table}: also filled {', '.join(f'{k}={v!r}' for k, v in extra.items())})")
    return extra


def seed(database_url: str, count: int) -> dict[str, float]:
    """COPY ``count`` cases into the database; returns the seconds each step took."""
    took = {}
    start = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as db:
        staff_id = db.execute("SELECT id FROM auth_user WHERE username = 'moderator'").fetchone()[0]
        now = datetime.now(UTC)
        rows = generate(count, staff_id, now)
        took["generate"], start = time.perf_counter() - start, time.perf_counter()
        # The throwaway cluster runs with synchronous_commit=off; VACUUM cannot mark rows
        # visible to all until their commit is flushed, so this commit waits for its flush.
        db.execute("SET synchronous_commit = on")
        with db.transaction(), db.cursor() as cursor:
            for table, columns in TABLES:
                extra = _unlisted_required_columns(db, table, columns, now)
                names = ", ".join([columns, *extra])
                values = tuple(extra.values())
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row + values)
                # The ids were given explicitly: move the identity sequence past them.
                # Not an injection: table names come from the TABLES constant.
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        took["copy"], start = time.perf_counter() - start, time.perf_counter()
        # What autovacuum does soon after a bulk load on a live database: planner statistics
        # and the visibility map that lets the queue's id lookups be index-only scans.
        for table, _ in TABLES:
            db.execute(f"VACUUM ANALYZE {table}")
        took["vacuum analyze"] = time.perf_counter() - start
    return took


def probe(deployment: Deployment, scenarios: dict[str, str]) -> dict:
    # bandit B404/B603: a fixed argv, this interpreter running our own probe module.
    result = subprocess.run(  # nosec B603
        [PYTHON, "-m", "benchmarks.queue_probe", json.dumps(scenarios)],
        cwd=ROOT,
        env=deployment.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"queue_probe failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def scenarios_for(count: int) -> dict[str, str]:
    middle = max(1, count // PAGE_SIZE // 2)
    return {
        "first page": "page=1",
        "middle page": f"page={middle}",
        "filtered": "state=received&verdict=match&page=1",
    }


def web_query(endpoint: str, query: str) -> str:
    """The web queue shows open cases by default; compare like with like: every state."""
    return query if endpoint != "web" or "state=" in query else f"state=all&{query}"


def measure_latencies(deployments: dict, sizes: dict, auth: dict, http) -> None:
    header = (
        f"{'page':<13}{'endpoint':<20}{'1k p50':>8}{'1k p95':>8}{'100k p50':>10}"
        f"{'100k p95':>10}{'ratio p50':>11}"
    )
    print(header + "   (ms)")
    print("-" * len(header))
    for name in scenarios_for(BASELINE_CASES):
        for endpoint, path in (("web", "/staff/"), ("api", "/api/v1/cases/")):
            times: dict[str, list[float]] = {label: [] for label in sizes}
            urls = {}
            for label, d in deployments.items():
                query = web_query(endpoint, scenarios_for(sizes[label])[name])
                urls[label] = f"{d.base_url}{path}?{query}"
            # Alternating request by request: both databases see the same machine load.
            for i in range(WARM_UP + REQUESTS):
                for label in sizes:
                    start = time.perf_counter()
                    response = http.request("GET", urls[label], headers=auth[label][endpoint])
                    elapsed = (time.perf_counter() - start) * 1000
                    if response.status != 200:
                        raise RuntimeError(f"{urls[label]} answered {response.status}")
                    if i >= WARM_UP:
                        times[label].append(elapsed)
            small, large = times["1k"], times["100k"]
            print(
                f"{name:<13}{'GET ' + path:<20}{percentile(small, 50):>8.1f}"
                f"{percentile(small, 95):>8.1f}{percentile(large, 50):>10.1f}"
                f"{percentile(large, 95):>10.1f}"
                f"{percentile(large, 50) / percentile(small, 50):>10.2f}x"
            )


def print_reports(reports: dict) -> bool:
    print("\nSQL queries per request (counted in-process)")
    print(f"{'page':<13}{'endpoint':<20}{'1k':>6}{'100k':>7}")
    for key in reports["1k"]["queries"]:
        name, endpoint = key.split("/")
        path = "GET /staff/" if endpoint == "web" else "GET /api/v1/cases/"
        print(
            f"{name:<13}{path:<20}{reports['1k']['queries'][key]:>6}"
            f"{reports['100k']['queries'][key]:>7}"
        )
    constant = reports["1k"]["queries"] == reports["100k"]["queries"]
    print(f"query count constant in the number of cases: {'yes' if constant else 'NO'}")

    print("\nEXPLAIN ANALYZE of the queue's own queries at 100k (API request)")
    for name, plans in reports["100k"]["explain"].items():
        for kind in ("count", "ids", "page"):
            if kind not in plans:
                continue
            print(f"\n[{name}: {kind}] {_shorten(plans[kind]['sql'])}")
            for line in plans[kind]["plan"]:
                print(f"  {line}")
    return constant


def _shorten(sql: str, width: int = 160) -> str:
    return sql if len(sql) <= width else sql[: width // 2] + " ... " + sql[-width // 2 :]


def main() -> int:
    began = time.perf_counter()
    with servers("bench-queue") as (workdir, postgres, redis):
        sizes = {"1k": BASELINE_CASES, "100k": LARGE_CASES}
        deployments = {
            label: Deployment(workdir / f"deploy-{label}", postgres, redis) for label in sizes
        }
        try:
            for label, deployment in deployments.items():
                deployment.prepare(database=f"takedown_queue_{label}")
                took = seed(deployment.database_url, sizes[label])
                steps = ", ".join(f"{step} {seconds:.1f}s" for step, seconds in took.items())
                print(f"seeded {sizes[label]:>7,} cases into PostgreSQL ({steps})")
            http = http_pool(4)
            auth = {}
            for label, deployment in deployments.items():
                deployment.start_app(workers=1, threads=2)
                token = create_staff(deployment, ["bench_queue_moderator"])
                auth[label] = {
                    "api": {"Authorization": f"Token {token['bench_queue_moderator']}"},
                    "web": {
                        "Cookie": web_session(
                            http, deployment.base_url, "moderator", "moderator-demo-2026"
                        )
                    },
                }
            print(
                f"gunicorn 1 worker x 2 threads per database; {REQUESTS} requests per row, "
                "1k and 100k alternating\n"
            )
            measure_latencies(deployments, sizes, auth, http)
            reports = {
                label: probe(d, scenarios_for(sizes[label])) for label, d in deployments.items()
            }
        finally:
            for deployment in deployments.values():
                deployment.stop()
    constant = print_reports(reports)
    print(f"\nqueue benchmark run time {time.perf_counter() - began:.1f}s")
    return 0 if constant else 1


if __name__ == "__main__":
    sys.exit(main())
