"""What the benchmarks share: the servers they start, an HTTP client, and latency figures.

The servers come from tests/servers.py (the service tests' harness): a throwaway PostgreSQL
cluster, redis-server, gunicorn and a Celery worker, all on loopback ports.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import urllib3

from tests.servers import Deployment, Postgres, Redis, manage

TIMEOUT = urllib3.Timeout(connect=5, read=60)


@contextmanager
def servers(prefix: str):
    """PostgreSQL and Redis in a temporary folder, stopped (and removed) afterwards.

    With BENCH_KEEP=1 the folder (app, worker and server logs) is kept and its path printed.
    """
    keep = os.environ.get("BENCH_KEEP") == "1"
    workdir = Path(tempfile.mkdtemp(prefix=f"takedown-{prefix}-"))
    postgres = redis = None
    try:
        postgres = Postgres(workdir / "postgres").start()
        redis = Redis(workdir / "redis").start()
        yield workdir, postgres, redis
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
        if keep:
            print(f"(BENCH_KEEP=1: logs kept in {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def create_staff(deployment: Deployment, usernames: list[str], role: str = "moderator") -> dict:
    """Staff users in ``role`` with API tokens, made by a manage.py shell subprocess."""
    script = (
        "from django.contrib.auth.models import Group, User\n"
        "from rest_framework.authtoken.models import Token\n"
        f"group = Group.objects.get(name={role!r})\n"
        f"for name in {usernames!r}:\n"
        "    user, _ = User.objects.get_or_create(username=name, defaults={'is_staff': True})\n"
        "    user.groups.add(group)\n"
        "    print('TOKEN', name, Token.objects.get_or_create(user=user)[0].key)\n"
    )
    output = manage(deployment.env(), "shell", "-c", script)
    return {
        name: key
        for line in output.splitlines()
        if line.startswith("TOKEN ")
        for _, name, key in [line.split()]
    }


def http_pool(size: int) -> urllib3.PoolManager:
    # No retries: every request the benchmark counts was sent exactly once.
    return urllib3.PoolManager(maxsize=size, block=True, retries=False, timeout=TIMEOUT)


def web_session(http: urllib3.PoolManager, base_url: str, username: str, password: str) -> str:
    """Sign in through the login form as a browser would; returns the Cookie header."""
    page = http.request("GET", f"{base_url}/accounts/login/")
    cookies = _cookies(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.data).group(1)
    answer = http.request(
        "POST",
        f"{base_url}/accounts/login/",
        fields={"username": username, "password": password, "csrfmiddlewaretoken": token.decode()},
        encode_multipart=False,
        headers={"Cookie": _cookie_header(cookies)},
        redirect=False,
    )
    cookies.update(_cookies(answer))
    if answer.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"signing in as {username} failed: {answer.status}")
    return _cookie_header(cookies)


def _cookies(response) -> dict:
    jar = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie_header(cookies: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


# --- figures -----------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: it is a latency someone actually saw)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class OpStats:
    """Every request of one operation: latency, and how it ended."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    ok: int = 0
    conflicts: int = 0  # 409: a lost race, an expected outcome
    errors: int = 0  # any other non-2xx, or no answer at all
    error_samples: list[str] = field(default_factory=list)
    first_start: float = float("inf")
    last_end: float = 0.0

    @property
    def count(self) -> int:
        return self.ok + self.conflicts + self.errors

    def throughput(self) -> float:
        span = self.last_end - self.first_start
        return self.count / span if span > 0 else float("nan")


class Recorder:
    """Thread-safe collection of OpStats, keyed by operation name."""

    def __init__(self):
        self._lock = threading.Lock()
        self.ops: dict[str, OpStats] = {}

    def record(self, name: str, start: float, end: float, status: int | None, note: str = ""):
        with self._lock:
            stats = self.ops.setdefault(name, OpStats(name))
            stats.first_start = min(stats.first_start, start)
            stats.last_end = max(stats.last_end, end)
            if status is not None:
                stats.latencies_ms.append((end - start) * 1000)
            if status is not None and 200 <= status < 300:
                stats.ok += 1
            elif status == 409:
                stats.conflicts += 1
            else:
                stats.errors += 1
                if len(stats.error_samples) < 5:
                    stats.error_samples.append(f"{status}: {note[:200]}")

    def request(self, http: urllib3.PoolManager, name: str, method: str, url: str, **kwargs):
        """Send one request and record it; returns the response, or None if none came."""
        start = time.perf_counter()
        try:
            response = http.request(method, url, **kwargs)
        except urllib3.exceptions.HTTPError as error:
            self.record(name, start, time.perf_counter(), None, repr(error))
            return None
        end = time.perf_counter()
        note = "" if response.status < 300 else response.data.decode(errors="replace")
        self.record(name, start, end, response.status, note)
        return response


def print_ops(recorder: Recorder, wall_seconds: float, order: list[str] = ()) -> None:
    """One row per operation and an overall row: count, throughput, latency, outcomes.

    An operation's throughput is its count over the time from its first request's start to
    its last answer; the overall throughput is every request over the load's wall time.
    """
    header = (
        f"{'operation':<16}{'count':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'2xx':>7}{'409':>6}{'errors':>8}{'error rate':>12}"
    )
    print(header)
    print("-" * len(header))
    rows = sorted(
        recorder.ops.values(),
        key=lambda s: order.index(s.name) if s.name in order else len(order),
    )
    for stats in rows:
        _print_row(stats.name, stats, stats.throughput())
    overall = OpStats("overall")
    for stats in rows:
        overall.latencies_ms += stats.latencies_ms
        overall.ok += stats.ok
        overall.conflicts += stats.conflicts
        overall.errors += stats.errors
    _print_row("overall", overall, overall.count / wall_seconds if wall_seconds else float("nan"))
    for stats in rows:
        for sample in stats.error_samples:
            print(f"  error sample ({stats.name}) {sample}")


def _print_row(name: str, stats: OpStats, throughput: float) -> None:
    lat = stats.latencies_ms
    rate = stats.errors / stats.count * 100 if stats.count else 0.0
    print(
        f"{name:<16}{stats.count:>7}{throughput:>9.1f}{percentile(lat, 50):>9.1f}"
        f"{percentile(lat, 95):>9.1f}{percentile(lat, 99):>9.1f}"
        f"{stats.ok:>7}{stats.conflicts:>6}{stats.errors:>8}{rate:>11.2f}%"
    )
