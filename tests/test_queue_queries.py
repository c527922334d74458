"""The review queue costs the same SQL queries whatever the number of cases and the page size.

Counted with the cases a real queue holds: several items each, match evidence, decisions with
platform measures, and claims by different moderators. The latency at 100,000 cases is measured
by benchmarks/queue.py (``make bench-load``), not here.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.api import QueuePagination
from cases.models import Case, Decision, MatchResult, PlatformMeasure, State, Verdict
from notices.models import Notice, ReportedItem

from .conftest import api_as, web_as

API = "/api/v1/cases/"
WEB = "/staff/?state=all"  # every state: the data set mixes open and closed cases

_numbers = itertools.count(1)


@pytest.fixture
def add_cases(db, moderator_a, moderator_b):
    """add_cases(n): n cases built from model objects (no platform, no upload), each with two
    or three items and a match result per item; every third case upheld with a measure per
    item, every fourth claimed by one of two moderators."""
    now = timezone.now()
    states = [State.RECEIVED, State.IN_REVIEW, State.ACTIONED, State.RECEIVED, State.REJECTED]
    verdicts = [Verdict.MATCH, Verdict.POSSIBLE, Verdict.NO_MATCH, Verdict.MATCH]

    def add(count: int) -> list[Case]:
        numbers = [next(_numbers) for _ in range(count)]
        notices = Notice.objects.bulk_create(
            Notice(
                reference=f"TD-2026-{900000 + n}",
                tracking_token_hash=Notice.hash_token(f"t{n}"),
                notifier_name="Mei Lin",
                notifier_email="mei@example.com",
                relationship="self",
                use_type="sale",
                description="x",
                requested_measure="delete",
                good_faith=True,
                accuracy=True,
                signature="Mei Lin",
            )
            for n in numbers
        )
        items = ReportedItem.objects.bulk_create(
            ReportedItem(
                notice=notice,
                submitted=f"post-{n * 10 + k}",
                content_id=f"post-{n * 10 + k}",
                url=f"http://testserver/platform/posts/{n * 10 + k}/",
            )
            for n, notice in zip(numbers, notices, strict=True)
            for k in range(2 + n % 2)
        )
        MatchResult.objects.bulk_create(
            MatchResult(item=item, verdict=verdicts[item.pk % len(verdicts)], distance=7.0)
            for item in items
        )
        cases = Case.objects.bulk_create(
            Case(
                notice=notice,
                state=states[n % len(states)],
                verdict=verdicts[n % len(verdicts)],
                due_at=now + timedelta(minutes=(n * 37) % 500),
                claimed_by=[moderator_a, moderator_b][n % 2] if n % 4 == 0 else None,
                claim_expires_at=now + timedelta(minutes=30) if n % 4 == 0 else None,
            )
            for n, notice in zip(numbers, notices, strict=True)
        )
        for n, case in zip(numbers, cases, strict=True):
            if n % 3:
                continue
            decision = Decision.objects.create(
                case=case, outcome="uphold", reasons="Because.", decided_by=moderator_a
            )
            PlatformMeasure.objects.bulk_create(
                PlatformMeasure(
                    case=case,
                    item=item,
                    decision=decision,
                    measure="delete",
                    idempotency_key=f"td-measure-test-{item.pk}",
                    status=PlatformMeasure.Status.APPLIED,
                    requested_by=moderator_a,
                )
                for item in items
                if item.notice_id == case.notice_id
            )
        return cases

    return add


def count_queries(client, path: str, query: dict | None = None, rows: int | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, query or {})
    assert response.status_code == 200, response.content
    if rows is not None:
        shown = (
            len(response.json()["results"])
            if path == API
            else len(response.context["page"].object_list)
        )
        assert shown == rows
    return len(captured)


@pytest.fixture
def api(moderator_a):
    client = api_as(moderator_a)
    client.get(API)  # the user's roles are looked up once, then cached on the user
    return client


def test_the_queue_api_costs_the_same_queries_for_5_cases_as_for_40(
    add_cases, api, django_assert_num_queries
):
    add_cases(5)
    for_5 = count_queries(api, API, rows=5)

    add_cases(35)
    with django_assert_num_queries(for_5):
        assert len(api.get(API).json()["results"]) == 25


def test_the_queue_api_costs_the_same_queries_for_a_page_of_5_as_for_25(
    add_cases, api, monkeypatch, django_assert_num_queries
):
    add_cases(40)
    monkeypatch.setattr(QueuePagination, "page_size", 5)
    for_5 = count_queries(api, API, rows=5)

    monkeypatch.setattr(QueuePagination, "page_size", 25)
    with django_assert_num_queries(for_5):
        assert len(api.get(API).json()["results"]) == 25


def test_a_later_or_filtered_page_of_the_queue_api_costs_the_same_queries(
    add_cases, api, django_assert_num_queries
):
    add_cases(40)
    first = count_queries(api, API, rows=25)

    with django_assert_num_queries(first):
        assert len(api.get(API, {"page": 2}).json()["results"]) == 15
    with django_assert_num_queries(first):
        body = api.get(API, {"state": "received", "verdict": "match"}).json()
    assert body["results"]
    assert {(c["state"], c["verdict"]) for c in body["results"]} == {("received", "match")}


def test_the_web_queue_costs_the_same_queries_for_5_cases_as_for_40(
    add_cases, moderator_a, django_assert_num_queries
):
    client = web_as(moderator_a)
    add_cases(5)
    for_5 = count_queries(client, WEB, rows=5)

    add_cases(35)
    with django_assert_num_queries(for_5):
        response = client.get(WEB)
    assert len(response.context["page"].object_list) == 25
    assert "Delete the content: Applied" in response.content.decode()


def test_a_later_or_filtered_page_of_the_web_queue_costs_the_same_queries(
    add_cases, moderator_a, django_assert_num_queries
):
    client = web_as(moderator_a)
    add_cases(40)
    first = count_queries(client, WEB, rows=25)

    with django_assert_num_queries(first):
        assert len(client.get(WEB, {"page": 2, "state": "all"}).context["page"].object_list) == 15
    with django_assert_num_queries(first):
        page = client.get(WEB, {"state": "received", "verdict": "match"}).context["page"]
    assert page.object_list
    assert {(c.state, c.verdict) for c in page.object_list} == {("received", "match")}


def test_the_queue_pages_keep_the_queue_order(add_cases, api):
    """Paging by ids first (QueuePaginator) still gives every case once, soonest due first."""
    cases = add_cases(40)
    seen = [c["id"] for page in (1, 2) for c in api.get(API, {"page": page}).json()["results"]]

    expected = [c.pk for c in sorted(cases, key=lambda c: (c.due_at, c.pk))]
    assert seen == expected
