"""The HTTP platform adapter against a real local HTTP server playing the platform.

The server (pytest-httpserver) checks every request's signature with the same function a
platform would use, so a test passes only if what goes over the wire is really signed.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from datetime import UTC, datetime

import pytest
import urllib3
from django.core.exceptions import ImproperlyConfigured
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cases.models import Case, PlatformMeasure
from cases.platforms import InvalidContentReference, PlatformError, signing
from cases.platforms.demo import DemoPlatformAdapter
from cases.platforms.http import (
    HttpPlatformAdapter,
    close_connections,
    notification_idempotency_key,
)
from demo_platform.models import Account, Post, PostEvent, UploaderMessage

from .conftest import api_as, jpeg_bytes, notice_payload

SECRET = "shared-secret-for-tests"
API = "/moderation/v1"
PLATFORM_HOST = "platform.example"
CONTENT = {
    "content_id": "post-4",
    "url": "https://platform.example/p/4",
    "uploader_id": "glow.clinic",
    "uploader_name": "Glow Aesthetic Clinic",
    "status": "live",
}
IMAGE = jpeg_bytes((180, 90, 60))
TIMEOUT = 0.5


def json_response(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def signature_is_valid(request: Request) -> bool:
    return signing.verify(
        SECRET,
        request.headers.get(signing.TIMESTAMP_HEADER),
        request.headers.get(signing.SIGNATURE_HEADER),
        request.method,
        request.environ["RAW_URI"],  # the path and query exactly as sent
        request.get_data(),
        time.time(),
    )


class FakePlatform:
    """The platform's side of the API: refuses unsigned requests (401), applies each measure's
    idempotency key at most once, and records every request it received."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.received: list[Request] = []
        self.measure_failures: list[int] = []  # statuses to answer before succeeding
        self.applied: dict[str, dict] = {}
        self.notifications: dict[str, dict] = {}

    def route(self, method: str, path: str, handler) -> None:
        def checked(request: Request) -> Response:
            self.received.append(request)
            if not signature_is_valid(request):
                return json_response({"error": "bad signature"}, 401)
            return handler(request)

        self.server.expect_request(API + path, method=method).respond_with_handler(checked)

    def serve_content(self) -> None:
        self.route("POST", "/resolve", lambda request: json_response(CONTENT))
        self.route("GET", "/content/post-4", lambda request: json_response(CONTENT))
        self.route(
            "GET",
            "/content/post-4/image",
            lambda request: Response(IMAGE, content_type="image/jpeg"),
        )
        self.route("POST", "/content/post-4/measures", self._measure)
        self.route("POST", "/content/post-4/notifications", self._notify)

    def _measure(self, request: Request) -> Response:
        if self.measure_failures:
            return json_response({"error": "overloaded"}, self.measure_failures.pop(0))
        body = request.get_json()
        key = body["idempotency_key"]
        if key in self.applied:
            return json_response({**self.applied[key], "replayed": True})
        self.applied[key] = {"measure": body["measure"], "state": "deleted", "replayed": False}
        return json_response(self.applied[key], 201)

    def _notify(self, request: Request) -> Response:
        key = request.get_json()["idempotency_key"]
        answer = self.notifications.setdefault(key, {"message_id": len(self.notifications) + 1})
        return json_response(answer)

    def calls(self, method: str, path: str) -> list[Request]:
        return [r for r in self.received if r.method == method and r.path == API + path]


@pytest.fixture
def platform_settings(settings, httpserver):
    settings.TAKEDOWN_PLATFORM_API_URL = httpserver.url_for(API)
    settings.TAKEDOWN_PLATFORM_API_SECRET = SECRET
    settings.TAKEDOWN_PLATFORM_CONNECT_TIMEOUT = TIMEOUT
    settings.TAKEDOWN_PLATFORM_READ_TIMEOUT = TIMEOUT
    settings.TAKEDOWN_PLATFORM_HOSTS = [PLATFORM_HOST]
    return settings


@pytest.fixture
def platform(httpserver, platform_settings) -> FakePlatform:
    fake = FakePlatform(httpserver)
    fake.serve_content()
    return fake


