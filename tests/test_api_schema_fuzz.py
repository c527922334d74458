"""Property-based requests against the published OpenAPI schema (schemathesis), in-process
through the WSGI application: for every operation, as an anonymous client and as staff with a
token, generated requests never get a 5xx, and documented answers match the schema.

Bounded: a fixed number of examples per operation, derandomised, so a run is reproducible and
takes about a minute.
"""

from __future__ import annotations

import os
from collections import Counter
from itertools import product

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

EXAMPLES = int(os.environ.get("TAKEDOWN_FUZZ_EXAMPLES", "12"))
# Valid requests, and requests that break the schema on purpose (each must be a 4xx, not a 5xx).
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def api_schema(db):
    """The schema, loaded from the app, whose requests run inside the test's transaction (as
    Django's test client does: no connection is closed at the start or end of a request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(schema, headers: dict[str, str], statuses: Counter | None = None) -> list[str]:
    failures: list[str] = []
    statuses = Counter() if statuses is None else statuses
    for operation, mode in product(_operations(schema), MODES):

        @given(case=operation.as_strategy(mode))
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            cache.clear()  # throttles count per client: every example starts from zero
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code // 100 * 100] += 1

        try:
            run()
        except Unsatisfiable:
            continue  # nothing in the operation can be made invalid (no parameters, no body)
        except Exception as error:  # noqa: BLE001 - collected, reported together below
            first = str(error).strip().splitlines()[:12]
            failures.append(f"{operation.label}:\n    " + "\n    ".join(first))
    return failures


def test_the_schema_describes_the_public_and_staff_endpoints(api_schema):
    labels = {operation.label for operation in _operations(api_schema)}
    assert "POST /api/v1/notices/" in labels
    assert "GET /api/v1/cases/" in labels
    assert len(labels) > 20


def test_anonymous_requests_never_get_a_server_error_and_match_the_schema(api_schema):
    failures = _fuzz(api_schema, headers={})
    assert failures == [], "\n".join(failures)


def test_staff_token_requests_never_get_a_server_error_and_match_the_schema(
    api_schema, moderator_a, demo_posts
):
    token = Token.objects.create(user=moderator_a)
    statuses: Counter = Counter()
    failures = _fuzz(api_schema, headers={"Authorization": f"Token {token.key}"}, statuses=statuses)
    assert failures == [], "\n".join(failures)
    print("staff answers by class:", dict(statuses))
    assert statuses[200] > 20  # the generated requests reach the views, not only refusals
