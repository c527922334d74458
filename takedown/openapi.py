"""The API's error answers in its OpenAPI schema: one shared ``Error`` body, and for each
operation the error statuses it really answers.

A postprocessing hook of drf-spectacular adds them, so that no view documents them by hand.
Most follow from how the view is built: 400 when it reads parameters or a body, 401 when it
authenticates with a token (a missing or wrong one), 403 when its permissions can refuse, 404
when its path names an object or its list is paged, 415 when it reads a body, 429 when it is
throttled. What only the view's own logic answers (409 for a state that does not allow the
action, 422, 503) a view names in ``error_statuses``.
"""

from __future__ import annotations

from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR_COMPONENT = "Error"
# For developers reading the schema (in English, like the rest of it).
DESCRIPTIONS = {
    400: "The request is malformed or a field is invalid: nothing was changed.",
    401: "No credentials, or credentials that are not valid (a wrong or revoked token).",
    403: "Valid credentials, but this caller may not do this.",
    404: "No such object, or not one this caller may see (a wrong token), or no such page.",
    409: "The object's state does not allow this now: nothing was changed.",
    415: "The request's Content-Type is not one this operation reads.",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests from this client: wait as the Retry-After header says.",
    503: "A service this operation needs is unreachable: nothing was stored; try again.",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer."""

    detail = serializers.CharField(
        help_text="What was wrong, for people. A refused field's messages are listed beside "
        "it, under the field's name."
    )


def error_schema() -> dict:
    return {
        "type": "object",
        "description": ErrorSerializer.__doc__,
        "properties": {
            "detail": {
                "type": "string",
                "description": str(ErrorSerializer().fields["detail"].help_text),
            }
        },
        "required": ["detail"],
        "additionalProperties": True,
    }


def _authenticate_headers(view) -> list[str]:
    """The WWW-Authenticate challenges the view's authenticators give (DRF answers 401 with
    one; without any, a refused authentication is a 403)."""
    challenges = []
    for authenticator in view.get_authenticators():
        challenge = authenticator.authenticate_header(None)
        if challenge:
            challenges.append(challenge)
    return challenges


def declared_statuses(view, method: str) -> set[int]:
    """What the view names in ``error_statuses``: a tuple for all its methods, or a dict by
    method."""
    declared = getattr(view, "error_statuses", ())
    if isinstance(declared, dict):
        declared = declared.get(method.upper(), ())
    return set(declared)


def error_statuses(view, method: str, operation: dict) -> set[int]:
    """The error statuses one operation of ``view`` can answer."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses = declared_statuses(view, method)
    if has_body or any(p["in"] in ("query", "header") for p in parameters):
        statuses.add(400)
    authenticators = view.get_authenticators()
    challenges = _authenticate_headers(view)
    if challenges:
        statuses.add(401)
    permissions = view.get_permissions()
    if any(not isinstance(p, AllowAny) for p in permissions) or (authenticators and not challenges):
        statuses.add(403)
    # A path naming an object, or a paged list (a page past the end is a 404).
    if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
        statuses.add(404)
    if has_body:
        statuses.add(415)
    if view.get_throttles():
        statuses.add(429)
    return statuses


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents its error answers with
    the shared Error body."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = error_schema()
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, _regex, method, callback in generator.endpoints:
        # The schema calls a primary key "id" where the URL conf says "pk".
        documented = path.replace("{pk}", "{id}")
        operation = result["paths"].get(documented, {}).get(method.lower())
        if operation is None:
            continue
        view = callback.cls(**getattr(callback, "initkwargs", {}))
        view.args, view.kwargs, view.format_kwarg = (), {}, None
        view.request = view.initialize_request(RequestFactory().generic(method, path))
        for status in sorted(error_statuses(view, method, operation)):
            response = operation["responses"].setdefault(
                str(status), {"description": DESCRIPTIONS[status]}
            )
            response.setdefault("content", {"application/json": {"schema": reference}})
    return result
