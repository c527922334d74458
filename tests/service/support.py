"""What the service tests share: talking to a running deployment over HTTP like its clients do,
making staff, filing notices, and reading what really got stored in PostgreSQL."""

from __future__ import annotations

import functools
import http.client
import io
import json
import re
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import urllib3
from PIL import Image

from tests.servers import Deployment, manage, wait_for

TIMEOUT = 30


@dataclass
class Answer:
    status: int
    body: dict | list | str
    headers: dict

    @property
    def detail(self) -> str:
        return self.body.get("detail", "") if isinstance(self.body, dict) else str(self.body)


def _parse(status: int, raw: bytes, headers) -> Answer:
    try:
        body = json.loads(raw)
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return Answer(status, body, dict(headers))


class Connection:
    """One keep-alive HTTP connection to the deployment, opened before it is used, so that
    requests released together by a barrier really reach the server at the same moment."""

    def __init__(self, deployment: Deployment, token: str | None = None):
        parts = urlsplit(deployment.base_url)
        self.http = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        self.http.connect()
        self.token = token

    def request(
        self, method: str, path: str, *, json_body=None, body: bytes | None = None, headers=None
    ) -> Answer:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        self.http.request(method, path, body=body, headers=headers)
        response = self.http.getresponse()
        return _parse(response.status, response.read(), response.headers)

    def close(self) -> None:
        self.http.close()


_pool = urllib3.PoolManager(maxsize=16, retries=False, timeout=TIMEOUT)


def api(
    deployment: Deployment,
    method: str,
    path: str,
    *,
    token: str | None = None,
    json_body=None,
    fields=None,
    headers=None,
) -> Answer:
    """One request to the deployment: JSON, or multipart form ``fields``. No redirects."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Token {token}"
    body = None
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif fields is not None:
        body, headers["Content-Type"] = urllib3.encode_multipart_formdata(fields)
    response = _pool.request(
        method, deployment.base_url + path, body=body, headers=headers, redirect=False
    )
    return _parse(response.status, response.data, response.headers)


def close_connections() -> None:
    """Drop idle keep-alive connections, so that gunicorn stops without waiting for them."""
    _pool.clear()


def together(calls: list) -> list:
    """Run the callables in threads released at the same moment by a barrier; their results
    in order. Each callable gets the barrier to wait on once it is ready to send."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            results[index] = call(barrier)
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    if errors:
        raise errors[0]
    assert not any(thread.is_alive() for thread in threads), "a concurrent request hung"
    return results


class BrowserSession:
    """A signed-in web session, as a browser gets one: the login form, its CSRF token, cookies."""

    def __init__(self, deployment: Deployment, username: str, password: str):
        self.base_url = deployment.base_url
        self.cookies: dict[str, str] = {}
        page = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.data).group(1)
        answer = self._request(
            "POST",
            "/accounts/login/",
            fields={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.decode(),
            },
        )
        assert answer.status == 302 and "sessionid" in self.cookies, "sign-in failed"

    def get(self, path: str) -> urllib3.BaseHTTPResponse:
        return self._request("GET", path)

    def _request(self, method: str, path: str, fields=None) -> urllib3.BaseHTTPResponse:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = _pool.request(
            method, self.base_url + path, body=body, headers=headers, redirect=False
        )
        for header in response.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        return response


# --- people --------------------------------------------------------------------------------


def create_staff(deployment: Deployment, usernames: list[str], role: str = "moderator") -> dict:
    """Staff members in ``role`` with API tokens (as an admin would make them); name -> token."""
    script = (
        "from django.contrib.auth.models import Group, User\n"
        "from rest_framework.authtoken.models import Token\n"
        f"group = Group.objects.get(name={role!r})\n"
        f"for name in {usernames!r}:\n"
        "    user = User.objects.create_user(name, name + '@platform.example', 'pw-' + name)\n"
        "    user.is_staff = True\n"
        "    user.save(update_fields=['is_staff'])\n"
        "    user.groups.add(group)\n"
        "    print('TOKEN', name, Token.objects.create(user=user).key)\n"
    )
    output = manage(deployment.env(), "shell", "-c", script)
    tokens = {}
    for line in output.splitlines():
        if line.startswith("TOKEN "):
            _, name, key = line.split()
            tokens[name] = key
    assert set(tokens) == set(usernames), output
    return tokens


# --- notices -------------------------------------------------------------------------------


@functools.cache
def reference_photo() -> bytes:
    from demo_platform.story_images import reference_photo_jpeg

    return reference_photo_jpeg()