@pytest.fixture
def adapter(platform_settings) -> HttpPlatformAdapter:
    return HttpPlatformAdapter()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TAKEDOWN_PLATFORM_API_URL", "", "TAKEDOWN_PLATFORM_API_URL is not set"),
        ("TAKEDOWN_PLATFORM_API_SECRET", "", "TAKEDOWN_PLATFORM_API_SECRET is not set"),
        ("TAKEDOWN_PLATFORM_API_URL", "ftp://platform.example/", "is not an http(s) base URL"),
    ],
)
def test_it_refuses_to_start_without_its_url_or_secret(platform_settings, name, value, message):
    setattr(platform_settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        HttpPlatformAdapter()


# --- what goes over the wire ---------------------------------------------------------------------


def test_every_request_is_signed_and_every_write_carries_its_idempotency_key(platform, adapter):
    adapter.resolve("https://platform.example/p/4")
    adapter.fetch_content("post-4")
    adapter.delete("post-4", idempotency_key="measure-key-1")
    adapter.notify_uploader("post-4", subject="Your post", body="It was removed.")

    assert [(r.method, r.path.removeprefix(API)) for r in platform.received] == [
        ("POST", "/resolve"),
        ("GET", "/content/post-4"),
        ("GET", "/content/post-4/image"),
        ("POST", "/content/post-4/measures"),
        ("POST", "/content/post-4/notifications"),
    ]
    assert all(signature_is_valid(request) for request in platform.received)
    keys = {r.path.removeprefix(API): r.headers.get("Idempotency-Key") for r in platform.received}
    assert keys["/content/post-4/measures"] == "measure-key-1"
    assert keys["/content/post-4/notifications"].startswith("notify-")
    assert keys["/resolve"] is None and keys["/content/post-4"] is None
    writes = platform.calls("POST", "/content/post-4/measures") + platform.calls(
        "POST", "/content/post-4/notifications"
    )
    for request in writes:
        assert request.get_json()["idempotency_key"] == request.headers["Idempotency-Key"]


def test_a_request_signed_with_another_secret_is_refused_by_the_platform(
    platform, platform_settings
):
    platform_settings.TAKEDOWN_PLATFORM_API_SECRET = "not-the-shared-secret"

    with pytest.raises(PlatformError) as raised:
        HttpPlatformAdapter().fetch_content("post-4")

    assert raised.value.transient is False
    assert str(raised.value) == "platform answered 401 on GET /content/post-4: bad signature"


def test_it_fetches_the_content_and_its_image(platform, adapter):
    fetched = adapter.fetch_content("post-4")

    assert fetched.content_id == "post-4"
    assert fetched.url == CONTENT["url"]
    assert (fetched.uploader_id, fetched.uploader_name) == ("glow.clinic", "Glow Aesthetic Clinic")
    assert fetched.status == "live"
    assert fetched.image_bytes == IMAGE


def test_content_without_an_image_is_fetched_without_one(httpserver, platform_settings, adapter):
    httpserver.expect_request(f"{API}/content/post-9").respond_with_json(
        {**CONTENT, "content_id": "post-9", "status": "deleted"}
    )
    httpserver.expect_request(f"{API}/content/post-9/image").respond_with_json(
        {"error": "no image"}, status=404
    )

    fetched = adapter.fetch_content("post-9")

    assert (fetched.image_bytes, fetched.status) == (None, "deleted")


@pytest.mark.parametrize(
    ("posted_at", "expected"),
    [
        ("2026-03-14T08:21:05+08:00", datetime(2026, 3, 14, 0, 21, 5, tzinfo=UTC)),
        ("2026-03-14T08:21:05Z", datetime(2026, 3, 14, 8, 21, 5, tzinfo=UTC)),
        ("2026-03-14T08:21:05", datetime(2026, 3, 14, 8, 21, 5, tzinfo=UTC)),  # read as UTC
        ("last Tuesday", None),
        (None, None),
    ],
)
def test_the_posting_time_is_read_when_the_platform_gives_one(
    httpserver, platform_settings, adapter, posted_at, expected
):
    httpserver.expect_request(f"{API}/content/post-5").respond_with_json(
        {**CONTENT, "content_id": "post-5", "posted_at": posted_at}
    )
    httpserver.expect_request(f"{API}/content/post-5/image").respond_with_data(IMAGE)

    assert adapter.fetch_content("post-5").posted_at == expected


def test_an_image_larger_than_the_upload_cap_is_refused(httpserver, platform_settings, adapter):
    platform_settings.TAKEDOWN_MAX_UPLOAD_BYTES = 1000
    httpserver.expect_request(f"{API}/content/post-4").respond_with_json(CONTENT)
    httpserver.expect_request(f"{API}/content/post-4/image").respond_with_data(
        b"\xff" * 5000, content_type="image/jpeg"
    )

    with pytest.raises(PlatformError, match="larger than the 1000 bytes") as raised:
        adapter.fetch_content("post-4")

    assert raised.value.transient is False


def test_content_ids_are_quoted_in_paths(httpserver, platform_settings, adapter):
    httpserver.expect_request(re.compile(r".*/measures$"), method="POST").respond_with_json(
        {"state": "deleted"}
    )

    adapter.delete("a b/c", idempotency_key="k")

    (request, _), *_ = httpserver.log
    assert request.environ["RAW_URI"] == f"{API}/content/a%20b%2Fc/measures"


@pytest.mark.parametrize("measure", ["delete", "disconnect_link", "block", "restore"])
def test_each_measure_is_sent_by_name_and_the_platforms_answer_returned(platform, adapter, measure):
    result = getattr(adapter, measure)("post-4", idempotency_key=f"key-{measure}")

    (request,) = platform.calls("POST", "/content/post-4/measures")
    sent = {"measure": measure, "idempotency_key": f"key-{measure}"}
    if measure == "block":
        sent["territorial_scope"] = []  # everywhere
    assert request.get_json() == sent
    assert result.ok is True
    assert result.response == {"measure": measure, "state": "deleted", "replayed": False}


def test_a_block_tells_the_platform_where_it_applies(platform, adapter):
    adapter.apply_measure(
        "post-4", "block", idempotency_key="key-geo", territorial_scope=["DE", "FR"]
    )

    (request,) = platform.calls("POST", "/content/post-4/measures")
    assert request.get_json()["territorial_scope"] == ["DE", "FR"]


def test_an_account_measure_and_its_lift_go_to_the_accounts_endpoint(platform, adapter):
    platform.route("POST", "/accounts/glow-clinic/measures", platform._measure)

    adapter.restrict_account("glow-clinic", "suspend", idempotency_key="td-account-1-suspend")
    lifted = adapter.lift_account_measure(
        "glow-clinic", "suspend", idempotency_key="td-account-1-lift"
    )

    applied, lift = platform.calls("POST", "/accounts/glow-clinic/measures")
    assert applied.get_json() == {"measure": "suspend", "idempotency_key": "td-account-1-suspend"}
    assert applied.headers["Idempotency-Key"] == "td-account-1-suspend"
    assert lift.get_json() == {
        "measure": "restore",
        "lifts": "suspend",
        "idempotency_key": "td-account-1-lift",
    }
    assert lifted.response["measure"] == "restore"


def test_a_replayed_key_gets_the_stored_answer(platform, adapter):
    adapter.delete("post-4", idempotency_key="same-key")
    again = adapter.delete("post-4", idempotency_key="same-key")

    assert again.response["replayed"] is True
    assert len(platform.applied) == 1


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_or_throttling_is_transient(httpserver, platform_settings, adapter, status):
    httpserver.expect_request(f"{API}/content/post-4/measures").respond_with_json(
        {"error": "try later"}, status=status
    )

    with pytest.raises(PlatformError) as raised:
        adapter.delete("post-4", idempotency_key="k")

    assert raised.value.transient is True
    assert str(raised.value) == (
        f"platform answered {status} on POST /content/post-4/measures: try later"
    )


def test_a_404_on_fetch_is_not_transient(httpserver, platform_settings, adapter):
    httpserver.expect_request(f"{API}/content/post-404").respond_with_json(
        {"error": "post-404 does not exist"}, status=404
    )

    with pytest.raises(PlatformError) as raised:
        adapter.fetch_content("post-404")

    assert raised.value.transient is False
    assert "404 on GET /content/post-404: post-404 does not exist" in str(raised.value)


def test_a_400_on_a_measure_is_not_transient_and_keeps_the_platforms_body(
    httpserver, platform_settings, adapter
):
    answer = {"error": "measure not supported", "code": "unsupported_measure"}
    httpserver.expect_request(f"{API}/content/post-4/measures").respond_with_json(
        answer, status=400
    )

    with pytest.raises(PlatformError) as raised:
        adapter.block("post-4", idempotency_key="k")

    assert raised.value.transient is False
    assert raised.value.response == answer


def test_a_non_json_error_page_is_kept_as_text(httpserver, platform_settings, adapter):
    httpserver.expect_request(f"{API}/content/post-4/measures").respond_with_data(
        "<h1>Forbidden</h1>", status=403, content_type="text/html"
    )

    with pytest.raises(PlatformError) as raised:
        adapter.delete("post-4", idempotency_key="k")

    assert raised.value.transient is False
    assert raised.value.response == {"body": "<h1>Forbidden</h1>"}


def test_invalid_json_in_a_success_is_transient(httpserver, platform_settings, adapter):
    httpserver.expect_request(f"{API}/content/post-4/measures").respond_with_data(
        "{not json", status=200, content_type="application/json"
    )

    with pytest.raises(PlatformError, match="without a JSON object") as raised:
        adapter.delete("post-4", idempotency_key="k")

    assert raised.value.transient is True


def test_a_redirect_is_not_followed(httpserver, platform_settings, adapter):
    httpserver.expect_request(f"{API}/content/post-4").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.example/"}
    )

    with pytest.raises(PlatformError, match="redirects are not followed") as raised:
        adapter.fetch_content("post-4")

    assert raised.value.transient is False
    assert len(httpserver.log) == 1


