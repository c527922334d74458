"""The demo platform's moderation API: a reference implementation of docs/platform-api.md.

Served at /platform/api/v1/ so that takedown's HttpPlatformAdapter can be pointed at the demo
platform (TAKEDOWN_PLATFORM_API_URL=http://127.0.0.1:8000/platform/api/v1). Every request must
carry a valid signature made with TAKEDOWN_PLATFORM_API_SECRET; the work itself is done by
DemoPlatformAdapter, so measures, states and idempotency are exactly the in-process adapter's.
"""

from __future__ import annotations

import json
import time
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from cases.platforms import signing
from cases.platforms.base import InvalidContentReference, PlatformError
from cases.platforms.demo import CONTENT_ID_RE, MAX_PK, DemoPlatformAdapter

from .models import Post, UploaderMessage

MEASURES = ("delete", "disconnect_link", "block", "restore")
# UploaderMessage.subject holds at most this much.
MAX_SUBJECT_LENGTH = 300


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _check_signature(request) -> None:
    secret = settings.TAKEDOWN_PLATFORM_API_SECRET
    if not secret:
        raise ApiError(
            503, "The demo platform's API is off: set TAKEDOWN_PLATFORM_API_SECRET to enable it."
        )
    timestamp = request.headers.get(signing.TIMESTAMP_HEADER)
    signature = request.headers.get(signing.SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise ApiError(
            401,
            f"Every request must be signed: send {signing.TIMESTAMP_HEADER} and "
            f"{signing.SIGNATURE_HEADER} (see docs/platform-api.md).",
        )
    now = time.time()
    if not signing.timestamp_is_fresh(timestamp, now):
        raise ApiError(
            401,
            f"{signing.TIMESTAMP_HEADER} must be unix seconds within "
            f"{signing.MAX_AGE_SECONDS} seconds of the platform's clock (it is {int(now)}).",
        )
    path = request.get_full_path()
    if not signing.verify(secret, timestamp, signature, request.method, path, request.body, now):
        raise ApiError(
            401,
            f"{signing.SIGNATURE_HEADER} does not match this request: sign "
            f'"<timestamp>\\n{request.method}\\n{path}\\n<sha256 hex of the body>" with the '
            "shared secret.",
        )


def signed_api(*methods: str):
    """A JSON API view: only ``methods``, only signed requests, errors as {"error": ...}."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = _error(405, f"Use {' or '.join(methods)} here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _check_signature(request)
                return view(request, *args, **kwargs)
            except ApiError as error:
                return _error(error.status, error.message, **error.extra)

        return wrapper

    return decorate


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def _text_field(body: dict, name: str, max_length: int | None = None) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f'"{name}" is required and must be a non-empty string.')
    if max_length is not None and len(value) > max_length:
        raise ApiError(400, f'"{name}" must be at most {max_length} characters.')
    return value


def _idempotency_key(request, body: dict) -> str:
    key = _text_field(body, "idempotency_key", max_length=200)
    header = request.headers.get("Idempotency-Key")
    if header is not None and header != key:
        raise ApiError(400, 'The Idempotency-Key header and "idempotency_key" must be equal.')
    return key


def _existing_post_pk(content_id: str) -> int:
    match = CONTENT_ID_RE.match(content_id)
    pk = int(match.group(1)) if match else None
    if pk is None or pk > MAX_PK or not Post.objects.filter(pk=pk).exists():
        raise ApiError(404, f"{content_id} does not exist on this platform.")
    return pk


@signed_api("POST")
def resolve(request):
    reference = _text_field(_json_body(request), "reference", max_length=2000)
    try:
        ref = DemoPlatformAdapter().resolve(reference)
    except InvalidContentReference as error:
        raise ApiError(422, str(error)) from None
    return JsonResponse({"content_id": ref.content_id, "url": ref.url})


@signed_api("GET")
def content(request, content_id):
    _existing_post_pk(content_id)
    fetched = DemoPlatformAdapter().fetch_content(content_id)
    return JsonResponse(
        {
            "content_id": fetched.content_id,
            "url": fetched.url,
            "uploader_id": fetched.uploader_id,
            "uploader_name": fetched.uploader_name,
            "status": fetched.status,
            "posted_at": fetched.posted_at.isoformat() if fetched.posted_at else None,
        }
    )


@signed_api("GET")
def content_image(request, content_id):
    _existing_post_pk(content_id)
    fetched = DemoPlatformAdapter().fetch_content(content_id)
    if not fetched.image_bytes:
        raise ApiError(404, f"{content_id} has no image.")
    response = HttpResponse(fetched.image_bytes, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    return response


@signed_api("POST")
def measures(request, content_id):
    body = _json_body(request)
    measure = body.get("measure")
    if measure not in MEASURES:
        raise ApiError(400, f'"measure" must be one of {", ".join(MEASURES)}.')
    key = _idempotency_key(request, body)
    _existing_post_pk(content_id)
    adapter = DemoPlatformAdapter()
    try:
        if measure == "restore":
            result = adapter.restore(content_id, idempotency_key=key)
        else:
            result = adapter.apply_measure(content_id, measure, idempotency_key=key)
    except PlatformError as error:
        # The post exists, so the refusal is a key already used for another call.
        raise ApiError(409, str(error), previous=error.response) from None
    return JsonResponse(result.response, status=200 if result.response.get("replayed") else 201)


@signed_api("POST")
def notifications(request, content_id):
    body = _json_body(request)
    subject = _text_field(body, "subject", max_length=MAX_SUBJECT_LENGTH)
    text = _text_field(body, "body")
    key = _idempotency_key(request, body)
    pk = _existing_post_pk(content_id)
    with transaction.atomic():
        # The row lock serialises notifications about one post, so a retry cannot race in.
        Post.objects.select_for_update().filter(pk=pk).first()
        # The demo keeps no table of notification keys: takedown derives the key from the
        # content id, subject and body, so the same message to the same post is the replay.
        sent = (
            UploaderMessage.objects.select_related("post", "account")
            .filter(post_id=pk, subject=subject, body=text)
            .first()
        )
        if sent is not None:
            return JsonResponse(_replayed_message(sent, key), status=200)
        result = DemoPlatformAdapter().notify_uploader(content_id, subject=subject, body=text)
    return JsonResponse({**result.response, "idempotency_key": key, "replayed": False}, status=201)


def _replayed_message(message: UploaderMessage, key: str) -> dict:
    """The answer first given for this message, as DemoPlatformAdapter.notify_uploader gave it."""
    return {
        "content_id": message.post.content_id,
        "message_id": message.pk,
        "recipient": message.account.handle,
        "sent_at": message.created_at.isoformat(),
        "idempotency_key": key,
        "replayed": True,
    }
