"""The staff dashboard at 100,000 cases spread over a year, against 1,000 in the same process.

Fills an empty database (the embedded SQLite in a temporary folder, or with --postgres a
throwaway PostgreSQL cluster from tests/servers.py) with 1,000 cases, times the dashboard,
then adds 99,000 more and times it again. Each size is timed two ways, as the p50 of several
runs after a warm-up: the page (``GET /staff/dashboard/`` through Django's test client, signed
in as a moderator; the default period, the last 30 days, and a whole year) and the figures
function alone (``cases.dashboard.period_figures``). Prints both, the SQL queries per page
and the 100k / 1k ratio; exits 1 if the page takes 0.5 s or more at 100k for either period
(the last 30 days, as it opens, or a whole year), or if the number of queries differs
between the sizes.

    .venv/bin/python -m benchmarks.dashboard              (SQLite)
    .venv/bin/python -m benchmarks.dashboard --postgres   (also run by: make bench-dashboard)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASELINE_CASES = 1_000
LARGE_CASES = 100_000
RUNS = 7
WARM_UP = 2
BUDGET_SECONDS = 0.5
SEED = 20261125
BATCH = 5_000

STATES_RECENT = {  # cases received in the last two weeks
    "received": 0.45,
    "in_review": 0.10,
    "needs_info": 0.05,
    "actioned": 0.22,
    "rejected": 0.14,
    "withdrawn": 0.04,
}
STATES_OLD = {  # older cases: nearly all decided
    "actioned": 0.50,
    "rejected": 0.30,
    "closed": 0.12,
    "restored": 0.03,
    "withdrawn": 0.04,
    "received": 0.01,
}
VERDICTS = {"match": 0.30, "possible": 0.15, "no_match": 0.40, "unavailable": 0.07, "pending": 0.08}
USE_TYPES = ["commercial_endorsement", "sale", "impersonation", "other"]
MEASURES = ["delete", "disconnect_link", "block"]


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def configure(postgres_url: str | None, workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "takedown.settings"
    os.environ["TAKEDOWN_VAR_DIR"] = str(workdir / "var")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["TAKEDOWN_LOG_LEVEL"] = "WARNING"
    if postgres_url:
        os.environ["DATABASE_URL"] = postgres_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


@contextmanager
def explicit_timestamps():
    """bulk_create would stamp "now" into auto_now(_add) fields: the seeded dates must stay."""
    from cases.models import Appeal, Case, Decision, PlatformMeasure
    from notices.models import Notice

    fields = [
        Notice._meta.get_field("received_at"),
        Case._meta.get_field("created_at"),
        Case._meta.get_field("updated_at"),
        Decision._meta.get_field("decided_at"),
        Appeal._meta.get_field("filed_at"),
        PlatformMeasure._meta.get_field("requested_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def arrival_times(count: int, now: datetime, rng: random.Random) -> list[datetime]:
    """When ``count`` notices arrived over the year before ``now``, oldest first: a database
    fills in that order, and so do its indexes."""
    return sorted(now - timedelta(seconds=rng.randrange(365 * 24 * 3600)) for _ in range(count))


def seed(
    first: int, times: list[datetime], *, staff, flagger, now: datetime, rng: random.Random
) -> None:
    """Cases with ids from ``first``, one per arrival time in ``times``."""
    from django.db import transaction

    from cases.models import Appeal, Case, DeadlineBreach, Decision, PlatformMeasure
    from notices.models import Notice, NotifierSanction, ReportedItem

    rows: dict[type, list] = {
        model: []
        for model in (
            Notice,
            ReportedItem,
            Case,
            Decision,
            PlatformMeasure,
            Appeal,
            DeadlineBreach,
            NotifierSanction,
        )
    }
    item_id = first * 3
    for n, received in enumerate(times, start=first):
        recent = now - received < timedelta(days=14)
        state = _pick(rng, STATES_RECENT if recent else STATES_OLD)
        verdict = _pick(rng, VERDICTS)
        notifier = rng.randrange(5_000)
        due = received + timedelta(hours={"match": 24, "possible": 48}.get(verdict, 72))
        rows[Notice].append(
            Notice(
                id=n,
                reference=f"TD-B-{n:07d}",
                tracking_token_hash=f"{n:064x}",
                notifier_name=f"Complainant {notifier}",
                notifier_email=f"complainant{notifier}@example.com",
                relationship="self",
                use_type=rng.choice(USE_TYPES),
                description="My selfie is used as a fake customer photo.",
                requested_measure=rng.choice(MEASURES),
                good_faith=True,
                accuracy=True,
                signature=f"Complainant {notifier}",
                received_at=received,
                filed_by=flagger if rng.random() < 0.03 else None,
            )
        )
        rows[Case].append(
            Case(
                id=n,
                notice_id=n,
                state=state,
                verdict=verdict,
                due_at=due,
                created_at=received,
                updated_at=received,
            )
        )
        decided = state in ("actioned", "rejected", "closed", "restored")
        outcome = "uphold" if state in ("actioned", "restored") else "reject"
        decision_id = None
        if decided:
            decision_id = n
            decided_at = received + timedelta(minutes=rng.randrange(30, 5 * 24 * 60))
            rows[Decision].append(
                Decision(
                    id=decision_id,
                    case_id=n,
                    outcome=outcome,
                    reasons="Statement of reasons.",
                    decided_by=staff,
                    decided_at=min(decided_at, now),
                    ground="portrait_right" if outcome == "uphold" else "lawful_use",
                    manifestly_unfounded=outcome == "reject" and rng.random() < 0.1,
                )
            )
            if decided_at > due:
                rows[DeadlineBreach].append(
                    DeadlineBreach(case_id=n, stage="decision", due_at=due, detected_at=due)
                )
            if rng.random() < 0.04:
                appeal_id = n
                filed = min(decided_at + timedelta(days=rng.randrange(1, 20)), now)
                rows[Appeal].append(
                    Appeal(
                        id=appeal_id,
                        case_id=n,
                        appealed_decision_id=decision_id,
                        party="uploader" if outcome == "uphold" else "complainant",
                        statement="Please look again.",
                        filed_at=filed,
                        decided_at=filed + timedelta(days=2) if filed < now else None,
                    )
                )
                if filed < now - timedelta(days=2):
                    rows[Decision].append(
                        Decision(
                            id=LARGE_CASES * 2 + n,
                            case_id=n,
                            outcome=rng.choice(["uphold", "reject"]),
                            reasons="Appeal decided.",
                            decided_by=staff,
                            decided_at=filed + timedelta(days=2),
                            replaces_id=decision_id,
                            appeal_id=appeal_id,
                        )
                    )
        for k in range(rng.choice([1, 1, 2, 3])):
            item_id += 1
            uploader = rng.randrange(2_000)
            upheld = decided and outcome == "uphold"
            rows[ReportedItem].append(
                ReportedItem(
                    id=item_id,
                    notice_id=n,
                    submitted=f"post-{n}-{k}",
                    content_id=f"post-{n}-{k}",
                    url=f"https://platform.example/posts/{n}-{k}/",
                    outcome="upheld" if upheld else ("rejected" if decided else "pending"),
                    measure=rows[Notice][-1].requested_measure if upheld else "",
                    uploader_id=f"account{uploader}",
                    uploader_name=f"Account {uploader}",
                )
            )
            if upheld:
                status = rng.choices(["applied", "failed", "pending"], weights=[94, 3, 3])[0]
                completed = decided_at + timedelta(seconds=2)
                rows[PlatformMeasure].append(
                    PlatformMeasure(
                        id=item_id,
                        case_id=n,
                        item_id=item_id,
                        decision_id=decision_id,
                        measure=rows[Notice][-1].requested_measure,
                        idempotency_key=f"bench-measure-{item_id}",
                        status=status,
                        requested_by=staff,
                        requested_at=decided_at,
                        completed_at=completed if status == "applied" else None,
                        attempts=6 if status == "failed" else 1,
                        error="platform answered 503" if status == "failed" else "",
                    )
                )
        if rng.random() < 0.002:
            rows[NotifierSanction].append(
                NotifierSanction(
                    notifier_email=f"complainant{notifier}@example.com",
                    kind=rng.choice(["warning", "suspension"]),
                    unfounded_count=3,
                    reasons="Manifestly unfounded notices.",
                    starts_at=received,
                    ends_at=received + timedelta(days=30),
                    notice_id=n,
                )
            )
    # Appeal decisions point at appeals, appeals at decisions: appeals go in before their
    # decisions, after the first decisions.
    first_decisions = [d for d in rows[Decision] if d.appeal_id is None]
    appeal_decisions = [d for d in rows[Decision] if d.appeal_id is not None]
    order = [
        (Notice, rows[Notice]),
        (ReportedItem, rows[ReportedItem]),
        (Case, rows[Case]),
        (Decision, first_decisions),
        (Appeal, rows[Appeal]),
        (Decision, appeal_decisions),
        (PlatformMeasure, rows[PlatformMeasure]),
        (DeadlineBreach, rows[DeadlineBreach]),
        (NotifierSanction, rows[NotifierSanction]),
    ]
    with explicit_timestamps(), transaction.atomic():
        for model, objects in order:
            model.objects.bulk_create(objects, batch_size=BATCH)


def analyze() -> None:
    """What autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) does after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def p50(values: list[float]) -> float:
    return statistics.median(values)


