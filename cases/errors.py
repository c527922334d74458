"""Errors the services raise; the API and web views turn them into 400 / 403 / 409 answers."""


class CaseError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field_errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class InvalidInput(CaseError):
    """The request is malformed: nothing was changed."""

    status_code = 400


class NotAllowed(CaseError):
    """The actor's role may not do this."""

    status_code = 403


class Conflict(CaseError):
    """The case is not in a state (or claim) that allows this: nothing was changed."""

    status_code = 409


class CaseNotFound(CaseError):
    status_code = 404
