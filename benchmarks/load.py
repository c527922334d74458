"""Load, measured: takedown under gunicorn on PostgreSQL with a Celery worker, and nothing lost.

Starts a throwaway PostgreSQL, Redis, the app under gunicorn and a Celery worker, then sends a
bounded mixed load over loopback from a pool of client threads:

- ``file_notice``: POST /api/v1/notices/ (multipart, a real reference photo, an identity
  document, 1-2 reported URLs of the seeded demo posts, a distinct Idempotency-Key each);
- ``queue_page``: GET /api/v1/cases/?page=N, a random page of the whole queue;
- ``queue_received``, ``claim``, ``decide``: a moderator reads the first page of received
  cases, claims one of them and upholds (with a measure) or rejects it. Moderators pick from
  the same page, so some claims lose the race: that 409 is reported, not counted as an error.

It prints, per operation, the count, throughput, p50/p95/p99 latency and error rate, then
reconciles every answer against PostgreSQL after the worker has drained (bounded wait): every
201 is a notice, every decision has its row and log entry, every upheld item one measure,
applied once and logged once; and ``verify_action_log`` passes. Exits 1 if anything is lost.

    .venv/bin/python -m benchmarks.load          (or: make bench-load)
"""

from __future__ import annotations

import io
import json
import math
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
from PIL import Image

from benchmarks.harness import Recorder, create_staff, http_pool, print_ops, servers
from demo_platform.story_images import reference_photo_jpeg
from tests.servers import Deployment, manage

NOTICES = 200  # notices filed
REVIEWS = 150  # review attempts: read the received queue, claim one case, decide it
QUEUE_READS = 200  # reads of a random queue page
WARM_UP_NOTICES = 30  # filed before the mixed load starts, so that there is something to review
CLIENT_THREADS = 12
MODERATORS = 8
APP_WORKERS, APP_THREADS = 3, 4  # gunicorn
WORKER_CONCURRENCY = 2  # Celery
LOAD_TIME_CAP = 150  # seconds: tasks not started by then are not sent (and reported)
DRAIN_TIME_CAP = 150  # seconds to wait for the worker to verify every case and apply measures
PAGE_SIZE = 25
OPERATIONS = ["file_notice", "queue_page", "queue_received", "claim", "decide"]
SEED = 20260401


