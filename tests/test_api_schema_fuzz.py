"""Property-based requests against the published OpenAPI schema (schemathesis), in-process
through the WSGI application: for every operation, as an anonymous client and as staff with a
token, generated requests never get a 5xx, and documented answers match the schema.

Bounded: a fixed number of examples per operation, derandomised, so a run is reproducible and
takes about a minute.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from itertools import product
from types import SimpleNamespace

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
    status_code_conformance,
)

from cases.models import Case
from demo_platform.models import UploaderMessage

from .conftest import CommitAPIClient, api_as, notice_payload, post_url, posts_by_role

EXAMPLES = int(os.environ.get("TAKEDOWN_FUZZ_EXAMPLES", "12"))
# Valid requests, and requests that break the schema on purpose (each must be a 4xx, not a 5xx).
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
# Every answer's status must be documented for the operation, and its body match the schema.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


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


def _fuzz(
    schema,
    headers: dict[str, str],
    statuses: Counter | None = None,
    *,
    only_with_header: str | None = None,
    path_parameters: dict[str, object] | None = None,
) -> list[str]:
    """Fuzz every operation (or those that take ``only_with_header``), sending ``headers``
    and, where a path names them, ``path_parameters`` (a real case, notice or file)."""
    failures: list[str] = []
    statuses = Counter() if statuses is None else statuses
    operations = _operations(schema)
    if only_with_header:
        operations = [op for op in operations if _takes_header(op, only_with_header)]
        assert operations, f"no operation takes {only_with_header}"
    for operation, mode in product(operations, MODES):

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
            if path_parameters and case.path_parameters:
                case.path_parameters = {
                    name: path_parameters.get(name, value)
                    for name, value in case.path_parameters.items()
                }
            # The caller's credentials replace whatever was generated for those headers.
            case.headers = {**(case.headers or {}), **headers}
            response = case.call_and_validate(checks=CHECKS)
            statuses[response.status_code // 100 * 100] += 1

        try:
            run()
        except Unsatisfiable:
            continue  # nothing in the operation can be made invalid (no parameters, no body)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported together
            first = str(error).strip().splitlines()[:12]
            failures.append(f"{operation.label}:\n    " + "\n    ".join(first))
    return failures


def _takes_header(operation, name: str) -> bool:
    parameters = operation.definition.raw.get("parameters", [])
    return any(p.get("in") == "header" and p.get("name") == name for p in parameters)


@pytest.fixture
def upheld(demo_posts, moderator_a):
    """A notice upheld by a moderator: its tracking token, its uploader's private link, and
    the ids of its case and identity document."""
    public = CommitAPIClient()
    reported = posts_by_role("clinic")[0]
    filed = public.post(
        "/api/v1/notices/", notice_payload([post_url(reported)]), format="multipart"
    ).json()
    case = Case.objects.get(notice__reference=filed["reference"])
    staff = api_as(moderator_a)
    staff.post(f"/api/v1/cases/{case.pk}/claim/")
    decided = staff.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "uphold", "ground": "portrait_right", "reasons": "Hers.", "measure": "delete"},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    message = UploaderMessage.objects.get(post=reported)
    return SimpleNamespace(
        reference=filed["reference"],
        tracking_token=filed["tracking_token"],
        uploader_token=re.search(r"\?token=([\w-]+)", message.body).group(1),
        case_id=case.pk,
    )


def test_the_schema_describes_the_public_and_staff_endpoints(api_schema):
    labels = {operation.label for operation in _operations(api_schema)}
    assert "POST /api/v1/notices/" in labels
    assert "GET /api/v1/cases/" in labels
    assert len(labels) > 20


@pytest.mark.parametrize(
    ("operation", "statuses"),
    [
        ("POST /api/v1/notices/", {"400", "401", "403", "415", "422", "429", "503"}),
        ("GET /api/v1/notices/{reference}/", {"400", "401", "404", "429"}),
        ("POST /api/v1/notices/{reference}/withdraw/", {"400", "401", "404", "409", "415", "429"}),
        ("GET /api/v1/uploader/cases/{reference}/", {"400", "404", "429"}),
        ("POST /api/v1/cases/{id}/claim/", {"401", "403", "404", "409"}),
        ("GET /api/v1/cases/", {"400", "401", "403", "404"}),
        ("GET /api/v1/dashboard/", {"401", "403"}),
    ],
)
def test_each_operation_documents_the_errors_it_answers_with_the_shared_error_body(
    client, db, operation, statuses
):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    method, path = operation.split(" ")
    responses = schema["paths"][path][method.lower()]["responses"]

    errors = {code for code in responses if code >= "400"}
    assert errors == statuses
    for code in errors:
        body = responses[code]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Error"}, code
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_anonymous_requests_never_get_a_server_error_and_match_the_schema(api_schema):
    failures = _fuzz(api_schema, headers={})
    assert failures == [], "\n".join(failures)


def test_staff_token_requests_never_get_a_server_error_and_match_the_schema(
    api_schema, moderator_a, upheld
):
    token = Token.objects.create(user=moderator_a)
    statuses: Counter = Counter()
    failures = _fuzz(
        api_schema,
        headers={"Authorization": f"Token {token.key}"},
        statuses=statuses,
        path_parameters={"id": upheld.case_id, "reference": upheld.reference},
    )
    assert failures == [], "\n".join(failures)
    print("staff answers by class:", dict(statuses))
    assert statuses[200] > 20  # the generated requests reach the views, not only refusals


def test_complainant_token_requests_never_get_a_server_error_and_match_the_schema(
    api_schema, upheld
):
    statuses: Counter = Counter()
    failures = _fuzz(
        api_schema,
        headers={"X-Tracking-Token": upheld.tracking_token},
        statuses=statuses,
        only_with_header="X-Tracking-Token",
        path_parameters={"reference": upheld.reference},
    )
    assert failures == [], "\n".join(failures)
    print("complainant answers by class:", dict(statuses))
    assert statuses[200] > 5


def test_uploader_token_requests_never_get_a_server_error_and_match_the_schema(api_schema, upheld):
    statuses: Counter = Counter()
    failures = _fuzz(
        api_schema,
        headers={"X-Uploader-Token": upheld.uploader_token},
        statuses=statuses,
        only_with_header="X-Uploader-Token",
        path_parameters={"reference": upheld.reference},
    )
    assert failures == [], "\n".join(failures)
    print("uploader answers by class:", dict(statuses))
    assert statuses[200] > 5