def time_it(call) -> float:
    for _ in range(WARM_UP):
        call()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return p50(times)


def measure(client, label: str) -> dict:
    from django.db import connection

    from cases.dashboard import last_days, period_figures

    def page(query: str = ""):
        response = client.get(f"/staff/dashboard/{query}")
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}")

    year = last_days(365)
    queries = {}
    for period, query in (("30 days", ""), ("365 days", f"?{year.query()}")):
        queries[period] = []

        def count(execute, sql, params, many, context, into=queries[period]):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                into.append((time.perf_counter() - start, sql))

        with connection.execute_wrapper(count):
            page(query)
    return {
        "page 30 days": time_it(page),
        "page 365 days": time_it(lambda: page(f"?{year.query()}")),
        "figures 30 days": time_it(lambda: period_figures(last_days(30))),
        "figures 365 days": time_it(lambda: period_figures(year)),
        "queries": len(queries["30 days"]),
        "slowest": {period: sorted(rows, reverse=True)[:6] for period, rows in queries.items()},
    }


def run(postgres_url: str | None, workdir: Path) -> int:
    configure(postgres_url, workdir)
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from notices.models import Organisation

    call_command("migrate", verbosity=0)
    staff = User.objects.create_user("bench_dashboard", is_staff=True)
    staff.groups.add(Group.objects.get(name="moderator"))
    flagger = Organisation.objects.create(
        name="Bench flagger", kind="trusted_flagger", contact_email="flagger@example.org"
    )
    client = Client()
    client.force_login(staff)
    rng = random.Random(SEED)  # nosec B311 - reproducible synthetic cases
    now = datetime.now(UTC)
    engine = connection.vendor
    print(f"database: {engine}; p50 of {RUNS} runs after {WARM_UP} warm-up runs")

    # The baseline is every 100th arrival of the year; then the other 99,000 in their order.
    times = arrival_times(LARGE_CASES, now, rng)
    step = LARGE_CASES // BASELINE_CASES
    batches = {"1k": times[::step], "100k": [t for i, t in enumerate(times) if i % step]}
    results = {}
    seeded = 0
    for label, count in (("1k", BASELINE_CASES), ("100k", LARGE_CASES)):
        start = time.perf_counter()
        seed(seeded + 1, batches[label], staff=staff, flagger=flagger, now=now, rng=rng)
        analyze()
        seeded = count
        print(f"seeded {count:>7,} cases in {time.perf_counter() - start:.1f}s")
        results[label] = measure(client, label)

    header = f"{'':<20}{'1k (ms)':>10}{'100k (ms)':>11}{'ratio':>8}"
    print("\n" + header)
    print("-" * len(header))
    for key in ("page 30 days", "page 365 days", "figures 30 days", "figures 365 days"):
        small, large = results["1k"][key] * 1000, results["100k"][key] * 1000
        print(f"{key:<20}{small:>10.1f}{large:>11.1f}{large / small:>7.2f}x")
    print(f"{'SQL queries/page':<20}{results['1k']['queries']:>10}{results['100k']['queries']:>11}")

    # The budget is for the page as it opens (the last 30 days) and for a whole year.
    ok = results["1k"]["queries"] == results["100k"]["queries"]
    budget = BUDGET_SECONDS * 1000
    for period in ("30 days", "365 days"):
        print(f"\nslowest queries of one page at 100k ({period})")
        for seconds, sql in results["100k"]["slowest"][period]:
            print(f"{seconds * 1000:>8.1f} ms  {_shorten(sql)}")
    print()
    for period in ("30 days", "365 days"):
        took = results["100k"][f"page {period}"]
        ok = ok and took < BUDGET_SECONDS
        verdict = "within" if took < BUDGET_SECONDS else "OVER"
        print(f"page at 100k, {period}: {took * 1000:.0f} ms, {verdict} the {budget:.0f} ms budget")
    return 0 if ok else 1


def _shorten(sql: str, width: int = 150) -> str:
    return sql if len(sql) <= width else sql[: width - 40] + " ... " + sql[-35:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    workdir = Path(tempfile.mkdtemp(prefix="takedown-bench-dashboard-"))
    try:
        if not args.postgres:
            return run(None, workdir)
        from tests.servers import Postgres

        postgres = Postgres(workdir / "postgres").start()
        try:
            return run(postgres.create_database("takedown_dashboard"), workdir)
        finally:
            postgres.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
