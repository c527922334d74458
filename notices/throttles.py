import logging

from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle

logger = logging.getLogger(__name__)


class NoticeIntakeThrottle(AnonRateThrottle):
    """Per-client limit on filing notices (TAKEDOWN_THROTTLE_NOTICES), staff included."""

    scope = "notices"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        # The counters live in the cache (Redis in production, often the broker's Redis). If
        # it is down, a notice must still be stored rather than lost: let the request through.
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            logger.warning(
                "Throttle cache unavailable, %s request let through: %s", self.scope, error
            )
            return True


class TrackingThrottle(NoticeIntakeThrottle):
    scope = "tracking"
