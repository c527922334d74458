"""Real servers for the service tests and the load benchmark, started from local binaries.

PostgreSQL and Redis come from Debian packages (installed by .ci/run), the S3-compatible server
and the WSGI server from Python packages. Each runs on a free loopback port in a temporary
folder and is stopped afterwards. Outside CI a missing binary skips the tests that need it; in
CI (CI=true) it fails them, so nothing silently stops being tested.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    """Skip outside CI; fail in CI, where every service test must run."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: service tests may not skip)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - any failure means "not ready yet"
            last_error = error
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout}s (last error: {last_error})")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def postgres_bin_dir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class Postgres:
    """A throwaway PostgreSQL cluster (fsync off: it holds only test data)."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process_user: str | None = None

    def _run(self, *args: str, **kwargs):
        command = list(args)
        if self.process_user:
            command = ["runuser", "-u", self.process_user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def start(self) -> Postgres:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        # PostgreSQL refuses to run as root: use its own system account when we are root, in a
        # folder of its own (pytest's temporary folders are private to root).
        if os.geteuid() == 0:
            self.process_user = "postgres"
            self.workdir = Path(tempfile.mkdtemp(prefix="takedown-pg-"))
        self.data = self.workdir / "pgdata"
        self.socket_dir = self.workdir / "pgsock"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.process_user:
            shutil.chown(self.workdir, self.process_user)
            shutil.chown(self.socket_dir, self.process_user)
        self._run(str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.workdir / "postgres.log"),
            "-w",
            "start",
        )
        self.bin_dir = bin_dir
        return self

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database, empty or as a copy of ``template`` (which nobody may be using)."""
        copy = ["-T", template] if template else []
        self._run(
            str(self.bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            *copy,
            name,
        )
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if getattr(self, "bin_dir", None):
            subprocess.run(
                self._wrap(
                    [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
                ),
                capture_output=True,
            )
        if self.process_user:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _wrap(self, command: list[str]) -> list[str]:
        return (
            ["runuser", "-u", self.process_user, "--", *command] if self.process_user else command
        )


@dataclass
class Redis:
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> Redis:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), timeout=10, what="redis-server")
        return self

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class ManagedProcess:
    """A child process of ours (app server, worker, beat) with its output in a log file."""

    name: str
    command: list[str]
    env: dict
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> ManagedProcess:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole process group (a Celery worker's pool children included)."""
        if self.alive():
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def request_stop(self) -> None:
        """Ask the process group to shut down (SIGTERM) without waiting for it."""
        if self.alive() and not getattr(self, "_stop_requested", False):
            self._stop_requested = True
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        self.request_stop()
        if self.alive():
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class S3Server:
    """An S3-compatible HTTP server (moto's threaded server mode) on a free loopback port.

    It runs in the test process; the deployment's processes reach it over HTTP like any S3
    endpoint. Credentials and region are arbitrary but must be consistent.
    """

    port: int = field(default_factory=free_port)
    region: str = "us-east-1"
    access_key: str = "takedown-test-access-key"
    secret_key: str = "takedown-test-secret-key"  # noqa: S105 - a throwaway local server

    def start(self) -> S3Server:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            unavailable("moto[server] is not installed (requirements-dev.txt)")
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        wait_for(lambda: port_open(self.port), timeout=20, what="moto S3 server")
        return self

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def create_bucket(self, name: str) -> str:
        """A private bucket. No public-access block on purpose: whether an object is private
        is then up to the ACL the writer gives it, which is what a test should see."""
        self.client().create_bucket(Bucket=name, ACL="private")
        return name

    def deployment_env(self, bucket: str) -> dict:
        """The settings that put the deployment's evidence in ``bucket`` (Deployment.extra_env)."""
        return {
            "TAKEDOWN_S3_BUCKET": bucket,
            "TAKEDOWN_S3_ENDPOINT_URL": self.endpoint_url,
            "TAKEDOWN_S3_REGION": self.region,
            "TAKEDOWN_S3_ACCESS_KEY_ID": self.access_key,
            "TAKEDOWN_S3_SECRET_ACCESS_KEY": self.secret_key,
        }

    def stop(self) -> None:
        if getattr(self, "server", None) is not None:
            self.server.stop()


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Deployment:
    """takedown as a platform deploys it: PostgreSQL, Redis, gunicorn, a Celery worker."""

    workdir: Path
    postgres: Postgres
    redis: Redis
    extra_env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "TAKEDOWN_", "CELERY_", "DATABASE_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "takedown.settings",
                "DATABASE_URL": self.database_url,
                "CELERY_BROKER_URL": self.redis.url(0),
                "TAKEDOWN_CACHE_URL": self.redis.url(1),
                "TAKEDOWN_VAR_DIR": str(self.workdir / "var"),
                "TAKEDOWN_SITE_URL": self.base_url,
                "TAKEDOWN_PLATFORM_HOSTS": f"127.0.0.1:{self.port}",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "TAKEDOWN_THROTTLE_NOTICES": "100000/hour",
                "TAKEDOWN_THROTTLE_TRACKING": "100000/hour",
                "TAKEDOWN_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def prepare(self, database: str = "takedown", template: str | None = None) -> Deployment:
        """Create the database: migrated and seeded with the demo, or copied from ``template``
        (a database an earlier prepare() made), which is much faster than migrating again."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database_url = self.postgres.create_database(database, template=template)
        if template is None:
            manage(self.env(), "migrate", "--noinput")
            manage(self.env(), "load_demo")
        return self

    def sql(self, query: str, params: tuple | dict = ()) -> list[tuple]:
        """Rows of one query on the deployment's database (what really got stored)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def sql_value(self, query: str, params: tuple | dict = ()):
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    def start_app(self, workers: int = 2, threads: int = 4) -> ManagedProcess:
        gunicorn = VENV_BIN / "gunicorn"
        app = ManagedProcess(
            "app",
            [
                str(gunicorn),
                "takedown.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                # Its default path is shared by every gunicorn of the user (~/.gunicorn): the
                # deployments of parallel test runs and benchmarks must not fight over it.
                "--no-control-socket",
            ],
            self.env(),
            self.workdir / "app.log",
        ).start()
        self.processes["app"] = app
        wait_for(
            lambda: urllib.request.urlopen(f"{self.base_url}/", timeout=2).status == 200,  # noqa: S310
            timeout=60,
            what=f"gunicorn (log: {app.log_path})",
        )
        return app

    def start_worker(self, name: str = "worker", concurrency: int = 2) -> ManagedProcess:
        worker = ManagedProcess(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A",
                "takedown",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            self.env(),
            self.workdir / f"{name}.log",
        ).start()
        self.processes[name] = worker
        wait_for(
            lambda: "ready." in worker.output(),
            timeout=60,
            what=f"celery worker (log: {worker.log_path})",
        )
        return worker

    def start_beat(self) -> ManagedProcess:
        beat = ManagedProcess(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "takedown",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.workdir / "celerybeat-schedule"),
            ],
            self.env(),
            self.workdir / "beat.log",
        ).start()
        self.processes["beat"] = beat
        return beat

    def stop(self) -> None:
        # Every process shuts down at the same time; then wait for each.
        for process in self.processes.values():
            process.request_stop()
        for process in self.processes.values():
            process.stop()
        self.processes.clear()