@functools.cache
def story_image(role: str) -> bytes:
    """The JPEG of the demo story's first post with this role (own, clinic, pack, unrelated)."""
    from demo_platform.story_images import seed_posts

    return next(post.image_jpeg for post in seed_posts() if post.role == role)


def jpeg(color=(10, 20, 30), size=(64, 64), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    image.save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def gps_exif() -> bytes:
    """EXIF with a GPS position and a camera model, as a phone writes it."""
    exif = Image.Exif()
    exif[0x0110] = "Phone Camera Model"  # Model
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 51.0)}  # GPSInfo
    return exif.tobytes()


def notice_fields(
    reported: list[str],
    *,
    reference: bytes | None = None,
    description: str | None = None,
    email: str = "mei.lin@example.com",
) -> list[tuple]:
    """A complete, valid notice as multipart fields for POST /api/v1/notices/. The same
    notifier's second notice about the same content joins the first one's case: give another
    ``email`` for a case of its own."""
    return [
        ("notifier_name", "Mei Lin"),
        ("notifier_email", email),
        ("relationship", "self"),
        ("identity_document", ("id-card.jpg", jpeg(), "image/jpeg")),
        *[("reported_urls", text) for text in reported],
        ("reference_photos", ("me.jpg", reference or reference_photo(), "image/jpeg")),
        ("use_type", "commercial_endorsement"),
        ("description", description or "This account uses my selfie as a customer photo."),
        ("requested_measure", "delete"),
        ("good_faith", "true"),
        ("accuracy", "true"),
        ("signature", "Mei Lin"),
    ]


def file_notice(deployment: Deployment, reported: list[str], **kwargs) -> Answer:
    answer = api(deployment, "POST", "/api/v1/notices/", fields=notice_fields(reported, **kwargs))
    assert answer.status == 201, answer
    return answer


def claim_and_uphold(deployment: Deployment, token: str, case_id: int, measure="delete") -> dict:
    """Claim the case and uphold it with ``measure`` for every item, over the API."""
    claim = api(deployment, "POST", f"/api/v1/cases/{case_id}/claim/", token=token)
    assert claim.status == 200, claim
    decision = api(
        deployment,
        "POST",
        f"/api/v1/cases/{case_id}/decide/",
        token=token,
        json_body={
            "outcome": "uphold",
            "ground": "portrait_right",
            "measure": measure,
            "reasons": "The post reuses the complainant's selfie as advertising without consent.",
        },
    )
    assert decision.status == 200, decision
    return decision.body


# --- what got stored -----------------------------------------------------------------------


def demo_post_ids(deployment: Deployment, handle: str) -> list[str]:
    """Content ids of a demo platform account's posts (the seeded demo story)."""
    rows = deployment.sql(
        "SELECT p.id FROM demo_platform_post p JOIN demo_platform_account a "
        "ON a.id = p.account_id WHERE a.handle = %s ORDER BY p.id",
        (handle,),
    )
    return [f"post-{pk}" for (pk,) in rows]


def case_id_of(deployment: Deployment, reference: str) -> int:
    return deployment.sql_value(
        "SELECT c.id FROM cases_case c JOIN notices_notice n ON n.id = c.notice_id "
        "WHERE n.reference = %s",
        (reference,),
    )


def verdict_of(deployment: Deployment, case_id: int) -> str:
    return deployment.sql_value("SELECT verdict FROM cases_case WHERE id = %s", (case_id,))


def log_actions(deployment: Deployment, case_id: int) -> list[str]:
    rows = deployment.sql(
        "SELECT action FROM cases_actionlog WHERE case_id = %s ORDER BY id", (case_id,)
    )
    return [action for (action,) in rows]


def measures_of(deployment: Deployment, case_id: int) -> list[dict]:
    """The case's platform measures as stored, oldest first."""
    names = ("id", "status", "measure", "idempotency_key", "attempts", "content_id")
    rows = deployment.sql(
        "SELECT m.id, m.status, m.measure, m.idempotency_key, m.attempts, i.content_id "
        "FROM cases_platformmeasure m "
        "JOIN notices_reporteditem i ON i.id = m.item_id WHERE m.case_id = %s ORDER BY m.id",
        (case_id,),
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def verify_action_log(deployment: Deployment) -> str:
    return manage(deployment.env(), "verify_action_log")


def wait_until(check, *, timeout: float, what: str, interval: float = 0.2):
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    started = time.monotonic()
    try:
        return wait_for(check, timeout=timeout, what=what, interval=interval)
    except TimeoutError as error:
        raise AssertionError(f"{error} (waited {time.monotonic() - started:.1f}s)") from None
