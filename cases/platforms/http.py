"""The adapter for a platform reached over HTTP(S): its moderation API, described in
docs/platform-api.md.

Every request is signed (cases.platforms.signing) and bounded by a connect and a read timeout.
urllib3 never retries on its own: retrying is the measure task's job (with backoff, and the same
idempotency key every time), so a failure here is reported at once as a PlatformError that says
whether a later retry may succeed.

takedown never fetches a reported URL itself: a URL is only checked against
TAKEDOWN_PLATFORM_HOSTS and handed to the platform's ``/resolve``; images come from the
platform's API, never from an address found in a notice or in a platform's answer.

The API's host is resolved before every request and every address it resolves to must be
public (or in TAKEDOWN_PLATFORM_ALLOWED_NETWORKS); the connection then goes to that checked
address (TLS still verifies the host name), so a DNS answer that changes between the check and
the connection cannot lead it elsewhere. Redirects are never followed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import socket
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext
from urllib3.exceptions import (
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    TimeoutError,
)

from . import signing
from .base import (
    ContentRef,
    FetchedContent,
    InvalidContentReference,
    MeasureResult,
    PlatformAdapter,
    PlatformError,
)
from .references import join_or, shorten, url_on_hosts

# What a complainant may type as a bare content id. Anything else (a dot, a slash, a colon...)
# is treated as a URL and must name an allowed host, so no arbitrary address leaves takedown.
CONTENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
# ReportedItem.content_id and .url hold at most this much.
MAX_CONTENT_ID_LENGTH = 200
MAX_URL_LENGTH = 2000
# How much of a platform's error text is kept in a message shown to people.
MAX_ERROR_TEXT = 300
READ_CHUNK_BYTES = 64 * 1024
# A JSON answer (or an error page) larger than this is not read: no platform call needs more.
MAX_ANSWER_BYTES = 1024 * 1024
USER_AGENT = "takedown-platform-adapter/1"

_pools: dict[tuple, urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool(scheme: str, host: str, port: int, address: str) -> urllib3.HTTPConnectionPool:
    """One connection pool per process and checked address: shared by threads, never inherited
    over a fork (a Celery worker's children must not share their parent's sockets). HTTPS
    connections to the address still verify the certificate against the host name."""
    pid = os.getpid()
    key = (pid, scheme, host, port, address)
    with _pools_lock:
        if any(other[0] != pid for other in _pools):
            _pools.clear()
        if key not in _pools:
            if scheme == "https":
                _pools[key] = urllib3.HTTPSConnectionPool(
                    address,
                    port,
                    retries=False,
                    maxsize=10,
                    server_hostname=host,
                    assert_hostname=host,
                )
            else:
                _pools[key] = urllib3.HTTPConnectionPool(address, port, retries=False, maxsize=10)
        return _pools[key]


def _allowed_networks() -> list:
    return [
        ipaddress.ip_network(network.strip(), strict=False)
        for network in settings.TAKEDOWN_PLATFORM_ALLOWED_NETWORKS
        if network.strip()
    ]


# NAT64's well-known prefix (RFC 6052): the last 32 bits are the IPv4 address reached.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
# IPv4-compatible IPv6 (deprecated, RFC 4291): ::a.b.c.d.
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address carries (and how), for the forms that route to it."""
    if ip.ipv4_mapped is not None:
        return "an IPv4-mapped", ip.ipv4_mapped
    if ip.sixtofour is not None:
        return "a 6to4", ip.sixtofour
    if ip in NAT64_PREFIX:
        return "a NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in IPV4_COMPATIBLE and int(ip) > 1:
        return "an IPv4-compatible", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str) -> str | None:
    """Why takedown must not connect to ``address`` (None: it may). Public addresses are
    fine; loopback, private, link-local, shared, reserved and multicast ones only when they
    are in TAKEDOWN_PLATFORM_ALLOWED_NETWORKS. An IPv6 address that carries an IPv4 one
    (mapped, compatible, 6to4, NAT64) is judged by the IPv4 address it leads to; Teredo
    (whose far end is hidden in the address) and site-local addresses are refused."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in network for network in _allowed_networks()):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            form, ipv4 = embedded
            refusal = address_refusal(str(ipv4))
            if form == "an IPv4-mapped":
                return refusal
            if refusal:
                return f"{form} address of {ipv4}, {refusal}"
            if form in ("a 6to4", "a NAT64"):
                return None  # a public IPv4 address, reached through a translator or tunnel
        if ip.teredo is not None:
            return "a Teredo address (its far end cannot be checked)"
        if ip.is_site_local:
            return "a site-local address"
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return "not a public address"
    return None


def resolve_public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: every address the name resolves to must be
    allowed (one bad answer refuses them all), and the first one is used."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise PlatformError(
            f"could not resolve the platform's host {host} ({_shorten(error)})", transient=True
        ) from error
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))
    if not addresses:
        raise PlatformError(f"the platform's host {host} has no address", transient=True)
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise PlatformError(
                f"the platform's host {host} resolves to {address}, {refusal}: takedown "
                "connects only to public addresses (or to TAKEDOWN_PLATFORM_ALLOWED_NETWORKS).",
                transient=False,
            )
    return addresses[0]


def close_connections() -> None:
    """Close this process's idle connections to the platform (a server going away, tests)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


