from rest_framework.throttling import AnonRateThrottle


class NoticeIntakeThrottle(AnonRateThrottle):
    """Per-client limit on filing notices (TAKEDOWN_THROTTLE_NOTICES), staff included."""

    scope = "notices"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TrackingThrottle(NoticeIntakeThrottle):
    scope = "tracking"