def test_a_timeout_is_transient_and_quick(httpserver, platform_settings, adapter):
    platform_settings.TAKEDOWN_PLATFORM_READ_TIMEOUT = 0.2
    adapter = HttpPlatformAdapter()
    release = threading.Event()

    def stalls(request):
        release.wait(timeout=5)  # held until the adapter has given up
        return json_response({"state": "deleted"})

    httpserver.expect_request(f"{API}/content/post-4/measures").respond_with_handler(stalls)

    started = time.monotonic()
    with pytest.raises(PlatformError) as raised:
        adapter.delete("post-4", idempotency_key="k")
    elapsed = time.monotonic() - started
    release.set()

    assert raised.value.transient is True
    assert str(raised.value) == "platform timed out after 0.2s on POST /content/post-4/measures"
    assert elapsed < 1.5
    # Let the single-threaded server finish before the next test uses it.
    deadline = time.monotonic() + 5
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_refused_connection_is_transient(platform_settings):
    platform_settings.TAKEDOWN_PLATFORM_API_URL = f"http://127.0.0.1:{closed_port()}{API}"

    started = time.monotonic()
    with pytest.raises(PlatformError) as raised:
        HttpPlatformAdapter().delete("post-4", idempotency_key="k")

    assert raised.value.transient is True
    assert str(raised.value) == (
        "could not connect to the platform on POST /content/post-4/measures (connection refused)"
    )
    assert time.monotonic() - started < 1.5


