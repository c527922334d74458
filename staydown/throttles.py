from notices.throttles import NoticeIntakeThrottle


class ScreeningThrottle(NoticeIntakeThrottle):
    """Per-account limit on screening (TAKEDOWN_THROTTLE_SCREENING): hashing an image and
    searching the bank cost CPU, and the platform's pipeline should not starve the staff's
    requests. Counted per user; let through, with a warning, if the cache is down."""

    scope = "screening"

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