@dataclass
class Outcomes:
    """What the server answered, to reconcile against the database afterwards."""

    filed: list[str] = field(default_factory=list)  # references of 201 answers
    decided: list[dict] = field(default_factory=list)  # {decision, case, outcome}
    idempotency_prefix: str = ""
    not_sent: int = 0
    no_case_to_review: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Load:
    def __init__(self, deployment: Deployment, tokens: list[str], post_ids: dict[str, list[int]]):
        self.base = deployment.base_url
        self.tokens = tokens
        self.posts = post_ids
        self.http = http_pool(CLIENT_THREADS)
        self.recorder = Recorder()
        self.outcomes = Outcomes(idempotency_prefix=f"bench-{uuid.uuid4().hex[:12]}-")
        self.reference_photo = reference_photo_jpeg()
        self.identity_document = _identity_document_jpeg()
        self.known_cases = 0
        self.deadline = math.inf

    # --- operations ----------------------------------------------------------------------------

    def file_notice(self, n: int, rng: random.Random) -> None:
        own, clinic, pack, unrelated = (self.posts[k] for k in ("own", "clinic", "pack", "other"))
        # Mostly the story's infringing posts (a match), sometimes an unrelated one (no match).
        # Posts deleted by an earlier uphold still resolve: the platform keeps them.
        pool = rng.choice([clinic, pack, clinic + pack, clinic + unrelated, own, unrelated])
        reported = rng.sample(pool, k=min(len(pool), rng.choice([1, 2])))
        fields = [
            ("notifier_name", f"Complainant {n}"),
            ("notifier_email", f"complainant{n}@example.com"),
            ("relationship", "self"),
            ("identity_document", ("id-card.jpg", self.identity_document, "image/jpeg")),
            *(("reported_urls", f"{self.base}/platform/posts/{pk}/") for pk in reported),
            ("reference_photos", ("me.jpg", self.reference_photo, "image/jpeg")),
            ("use_type", rng.choice(["commercial_endorsement", "sale"])),
            ("description", "My selfie is used without my consent."),
            ("requested_measure", "delete"),
            ("good_faith", "true"),
            ("accuracy", "true"),
            ("signature", f"Complainant {n}"),
        ]
        response = self.recorder.request(
            self.http,
            "file_notice",
            "POST",
            f"{self.base}/api/v1/notices/",
            fields=fields,
            headers={"Idempotency-Key": f"{self.outcomes.idempotency_prefix}{n}"},
        )
        if response is not None and response.status == 201:
            with self.outcomes.lock:
                self.outcomes.filed.append(json.loads(response.data)["reference"])

    def read_queue(self, n: int, rng: random.Random) -> None:
        pages = max(1, math.ceil(self.known_cases / PAGE_SIZE))
        page = rng.randint(1, pages)
        response = self.recorder.request(
            self.http,
            "queue_page",
            "GET",
            f"{self.base}/api/v1/cases/?page={page}",
            headers=self._auth(rng.randrange(len(self.tokens))),
        )
        if response is not None and response.status == 200:
            self.known_cases = max(self.known_cases, json.loads(response.data)["count"])

    def review(self, n: int, rng: random.Random) -> None:
        headers = self._auth(n % len(self.tokens))
        queue = self.recorder.request(
            self.http,
            "queue_received",
            "GET",
            f"{self.base}/api/v1/cases/?state=received&page=1",
            headers=headers,
        )
        if queue is None or queue.status != 200:
            return
        results = json.loads(queue.data)["results"]
        if not results:
            with self.outcomes.lock:
                self.outcomes.no_case_to_review += 1
            return
        case_id = rng.choice(results)["id"]
        claim = self.recorder.request(
            self.http,
            "claim",
            "POST",
            f"{self.base}/api/v1/cases/{case_id}/claim/",
            headers=headers,
        )
        if claim is None or claim.status != 200:
            return  # a 409 is a lost race for the claim: someone else reviews this case
        outcome = "uphold" if rng.random() < 0.65 else "reject"
        body = {"outcome": outcome, "reasons": "Benchmark decision: the photo is hers."}
        if outcome == "uphold":
            body["measure"] = rng.choice(["delete", "disconnect_link", "block"])
        decide = self.recorder.request(
            self.http,
            "decide",
            "POST",
            f"{self.base}/api/v1/cases/{case_id}/decide/",
            body=json.dumps(body),
            headers={**headers, "Content-Type": "application/json"},
        )
        if decide is not None and decide.status == 200:
            decision = json.loads(decide.data)
            with self.outcomes.lock:
                self.outcomes.decided.append(
                    {"decision": decision["id"], "case": case_id, "outcome": outcome}
                )

    # --- driving -------------------------------------------------------------------------------

    def _auth(self, moderator: int) -> dict:
        return {"Authorization": f"Token {self.tokens[moderator]}"}

    def warm_up(self) -> None:
        """Unrecorded reads, so that every gunicorn thread has imported and connected."""
        url = f"{self.base}/api/v1/cases/"

        def read(_):
            self.http.request("GET", url, headers=self._auth(0))

        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            list(pool.map(read, range(4 * APP_WORKERS * APP_THREADS)))

    def run(self) -> float:
        # bandit B311: a reproducible load mix, not a secret.
        rng = random.Random(SEED)  # nosec B311
        mixed = (
            [("file", n) for n in range(WARM_UP_NOTICES, NOTICES)]
            + [("review", n) for n in range(REVIEWS)]
            + [("read", n) for n in range(QUEUE_READS)]
        )
        rng.shuffle(mixed)
        tasks = [("file", n) for n in range(WARM_UP_NOTICES)] + mixed
        actions = {"file": self.file_notice, "review": self.review, "read": self.read_queue}
        seeds = [rng.randrange(2**32) for _ in tasks]

        def run_one(index: int) -> None:
            if time.monotonic() > self.deadline:
                with self.outcomes.lock:
                    self.outcomes.not_sent += 1
                return
            kind, n = tasks[index]
            # bandit B311: reproducible mix.
            actions[kind](n, random.Random(seeds[index]))  # nosec B311

        start = time.perf_counter()
        self.deadline = time.monotonic() + LOAD_TIME_CAP
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            list(pool.map(run_one, range(len(tasks))))
        return time.perf_counter() - start