def test_a_connection_closed_without_an_answer_is_transient(httpserver, platform_settings, adapter):
    def hangs_up(request):
        # No HTTP answer at all: lingering for 0 seconds makes the connection end in a reset.
        connection = request.environ["werkzeug.socket"]
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RDWR)
        return Response("")

    httpserver.expect_request(f"{API}/content/post-4/measures").respond_with_handler(hangs_up)

    with pytest.raises(PlatformError) as raised:
        adapter.delete("post-4", idempotency_key="k")

    assert raised.value.transient is True
    assert "connection to the platform was broken on POST /content/post-4/measures" in str(
        raised.value
    )


def test_a_slow_answer_within_the_timeout_succeeds(httpserver, platform_settings, adapter):
    def slow(request):
        time.sleep(TIMEOUT / 3)
        return json_response({"state": "deleted"}, 201)

    httpserver.expect_request(f"{API}/content/post-4/measures").respond_with_handler(slow)

    result = adapter.delete("post-4", idempotency_key="k")

    assert result.response == {"state": "deleted"}


# --- resolving what a complainant reported -------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "https://evil.example/p/4",
        "http://platform.example.evil.example/p/4",
        "https://platform.example@evil.example/p/4",
        "https://platform.example:8443/p/4",
        "ftp://platform.example/p/4",
        "platform.example/p/4",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "evil.example",
    ],
)
def test_resolve_refuses_a_url_off_the_platform_without_any_request(
    httpserver, platform_settings, adapter, reference
):
    with pytest.raises(InvalidContentReference, match="is not on this platform"):
        adapter.resolve(reference)

    assert httpserver.log == []


