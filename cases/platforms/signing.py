"""Request signatures between takedown and a platform's moderation API (plain Python, no Django).

Both sides import this module: the HTTP adapter signs every request it sends, and a platform
(the demo platform's API here) verifies them. The signed message binds the time, the method,
the exact path and query, and a hash of the body, so a captured request cannot be replayed
later, sent to another endpoint or given another body:

    message   = f"{timestamp}\\n{METHOD}\\n{path_with_query}\\n{sha256_hex(body)}"
    signature = "v1=" + hex(HMAC-SHA256(secret, message))

sent as the headers ``X-Takedown-Timestamp: <unix seconds>`` and ``X-Takedown-Signature``.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Takedown-Timestamp"
SIGNATURE_HEADER = "X-Takedown-Signature"
# The version prefix lets the algorithm change later without ambiguity about which one signed.
SCHEME = "v1"
# How far a request's timestamp may be from the receiver's clock, either way.
MAX_AGE_SECONDS = 300


def signed_message(timestamp: str, method: str, path: str, body: bytes) -> bytes:
    """The exact bytes that are signed (exposed so a platform engineer can debug a mismatch)."""
    body_hash = hashlib.sha256(body or b"").hexdigest()
    return f"{timestamp}\n{method.upper()}\n{path}\n{body_hash}".encode()


def sign(secret: str, timestamp: str | int, method: str, path: str, body: bytes) -> str:
    """The ``X-Takedown-Signature`` value for one request: ``v1=<hex digest>``.

    ``path`` is the path and query exactly as they appear in the request line, for example
    ``/platform/api/v1/content/post-4/measures``.
    """
    digest = hmac.new(
        secret.encode(), signed_message(str(timestamp), method, path, body), hashlib.sha256
    ).hexdigest()
    return f"{SCHEME}={digest}"


def timestamp_is_fresh(timestamp: str | None, now: float, max_age: int = MAX_AGE_SECONDS) -> bool:
    """Whether a timestamp header is whole unix seconds within ``max_age`` of ``now``."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit():
        return False
    return abs(now - int(timestamp)) <= max_age


def verify(
    secret: str,
    headers_timestamp: str | None,
    signature: str | None,
    method: str,
    path: str,
    body: bytes,
    now: float,
    max_age: int = MAX_AGE_SECONDS,
) -> bool:
    """Whether a request carries a valid, fresh signature. Compares in constant time."""
    if not secret or not signature or not timestamp_is_fresh(headers_timestamp, now, max_age):
        return False
    expected = sign(secret, headers_timestamp, method, path, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
