"""API-wide error handling: every error body has a ``detail`` message for people."""

from django.http import JsonResponse
from django.utils.translation import gettext, gettext_lazy
from django.views import defaults
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.errors import CaseError

FIELD_ERRORS = gettext_lazy(
    "Some fields are missing or invalid: see the message under each field. Nothing was stored."
)


def exception_handler(exc, context):
    if isinstance(exc, CaseError):
        body = {"detail": exc.message, **exc.field_errors}
        return Response(body, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        if isinstance(response.data, dict) and "detail" not in response.data:
            response.data = {"detail": str(FIELD_ERRORS), **response.data}
        elif isinstance(response.data, list):
            response.data = {"detail": " ".join(str(m) for m in response.data)}
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(
            {"detail": gettext("The request could not be read (malformed, or too large).")},
            status=400,
        )
    return defaults.bad_request(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": gettext("Internal error; it has been logged.")}, status=500)
    return defaults.server_error(request)