@pytest.mark.parametrize("reference", ["https://platform.example/p/4", "post-4", " post-4 \n"])
def test_resolve_asks_the_platform_about_its_own_urls_and_content_ids(platform, adapter, reference):
    ref = adapter.resolve(reference)

    assert (ref.content_id, ref.url) == ("post-4", CONTENT["url"])
    (request,) = platform.calls("POST", "/resolve")
    assert request.get_json() == {"reference": reference.strip()}


@pytest.mark.parametrize("status", [404, 422])
def test_resolve_passes_on_the_platforms_refusal(httpserver, platform_settings, adapter, status):
    httpserver.expect_request(f"{API}/resolve").respond_with_json(
        {"error": "post-99 does not exist on this platform."}, status=status
    )

    with pytest.raises(InvalidContentReference, match=r"^post-99 does not exist on this platform"):
        adapter.resolve("post-99")


# --- notifying the uploader ----------------------------------------------------------------------


def test_notify_uploader_sends_a_stable_idempotency_key(platform, adapter):
    first = adapter.notify_uploader("post-4", subject="Removed", body="Reasons.")
    again = adapter.notify_uploader("post-4", subject="Removed", body="Reasons.")
    other = adapter.notify_uploader("post-4", subject="Removed", body="Other reasons.")

    calls = platform.calls("POST", "/content/post-4/notifications")
    keys = [request.headers["Idempotency-Key"] for request in calls]
    assert keys[0] == keys[1] == notification_idempotency_key("post-4", "Removed", "Reasons.")
    assert keys[2] != keys[0]
    assert first.response == again.response == {"message_id": 1}
    assert other.response == {"message_id": 2}


# --- end to end: takedown's own flow over HTTP ---------------------------------------------------


@pytest.fixture
def http_platform(platform, platform_settings):
    platform_settings.TAKEDOWN_PLATFORM_ADAPTER = "cases.platforms.http.HttpPlatformAdapter"
    platform_settings.TAKEDOWN_MEASURE_MAX_RETRIES = 3
    return platform


@pytest.fixture
def claimed_case(http_platform, anonymous_api, moderator_a):
    response = anonymous_api.post(
        "/api/v1/notices/", notice_payload(["https://platform.example/p/4"]), format="multipart"
    )
    assert response.status_code == 201, response.json()
    case = Case.objects.get(notice__reference=response.json()["reference"])
    assert case.notice.items.get().content_id == "post-4"
    assert api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    return case


def uphold(moderator, case):
    return api_as(moderator).post(
        f"/api/v1/cases/{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "reasons": "Her selfie, used as an advert.",
            "measure": "delete",
        },
        format="json",
    )


def measure_calls(platform: FakePlatform) -> list[Request]:
    return platform.calls("POST", "/content/post-4/measures")


def test_upholding_sends_the_measure_once_with_its_idempotency_key(
    http_platform, claimed_case, moderator_a
):
    assert uphold(moderator_a, claimed_case).status_code == 200

    measure = PlatformMeasure.objects.get()
    (call,) = measure_calls(http_platform)
    assert call.headers["Idempotency-Key"] == measure.idempotency_key
    assert call.get_json() == {"measure": "delete", "idempotency_key": measure.idempotency_key}
    assert (measure.status, measure.attempts) == ("applied", 1)
    assert measure.platform_response == {"measure": "delete", "state": "deleted", "replayed": False}
    assert len(http_platform.calls("POST", "/content/post-4/notifications")) == 1
    assert claimed_case.log.filter(action="measure_applied").count() == 1