def _identity_document_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (40, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def demo_post_ids(db) -> dict[str, list[int]]:
    """The seeded posts by their role in the demo story."""
    from demo_platform.story_images import seed_posts

    roles = {seed.handle: seed.role for seed in seed_posts()}
    rows = db.execute(
        "SELECT p.id, a.handle FROM demo_platform_post p "
        "JOIN demo_platform_account a ON a.id = p.account_id ORDER BY p.id"
    ).fetchall()
    by_role: dict[str, list[int]] = {"own": [], "clinic": [], "pack": [], "other": []}
    for pk, handle in rows:
        role = roles.get(handle, "unrelated")
        by_role["other" if role == "unrelated" else role].append(pk)
    return by_role


# --- reconciliation ------------------------------------------------------------------------------


def wait_for_worker(db, outcomes: Outcomes) -> tuple[float, dict]:
    """Wait (bounded) until every filed case is verified and every measure has an end state."""
    upheld = [d["decision"] for d in outcomes.decided if d["outcome"] == "uphold"]
    start = time.perf_counter()
    while True:
        verified = db.execute(
            "SELECT count(DISTINCT c.id) FROM notices_notice n JOIN cases_case c "
            "ON c.notice_id = n.id JOIN cases_actionlog l ON l.case_id = c.id "
            "AND l.action = 'match_verified' WHERE n.reference = ANY(%s)",
            (outcomes.filed,),
        ).fetchone()[0]
        pending = db.execute(
            "SELECT count(*) FROM cases_platformmeasure WHERE decision_id = ANY(%s) "
            "AND status = 'pending'",
            (upheld,),
        ).fetchone()[0]
        waited = time.perf_counter() - start
        progress = {"verified": verified, "pending_measures": pending}
        if (verified == len(outcomes.filed) and pending == 0) or waited > DRAIN_TIME_CAP:
            return waited, progress
        time.sleep(0.5)


def reconcile(db, deployment: Deployment, outcomes: Outcomes) -> int:
    """Print the reconciliation and return how many things were lost."""
    lost = 0
    filed = outcomes.filed

    # 1. Every 201 is a notice with its case and its receipt entry in the log.
    in_db = {
        row[0]
        for row in db.execute(
            "SELECT n.reference FROM notices_notice n JOIN cases_case c ON c.notice_id = n.id "
            "JOIN cases_actionlog l ON l.case_id = c.id AND l.action = 'notice_received' "
            "WHERE n.reference = ANY(%s)",
            (filed,),
        )
    }
    missing = sorted(set(filed) - in_db)
    stored = db.execute(
        "SELECT count(*) FROM notices_notice WHERE idempotency_key LIKE %s",
        (outcomes.idempotency_prefix + "%",),
    ).fetchone()[0]
    lost += len(missing)
    print(
        f"notices:   201 answers {len(filed)}, in the database with case and receipt entry "
        f"{len(in_db)}, stored by this run {stored}"
    )
    print(f"  LOST: {len(missing)}" + (f" {missing[:20]}" if missing else ""))

    # 2. Every decision answered 200 has its Decision row and exactly one uphold/reject entry.
    decided = outcomes.decided
    rows = {
        pk: (case_id, outcome)
        for pk, case_id, outcome in db.execute(
            "SELECT id, case_id, outcome FROM cases_decision WHERE id = ANY(%s)",
            ([d["decision"] for d in decided],),
        )
    }
    entries = {
        (case_id, action): n
        for case_id, action, n in db.execute(
            "SELECT case_id, action, count(*) FROM cases_actionlog WHERE case_id = ANY(%s) "
            "AND action IN ('uphold', 'reject') GROUP BY case_id, action",
            ([d["case"] for d in decided],),
        )
    }
    decision_losses = []
    for d in decided:
        if rows.get(d["decision"]) != (d["case"], d["outcome"]):
            decision_losses.append(f"decision {d['decision']} (case {d['case']}): no row")
        n = entries.get((d["case"], d["outcome"]), 0)
        if n != 1:
            decision_losses.append(f"case {d['case']}: {n} '{d['outcome']}' log entries")
    all_decisions = db.execute("SELECT count(*) FROM cases_decision").fetchone()[0]
    lost += len(decision_losses)
    upholds = sum(d["outcome"] == "uphold" for d in decided)
    print(
        f"decisions: 200 answers {len(decided)} ({upholds} uphold, {len(decided) - upholds} "
        f"reject), Decision rows {len(rows)}, log entries {sum(entries.values())}, "
        f"decisions in the database {all_decisions}"
    )
    print(f"  LOST: {len(decision_losses)}" + "".join(f"\n    {x}" for x in decision_losses[:20]))

    # 3. Every uphold: one measure per item, each applied, each with one measure_applied entry.
    upheld = [d for d in decided if d["outcome"] == "uphold"]
    items_per_case = dict(
        db.execute(
            "SELECT c.id, count(i.id) FROM cases_case c JOIN notices_reporteditem i "
            "ON i.notice_id = c.notice_id WHERE c.id = ANY(%s) GROUP BY c.id",
            ([d["case"] for d in upheld],),
        ).fetchall()
    )
    measures = db.execute(
        "SELECT id, decision_id, status FROM cases_platformmeasure WHERE decision_id = ANY(%s)",
        ([d["decision"] for d in upheld],),
    ).fetchall()
    applied_entries = dict(
        db.execute(
            "SELECT (details->>'measure_id')::bigint, count(*) FROM cases_actionlog "
            "WHERE action = 'measure_applied' AND case_id = ANY(%s) GROUP BY 1",
            ([d["case"] for d in upheld],),
        ).fetchall()
    )
    per_decision: dict[int, int] = {}
    for _, decision_id, _ in measures:
        per_decision[decision_id] = per_decision.get(decision_id, 0) + 1
    measure_losses = []
    for d in upheld:
        expected, found = items_per_case.get(d["case"], 0), per_decision.get(d["decision"], 0)
        if expected != found:
            measure_losses.append(f"case {d['case']}: {found} measures for {expected} items")
    by_status: dict[str, int] = {}
    for pk, _, status in measures:
        by_status[status] = by_status.get(status, 0) + 1
        if status != "applied":
            measure_losses.append(f"measure {pk}: {status}")
        if applied_entries.get(pk, 0) != 1:
            measure_losses.append(f"measure {pk}: {applied_entries.get(pk, 0)} measure_applied")
    lost += len(measure_losses)
    print(
        f"measures:  upheld cases {len(upheld)}, items {sum(items_per_case.values())}, "
        f"measure rows {len(measures)} {by_status}, measure_applied entries "
        f"{sum(applied_entries.values())}"
    )
    print(f"  LOST: {len(measure_losses)}" + "".join(f"\n    {x}" for x in measure_losses[:20]))

    # 4. The hash chains of the whole action log.
    try:
        verdict = manage(deployment.env(), "verify_action_log").strip()
        broken = 0
    except RuntimeError as error:
        verdict, broken = str(error).strip().splitlines()[-1], 1
    lost += broken
    print(f"action log: verify_action_log: {verdict}")
    print(f"  LOST: {broken}")
    return lost


def main() -> int:
    began = time.perf_counter()
    with servers("bench-load") as (workdir, postgres, redis):
        deployment = Deployment(workdir / "deploy", postgres, redis)
        try:
            deployment.prepare()
            deployment.start_app(workers=APP_WORKERS, threads=APP_THREADS)
            deployment.start_worker(concurrency=WORKER_CONCURRENCY)
            names = [f"bench_moderator_{i}" for i in range(MODERATORS)]
            tokens = create_staff(deployment, names)
            with psycopg.connect(deployment.database_url, autocommit=True) as db:
                load = Load(deployment, [tokens[name] for name in names], demo_post_ids(db))
                print(
                    f"takedown load: gunicorn {APP_WORKERS} workers x {APP_THREADS} threads, "
                    f"Celery worker concurrency {WORKER_CONCURRENCY}, PostgreSQL + Redis; "
                    f"{CLIENT_THREADS} client threads, {MODERATORS} moderators; "
                    f"set up in {time.perf_counter() - began:.1f}s"
                )
                print(
                    f"planned: {NOTICES} notices, {REVIEWS} reviews, {QUEUE_READS} queue reads "
                    f"(time cap {LOAD_TIME_CAP}s)\n"
                )
                load.warm_up()
                wall = load.run()
                print_ops(load.recorder, wall, order=OPERATIONS)
                outcomes = load.outcomes
                print(
                    f"\nload wall time {wall:.1f}s; not sent (time cap) {outcomes.not_sent}; "
                    f"reviews that found no received case {outcomes.no_case_to_review}"
                )
                waited, progress = wait_for_worker(db, outcomes)
                print(
                    f"worker drained in {waited:.1f}s after the load "
                    f"(cases verified {progress['verified']}/{len(outcomes.filed)}, "
                    f"measures still pending {progress['pending_measures']})\n"
                )
                print("reconciliation against PostgreSQL")
                lost = reconcile(db, deployment, outcomes)
        finally:
            deployment.stop()
    print(f"\nTOTAL LOST: {lost}   (run time {time.perf_counter() - began:.1f}s)")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
