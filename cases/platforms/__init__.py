"""Platform adapters: the only way takedown reaches the platform it moderates."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import (
    ContentRef,
    FetchedContent,
    InvalidContentReference,
    MeasureResult,
    PlatformAdapter,
    PlatformError,
)

__all__ = [
    "ContentRef",
    "FetchedContent",
    "InvalidContentReference",
    "MeasureResult",
    "PlatformAdapter",
    "PlatformError",
    "get_adapter",
]


def get_adapter() -> PlatformAdapter:
    """The adapter named by settings.TAKEDOWN_PLATFORM_ADAPTER."""
    return import_string(settings.TAKEDOWN_PLATFORM_ADAPTER)()