def test_a_platform_answering_503_twice_gets_the_measure_applied_on_retry(
    http_platform, claimed_case, moderator_a
):
    http_platform.measure_failures = [503, 503]

    assert uphold(moderator_a, claimed_case).status_code == 200

    measure = PlatformMeasure.objects.get()
    assert (measure.status, measure.attempts) == ("applied", 3)
    calls = measure_calls(http_platform)
    assert len(calls) == 3
    assert {call.headers["Idempotency-Key"] for call in calls} == {measure.idempotency_key}
    assert len(http_platform.applied) == 1


def test_a_platform_down_fails_the_measure_and_staff_retry_it_with_the_same_key(
    http_platform, claimed_case, moderator_a
):
    http_platform.measure_failures = [503] * 100

    assert uphold(moderator_a, claimed_case).status_code == 200

    measure = PlatformMeasure.objects.get()
    assert (measure.status, measure.attempts) == ("failed", 4)  # the first try and 3 retries
    assert measure.error == "platform answered 503 on POST /content/post-4/measures: overloaded"
    assert len(measure_calls(http_platform)) == 4
    assert http_platform.calls("POST", "/content/post-4/notifications") == []

    http_platform.measure_failures = []
    response = api_as(moderator_a).post(f"/api/v1/measures/{measure.pk}/retry/")

    assert response.status_code == 200
    measure.refresh_from_db()
    assert measure.status == "applied"
    calls = measure_calls(http_platform)
    assert len(calls) == 5
    assert {call.headers["Idempotency-Key"] for call in calls} == {measure.idempotency_key}
    assert len(http_platform.calls("POST", "/content/post-4/notifications")) == 1


# --- the demo platform's API ---------------------------------------------------------------------


@pytest.fixture
def demo_post(db):
    """One post on the demo platform (the full demo story is not needed here)."""
    account = Account.objects.create(handle="glow.clinic", display_name="Glow Aesthetic Clinic")
    return Post.objects.create(account=account, caption="Real customer result", image=IMAGE)


def signed_headers(method: str, path: str, body: bytes, *, secret=SECRET, timestamp=None) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        signing.TIMESTAMP_HEADER: timestamp,
        signing.SIGNATURE_HEADER: signing.sign(secret, timestamp, method, path, body),
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unsigned", "Every request must be signed"),
        ("wrong secret", "does not match this request"),
        ("another body", "does not match this request"),
        ("another path", "does not match this request"),
        ("stale", "within 300 seconds"),
        ("from the future", "within 300 seconds"),
    ],
)
def test_the_demo_api_refuses_unsigned_badly_signed_and_stale_requests(
    client, demo_post, settings, case, message
):
    settings.TAKEDOWN_PLATFORM_API_SECRET = SECRET
    path = f"/platform/api/v1/content/{demo_post.content_id}/measures"
    body = json.dumps({"measure": "delete", "idempotency_key": "k-1"}).encode()
    headers = {
        "unsigned": {},
        "wrong secret": signed_headers("POST", path, body, secret="guessed"),
        "another body": signed_headers("POST", path, b'{"measure": "restore"}'),
        "another path": signed_headers("POST", path.replace("/measures", "/notifications"), body),
        # A minute outside the 300-second window, so a slow run cannot drift back inside it.
        "stale": signed_headers("POST", path, body, timestamp=int(time.time()) - 360),
        "from the future": signed_headers("POST", path, body, timestamp=int(time.time()) + 360),
    }[case]

    response = client.post(path, body, content_type="application/json", headers=headers)

    assert response.status_code == 401
    assert message in response.json()["error"]
    assert Post.objects.get(pk=demo_post.pk).state == "live"
    assert not PostEvent.objects.exists()


def test_the_demo_api_applies_a_signed_measure_once(client, demo_post, settings):
    settings.TAKEDOWN_PLATFORM_API_SECRET = SECRET
    path = f"/platform/api/v1/content/{demo_post.content_id}/measures"
    body = json.dumps({"measure": "delete", "idempotency_key": "k-1"}).encode()

    def send():
        headers = {**signed_headers("POST", path, body), "Idempotency-Key": "k-1"}
        return client.post(path, body, content_type="application/json", headers=headers)

    first, replay = send(), send()

    assert (first.status_code, first.json()["state"]) == (201, "deleted")
    assert (replay.status_code, replay.json()["replayed"]) == (200, True)
    assert PostEvent.objects.filter(post=demo_post).count() == 1