def notification_idempotency_key(content_id: str, subject: str, body: str) -> str:
    """The same notification to the same content always gets the same key."""
    digest = hashlib.sha256("\0".join((content_id, subject, body)).encode()).hexdigest()
    return f"notify-{digest}"


def _posted_at(value) -> datetime | None:
    """The optional ``posted_at`` of a content answer (ISO 8601; UTC when no offset is given).
    Anything else is ignored: the date it would give is only the statement of reasons'
    content_date, which then falls back to the day the notice was received."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class HttpPlatformAdapter(PlatformAdapter):
    def __init__(self):
        api_url = (settings.TAKEDOWN_PLATFORM_API_URL or "").strip()
        secret = settings.TAKEDOWN_PLATFORM_API_SECRET or ""
        if not api_url:
            raise ImproperlyConfigured(
                "TAKEDOWN_PLATFORM_API_URL is not set: the HTTP platform adapter needs the base "
                "URL of the platform's moderation API, e.g. https://moderation.platform.example/v1."
            )
        if not secret:
            raise ImproperlyConfigured(
                "TAKEDOWN_PLATFORM_API_SECRET is not set: the HTTP platform adapter signs every "
                "request with this shared secret (HMAC-SHA256); set it to the value the platform "
                "verifies with."
            )
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ImproperlyConfigured(
                f"TAKEDOWN_PLATFORM_API_URL={api_url!r} is not an http(s) base URL without a "
                "query string, e.g. https://moderation.platform.example/v1."
            )
        self._scheme = parts.scheme
        try:
            self._host = parts.hostname or ""
            self._port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ImproperlyConfigured(
                f"TAKEDOWN_PLATFORM_API_URL={api_url!r} has an invalid port."
            ) from None
        self._host_header = parts.netloc.rsplit("@", 1)[-1]
        # The base path is part of what is signed: the platform sees the full request path.
        self._base_path = parts.path.rstrip("/")
        self._secret = secret
        self._connect_timeout = settings.TAKEDOWN_PLATFORM_CONNECT_TIMEOUT
        self._read_timeout = settings.TAKEDOWN_PLATFORM_READ_TIMEOUT
        self._timeout = urllib3.Timeout(connect=self._connect_timeout, read=self._read_timeout)

    # --- reading -------------------------------------------------------------------------------

    def resolve(self, reference: str) -> ContentRef:
        text = (reference or "").strip()
        if not text:
            raise InvalidContentReference(
                "Enter the address of the content on this platform, or its content id."
            )
        if not CONTENT_ID_RE.match(text):
            self._refuse_foreign_url(text)
        status, data = self._call("POST", "/resolve", payload={"reference": text})
        if status in (404, 422):
            message = _error_text(_parsed(data or b""))
            raise InvalidContentReference(
                message or f"{_shorten(text, 120)} does not designate content on this platform."
            )
        body = self._json_object(status, data, "POST", "/resolve")
        content_id, url = body.get("content_id"), body.get("url")
        if not _is_text(content_id, MAX_CONTENT_ID_LENGTH) or not _is_text(url, MAX_URL_LENGTH):
            raise PlatformError(
                "platform's answer to POST /resolve lacks a content_id (at most "
                f"{MAX_CONTENT_ID_LENGTH} characters) or a url (at most {MAX_URL_LENGTH}).",
                response=body,
            )
        return ContentRef(content_id=content_id, url=url)

    def fetch_content(self, content_id: str) -> FetchedContent:
        path = _content_path(content_id)
        body = self._json_object(*self._call("GET", path), "GET", path)
        missing = [
            name
            for name in ("url", "uploader_id", "uploader_name")
            if not isinstance(body.get(name), str)
        ]
        if missing:
            raise PlatformError(
                f"platform's answer to GET {path} lacks {', '.join(missing)}.", response=body
            )
        return FetchedContent(
            content_id=content_id,
            url=body["url"],
            uploader_id=body["uploader_id"],
            uploader_name=body["uploader_name"],
            image_bytes=self._fetch_image(content_id),
            status=str(body.get("status") or "live"),
            posted_at=_posted_at(body.get("posted_at")),
        )

    def _fetch_image(self, content_id: str) -> bytes | None:
        """The content's image through the API, capped at TAKEDOWN_MAX_UPLOAD_BYTES; None when
        the platform has none (404)."""
        path = _content_path(content_id, "/image")
        limit = settings.TAKEDOWN_MAX_UPLOAD_BYTES
        status, data = self._call("GET", path, limit=limit)
        if status == 404:
            return None
        if status != 200:
            self._raise_for_status(status, "GET", path, _parsed(data or b""))
        if data is None:
            raise PlatformError(
                f"the image of {content_id} is larger than the {limit} bytes takedown accepts.",
                transient=False,
            )
        return data

    # --- measures ------------------------------------------------------------------------------

    def delete(self, content_id: str, *, idempotency_key: str) -> MeasureResult:
        return self._measure(content_id, "delete", idempotency_key)

    def disconnect_link(self, content_id: str, *, idempotency_key: str) -> MeasureResult:
        return self._measure(content_id, "disconnect_link", idempotency_key)

    def block(
        self, content_id: str, *, idempotency_key: str, territorial_scope: Sequence[str] = ()
    ) -> MeasureResult:
        return self._measure(
            content_id, "block", idempotency_key, territorial_scope=list(territorial_scope)
        )

    def restore(self, content_id: str, *, idempotency_key: str) -> MeasureResult:
        return self._measure(content_id, "restore", idempotency_key)

    def notify_uploader(self, content_id: str, *, subject: str, body: str) -> MeasureResult:
        # The interface passes no key, so derive one from what is sent: a retried notification
        # carries the same key and the platform delivers it once.
        key = notification_idempotency_key(content_id, subject, body)
        path = _content_path(content_id, "/notifications")
        payload = {"subject": subject, "body": body, "idempotency_key": key}
        status, data = self._call("POST", path, payload=payload, idempotency_key=key)
        return MeasureResult(ok=True, response=self._json_object(status, data, "POST", path))

    def restrict_account(
        self, uploader_id: str, measure: str, *, idempotency_key: str
    ) -> MeasureResult:
        return self._account_measure(uploader_id, idempotency_key, measure=measure)

    def lift_account_measure(
        self, uploader_id: str, measure: str, *, idempotency_key: str
    ) -> MeasureResult:
        return self._account_measure(uploader_id, idempotency_key, measure="restore", lifts=measure)

    def _account_measure(self, uploader_id: str, idempotency_key: str, **fields) -> MeasureResult:
        path = f"/accounts/{quote(uploader_id, safe='')}/measures"
        payload = {**fields, "idempotency_key": idempotency_key}
        status, data = self._call("POST", path, payload=payload, idempotency_key=idempotency_key)
        return MeasureResult(ok=True, response=self._json_object(status, data, "POST", path))

    def _measure(
        self, content_id: str, measure: str, idempotency_key: str, **extra
    ) -> MeasureResult:
        if not idempotency_key:
            raise PlatformError(
                "An idempotency key is required for every measure.", transient=False
            )
        path = _content_path(content_id, "/measures")
        payload = {"measure": measure, "idempotency_key": idempotency_key, **extra}
        status, data = self._call("POST", path, payload=payload, idempotency_key=idempotency_key)
        return MeasureResult(ok=True, response=self._json_object(status, data, "POST", path))

    # --- transport -----------------------------------------------------------------------------

    def _refuse_foreign_url(self, text: str) -> None:
        """Refuse a URL whose host (host:port as written) is not one of the platform's."""
        hosts = [host.lower() for host in settings.TAKEDOWN_PLATFORM_HOSTS]
        refusal = InvalidContentReference(
            gettext(
                "%(url)s is not on this platform: reported URLs must be on %(hosts)s, or be "
                "content ids (letters, digits, - and _)."
            )
            % {"url": _shorten(text, 120), "hosts": join_or(hosts)}
        )
        if url_on_hosts(text, hosts) is None:
            raise refusal
        if len(text) > MAX_URL_LENGTH:
            raise InvalidContentReference(
                f"{_shorten(text, 120)} is longer than {MAX_URL_LENGTH} characters."
            )

    def _call(
        self,
        method: str,
        path: str,
        *,
        payload: dict | None = None,
        idempotency_key: str | None = None,
        limit: int = MAX_ANSWER_BYTES,
    ) -> tuple[int, bytes | None]:
        """Send one signed request; return the status and the body, or None for a body longer
        than ``limit`` (never read further). Transport failures become transient errors."""
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        full_path = self._base_path + path
        timestamp = str(int(time.time()))
        headers = {
            "Host": self._host_header,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            signing.TIMESTAMP_HEADER: timestamp,
            signing.SIGNATURE_HEADER: signing.sign(
                self._secret, timestamp, method, full_path, body
            ),
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        address = resolve_public_address(self._host, self._port)
        try:
            response = _pool(self._scheme, self._host, self._port, address).urlopen(
                method,
                full_path,
                body=body or None,
                headers=headers,
                timeout=self._timeout,
                retries=False,
                redirect=False,
                preload_content=False,
            )
        except HTTPError as error:
            raise self._transport_error(error, method, path) from error
        data = None
        try:
            data = self._read_at_most(response, limit, method, path)
        finally:
            if data is None:
                # Unread bytes are left on this connection: it must not be reused.
                response.close()
            response.release_conn()
        return response.status, data

    def _read_at_most(self, response, limit: int, method: str, path: str) -> bytes | None:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            return None
        chunks, size = [], 0
        try:
            for chunk in response.stream(READ_CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    return None
                chunks.append(chunk)
        except HTTPError as error:
            raise self._transport_error(error, method, path) from error
        return b"".join(chunks)

    def _transport_error(self, error: HTTPError, method: str, path: str) -> PlatformError:
        call = f"{method} {path}"
        if isinstance(error, NewConnectionError):
            # Checked first: urllib3 makes it a kind of connect timeout.
            reason = "connection refused" if "refused" in str(error).lower() else str(error)
            message = f"could not connect to the platform on {call} ({_shorten(reason)})"
        elif isinstance(error, ReadTimeoutError):
            message = f"platform timed out after {_seconds(self._read_timeout)} on {call}"
        elif isinstance(error, TimeoutError):
            message = (
                f"platform did not accept the connection within "
                f"{_seconds(self._connect_timeout)} on {call}"
            )
        elif isinstance(error, ProtocolError):
            message = f"connection to the platform was broken on {call} ({_shorten(error)})"
        else:
            message = f"platform request {call} failed: {_shorten(error)}"
        return PlatformError(message, transient=True)

    def _json_object(self, status: int, data: bytes | None, method: str, path: str) -> dict:
        """A 2xx answer's JSON object, or the PlatformError its status means."""
        if not 200 <= status < 300:
            self._raise_for_status(status, method, path, _parsed(data or b""))
        body = _parsed(data) if data is not None else None
        if not isinstance(body, dict):
            # The call may have been applied: it is retried with the same key, which is safe.
            raise PlatformError(
                f"platform answered {status} on {method} {path} without a JSON object"
                + (" (the answer is too large)" if data is None else ""),
                transient=True,
            )
        return body

    @staticmethod
    def _raise_for_status(status: int, method: str, path: str, body) -> None:
        kept = body if isinstance(body, dict) else {"body": _shorten(body, 2000)}
        detail = _error_text(body)
        message = f"platform answered {status} on {method} {path}" + (
            f": {detail}" if detail else ""
        )
        if status == 429 or status >= 500:
            raise PlatformError(message, transient=True, response=kept)
        if 300 <= status < 400:
            message += " (redirects are not followed: check TAKEDOWN_PLATFORM_API_URL)"
        raise PlatformError(message, transient=False, response=kept)


def _content_path(content_id: str, suffix: str = "") -> str:
    return "/content/" + quote(content_id, safe="") + suffix


def _parsed(data: bytes):
    """The answer as JSON if it is JSON, else as text."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return data.decode("utf-8", "replace")


def _error_text(body) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return _shorten(body["error"])
    if isinstance(body, str):
        return _shorten(body)
    return ""


def _is_text(value, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_length


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _shorten(text, limit: int = MAX_ERROR_TEXT) -> str:
    return shorten(text, limit)
