"""The interface every platform adapter implements.

takedown never touches platform content directly: it resolves what a complainant reported,
fetches the image, applies and reverses measures and notifies uploaders only through here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

MEASURES = ("delete", "disconnect_link", "block")


class PlatformError(Exception):
    """The platform could not be reached or refused the call.

    ``transient`` says whether retrying later may succeed (timeouts, 5xx) or not (4xx).
    """

    def __init__(self, message: str, *, transient: bool = True, response: dict | None = None):
        super().__init__(message)
        self.transient = transient
        self.response = response or {}


class InvalidContentReference(ValueError):
    """A reported URL or id that does not designate content on this platform."""


@dataclass(frozen=True)
class ContentRef:
    """Platform content resolved from what a complainant typed."""

    content_id: str
    url: str


@dataclass(frozen=True)
class FetchedContent:
    content_id: str
    url: str
    uploader_id: str
    uploader_name: str
    image_bytes: bytes | None
    # "live", or how the platform already restricts it: "deleted", "disconnected", "blocked".
    status: str = "live"
    # When the content was posted (timezone-aware), if the platform says.
    posted_at: datetime | None = None


@dataclass(frozen=True)
class MeasureResult:
    ok: bool
    # What the platform answered, stored verbatim on the measure row and in the action log.
    response: dict = field(default_factory=dict)


class PlatformAdapter(ABC):
    @abstractmethod
    def resolve(self, reference: str) -> ContentRef:
        """Resolve a URL or content id; raise InvalidContentReference with a clear message."""

    @abstractmethod
    def fetch_content(self, content_id: str) -> FetchedContent:
        """Return the content's image bytes, uploader, URL and, if known, when it was posted;
        raise PlatformError."""

    @abstractmethod
    def delete(self, content_id: str, *, idempotency_key: str) -> MeasureResult: ...

    @abstractmethod
    def disconnect_link(self, content_id: str, *, idempotency_key: str) -> MeasureResult: ...

    @abstractmethod
    def block(
        self, content_id: str, *, idempotency_key: str, territorial_scope: Sequence[str] = ()
    ) -> MeasureResult:
        """Withhold the content in the countries of ``territorial_scope`` (ISO 3166-1 alpha-2
        codes), or everywhere when it is empty."""

    @abstractmethod
    def restore(self, content_id: str, *, idempotency_key: str) -> MeasureResult: ...

    @abstractmethod
    def notify_uploader(self, content_id: str, *, subject: str, body: str) -> MeasureResult: ...

    def restrict_account(
        self, uploader_id: str, measure: str, *, idempotency_key: str
    ) -> MeasureResult:
        """An account-level measure on a repeat infringer (e.g. "suspend"). Platforms that
        offer none refuse it; the flag on the uploader stays either way."""
        raise PlatformError(
            "This platform offers no account measures through its adapter.", transient=False
        )

    def lift_account_measure(
        self, uploader_id: str, measure: str, *, idempotency_key: str
    ) -> MeasureResult:
        """Lift an account measure taken earlier, once a reversal cleared the repeat-infringer
        flag behind it."""
        raise PlatformError(
            "This platform offers no account measures through its adapter.", transient=False
        )

    def apply_measure(
        self,
        content_id: str,
        measure: str,
        *,
        idempotency_key: str,
        territorial_scope: Sequence[str] = (),
    ):
        """Dispatch one of MEASURES to its operation; a block carries its territorial scope
        (the others act everywhere)."""
        if measure not in MEASURES:
            raise ValueError(f"Unknown measure {measure!r}; expected one of {', '.join(MEASURES)}.")
        if measure == "block":
            return self.block(
                content_id, idempotency_key=idempotency_key, territorial_scope=territorial_scope
            )
        return getattr(self, measure)(content_id, idempotency_key=idempotency_key)