@pytest.mark.parametrize(
    ("path", "payload", "header_key", "status", "message"),
    [
        ("measures", {"measure": "erase", "idempotency_key": "k-2"}, "k-2", 400, '"measure" must'),
        ("measures", {"measure": "delete"}, "k-2", 400, '"idempotency_key" is required'),
        ("measures", {"measure": "delete", "idempotency_key": "k-2"}, "k-3", 400, "must be equal"),
        ("measures", {"measure": "block", "idempotency_key": "k-1"}, "k-1", 409, "already used"),
        ("notifications", {"subject": "Hi", "idempotency_key": "k-2"}, "k-2", 400, '"body" is'),
        ("unknown", {"measure": "delete", "idempotency_key": "k-2"}, "k-2", 404, "does not exist"),
    ],
)
def test_the_demo_api_refuses_a_bad_call_and_says_why(
    client, demo_post, settings, path, payload, header_key, status, message
):
    settings.TAKEDOWN_PLATFORM_API_SECRET = SECRET
    DemoPlatformAdapter().delete(demo_post.content_id, idempotency_key="k-1")
    content_id = "post-999999" if path == "unknown" else demo_post.content_id
    url = f"/platform/api/v1/content/{content_id}/{'measures' if path == 'unknown' else path}"
    body = json.dumps(payload).encode()
    headers = {**signed_headers("POST", url, body), "Idempotency-Key": header_key}

    response = client.post(url, body, content_type="application/json", headers=headers)

    assert response.status_code == status
    assert message in response.json()["error"]
    assert PostEvent.objects.count() == 1
    assert not UploaderMessage.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_http_adapter_really_deletes_a_demo_post_through_the_demo_api(
    live_server, demo_post, settings, request
):
    host = live_server.url.removeprefix("http://")
    settings.TAKEDOWN_PLATFORM_API_URL = f"{live_server.url}/platform/api/v1"
    settings.TAKEDOWN_PLATFORM_API_SECRET = SECRET
    settings.TAKEDOWN_PLATFORM_HOSTS = [host]
    post = demo_post
    page = f"{live_server.url}/platform/posts/{post.pk}/"
    adapter = HttpPlatformAdapter()
    # Kept-alive connections would outlive the live server and break noisily at its shutdown.
    request.addfinalizer(close_connections)

    ref = adapter.resolve(page)
    fetched = adapter.fetch_content(ref.content_id)
    applied = adapter.delete(ref.content_id, idempotency_key="live-delete-1")
    replayed = adapter.delete(ref.content_id, idempotency_key="live-delete-1")
    adapter.notify_uploader(ref.content_id, subject="Removed", body="Reasons.")
    adapter.notify_uploader(ref.content_id, subject="Removed", body="Reasons.")

    assert ref.content_id == post.content_id
    assert fetched.image_bytes == bytes(post.image)
    assert fetched.uploader_id == post.account.handle
    assert (applied.response["state"], applied.response["replayed"]) == ("deleted", False)
    assert replayed.response["replayed"] is True
    assert PostEvent.objects.filter(post=post).count() == 1
    assert UploaderMessage.objects.filter(post=post).count() == 1
    answer = urllib3.request("GET", page, retries=False, headers={"Connection": "close"})
    assert answer.status == 410  # Gone: the post page shows it was removed
    with pytest.raises(InvalidContentReference, match="is not on this platform"):
        adapter.resolve("http://127.0.0.1:1/platform/posts/1/")


def test_intake_answers_503_with_retry_after_when_the_platform_is_down(db, settings, anonymous_api):
    from notices.models import Notice

    from .conftest import notice_payload

    settings.TAKEDOWN_PLATFORM_ADAPTER = "cases.platforms.http.HttpPlatformAdapter"
    settings.TAKEDOWN_PLATFORM_API_URL = "http://127.0.0.1:9/"  # nothing listens on port 9
    settings.TAKEDOWN_PLATFORM_API_SECRET = "s3cret"
    settings.TAKEDOWN_PLATFORM_CONNECT_TIMEOUT = 0.5

    response = anonymous_api.post(
        "/api/v1/notices/", notice_payload(["post-4"]), format="multipart"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "try again" in response.json()["detail"]
    assert Notice.objects.count() == 0
