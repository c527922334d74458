"""The in-process half of the queue benchmark: SQL queries per request, and EXPLAIN ANALYZE.

Run by benchmarks/queue.py as ``python -m benchmarks.queue_probe`` with a deployment's
environment (DATABASE_URL...). It requests the queue pages through Django's test client, so
that every SQL statement can be counted, then EXPLAIN ANALYZEs the queue's own queries as they
were sent. Prints one JSON document on stdout.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "takedown.settings")
    import django

    django.setup()

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    scenarios = json.loads(sys.argv[1])  # {name: query string}
    user = User.objects.get(username="moderator")
    web = Client(SERVER_NAME="127.0.0.1")
    web.force_login(user)
    token = Token.objects.get_or_create(user=user)[0].key
    api = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")

    report: dict = {"queries": {}, "explain": {}}
    for name, query in scenarios.items():
        for endpoint, client, path in (("web", web, "/staff/"), ("api", api, "/api/v1/cases/")):
            with CaptureQueriesContext(connection) as captured:
                shown = query if endpoint == "api" or "state=" in query else f"state=all&{query}"
                response = client.get(f"{path}?{shown}")
            if response.status_code != 200:
                raise SystemExit(f"{endpoint} {path}?{query} answered {response.status_code}")
            report["queries"][f"{name}/{endpoint}"] = len(captured)
            if endpoint == "api":
                report["explain"][name] = _explain_queue_queries(connection, captured)
    print(json.dumps(report))


def _explain_queue_queries(connection, captured) -> dict:
    """EXPLAIN ANALYZE the statements that read cases_case: the paginator's count, the page's
    case ids (ORDER BY ... LIMIT/OFFSET) and the page's rows with their joins."""
    plans = {}
    for query in captured.captured_queries:
        sql = query["sql"]
        if 'FROM "cases_case"' not in sql:
            continue
        kind = "count" if "COUNT(*)" in sql else "ids" if " LIMIT " in sql else "page"
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}")
            plans[kind] = {"sql": sql, "plan": [row[0] for row in cursor.fetchall()]}
    return plans


if __name__ == "__main__":
    main()
