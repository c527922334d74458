"""A platform's moderation API, as docs/platform-api.md specifies it, played by a real local
HTTP server.

The deployment's HTTP adapter talks to it over loopback like it would to a real platform. It
checks every request's signature, applies a measure once per idempotency key, remembers every
call, and can be told to fail (answer 503) or to stall on its first measure call.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cases.platforms import signing

BASE_PATH = "/moderation/v1"
STATE_AFTER = {
    "delete": "deleted",
    "disconnect_link": "disconnected",
    "block": "blocked",
    "restore": "live",
}


@dataclass
class Content:
    content_id: str
    image_jpeg: bytes
    uploader_id: str = "glow.clinic"
    uploader_name: str = "Glow Aesthetic Clinic"
    status: str = "live"


class FakePlatform:
    def __init__(self, secret: str, contents: list[Content]):
        self.secret = secret
        self.contents = {content.content_id: content for content in contents}
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.lock = threading.Lock()
        # Every measure call as received: (content_id, measure, idempotency key).
        self.measure_calls: list[tuple[str, str, str]] = []
        # How many times each idempotency key was really applied (must never exceed 1).
        self.applied: Counter = Counter()
        self.responses: dict[str, dict] = {}
        self.notifications: dict[str, dict] = {}
        self.bad_signatures: list[str] = []
        # Answer measure calls with this status instead of applying them (None: healthy).
        self.measures_fail_with: int | None = None
        # Apply the first measure call, then hold its answer this long (a slow platform).
        self.first_measure_stall = 0.0
        self.first_measure_received = threading.Event()
        self._release = threading.Event()

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakePlatform:
        self.server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self._handle)
        self.server.start()
        return self

    def stop(self) -> None:
        self._release.set()  # a stalled call answers at once
        if self.server.is_running():
            self.server.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{BASE_PATH}"

    def deployment_env(self) -> dict:
        """Settings that make the deployment use the HTTP adapter against this platform."""
        return {
            "TAKEDOWN_PLATFORM_ADAPTER": "cases.platforms.http.HttpPlatformAdapter",
            "TAKEDOWN_PLATFORM_API_URL": self.api_url,
            "TAKEDOWN_PLATFORM_API_SECRET": self.secret,
            "TAKEDOWN_PLATFORM_HOSTS": "platform.example",
        }

    def calls_with_key(self, key: str) -> int:
        with self.lock:
            return sum(1 for (_, _, k) in self.measure_calls if k == key)

    # --- the API -------------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        body = request.get_data()
        path = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
        if not signing.verify(
            self.secret,
            request.headers.get(signing.TIMESTAMP_HEADER),
            request.headers.get(signing.SIGNATURE_HEADER),
            request.method,
            path,
            body,
            now=time.time(),
        ):
            with self.lock:
                self.bad_signatures.append(f"{request.method} {path}")
            return _json({"error": "bad signature"}, 401)
        route = request.path.removeprefix(BASE_PATH)
        if request.method == "POST" and route == "/resolve":
            return self._resolve(json.loads(body))
        match = re.fullmatch(r"/content/([A-Za-z0-9_-]+)(/image|/measures|/notifications)?", route)
        content = self.contents.get(match.group(1)) if match else None
        if content is None:
            return _json({"error": "no such content"}, 404)
        action = (request.method, match.group(2))
        if action == ("GET", None):
            return _json(
                {
                    "content_id": content.content_id,
                    "url": self._url(content),
                    "uploader_id": content.uploader_id,
                    "uploader_name": content.uploader_name,
                    "status": content.status,
                }
            )
        if action == ("GET", "/image"):
            return Response(content.image_jpeg, 200, content_type="image/jpeg")
        if action == ("POST", "/measures"):
            return self._measure(content, json.loads(body), request.headers.get("Idempotency-Key"))
        if action == ("POST", "/notifications"):
            return self._notify(json.loads(body), request.headers.get("Idempotency-Key"))
        return _json({"error": "not found"}, 404)

    def _resolve(self, payload: dict) -> Response:
        reference = payload.get("reference", "")
        content_id = reference.rstrip("/").rsplit("/", 1)[-1]
        content = self.contents.get(content_id)
        if content is None:
            return _json({"error": f"{reference} is not content on this platform."}, 404)
        return _json({"content_id": content.content_id, "url": self._url(content)})

    def _measure(self, content: Content, payload: dict, header_key: str | None) -> Response:
        key, measure = payload.get("idempotency_key"), payload.get("measure")
        if not key or header_key != key or measure not in STATE_AFTER:
            return _json({"error": "bad measure call"}, 400)
        with self.lock:
            self.measure_calls.append((content.content_id, measure, key))
            first_call = len(self.measure_calls) == 1
            if self.measures_fail_with is not None:
                return _json({"error": "temporarily unavailable"}, self.measures_fail_with)
            stored = self.responses.get(key)
            if stored and (stored["content_id"], stored["measure"]) != (
                content.content_id,
                measure,
            ):
                return _json({"error": "key used for another call", "previous": stored}, 409)
            if stored is None:
                self.applied[key] += 1
                previous, content.status = content.status, STATE_AFTER[measure]
                stored = self.responses[key] = {
                    "content_id": content.content_id,
                    "measure": measure,
                    "previous_state": previous,
                    "state": content.status,
                    "applied_at": datetime.now(UTC).isoformat(),
                    "idempotency_key": key,
                }
                answer, status = {**stored, "replayed": False}, 201
            else:
                answer, status = {**stored, "replayed": True}, 200
        if first_call:
            self.first_measure_received.set()
            if self.first_measure_stall:
                self._release.wait(self.first_measure_stall)
        return _json(answer, status)

    def _notify(self, payload: dict, header_key: str | None) -> Response:
        key = payload.get("idempotency_key")
        if not key or header_key != key:
            return _json({"error": "bad notification call"}, 400)
        with self.lock:
            replayed = key in self.notifications
            self.notifications.setdefault(key, payload)
            message_id = list(self.notifications).index(key) + 1
        return _json({"message_id": message_id, "replayed": replayed}, 200 if replayed else 201)

    @staticmethod
    def _url(content: Content) -> str:
        return f"https://platform.example/p/{content.content_id}"


def _json(payload: dict, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, content_type="application/json")
