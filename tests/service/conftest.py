"""Fixtures for the service tests: real PostgreSQL, Redis, gunicorn and Celery processes."""

import pytest

from tests.servers import Deployment, Postgres, Redis
from tests.service.support import close_connections

TEMPLATE_DATABASE = "takedown_template"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/service/" in str(item.fspath):
            item.add_marker(pytest.mark.service)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    server = Postgres(tmp_path_factory.mktemp("postgres")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, postgres, redis_server):
    """A migrated database with the demo seeded, made once; each deployment gets a copy."""
    Deployment(tmp_path_factory.mktemp("template"), postgres, redis_server).prepare(
        database=TEMPLATE_DATABASE
    )
    return TEMPLATE_DATABASE


_databases = iter(range(1, 10_000))


@pytest.fixture
def deployment(tmp_path, postgres, redis_server, template_database):
    """A prepared deployment (own database, demo data) with nothing running yet."""
    redis_server_flush(redis_server)
    deploy = Deployment(tmp_path / "deploy", postgres, redis_server)
    deploy.prepare(database=f"takedown_{next(_databases)}", template=template_database)
    yield deploy
    close_connections()
    deploy.stop()


def redis_server_flush(server: Redis) -> None:
    import redis

    for db in (0, 1):
        redis.Redis.from_url(server.url(db)).flushdb()
