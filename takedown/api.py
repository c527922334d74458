"""API-wide error handling: every error body says what was wrong in plain words."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.errors import CaseError


def exception_handler(exc, context):
    if isinstance(exc, CaseError):
        body = {"detail": exc.message, **exc.field_errors}
        return Response(body, status=exc.status_code)
    return drf_exception_handler(exc, context)
