"""A demo platform that fails on purpose, to test retries (used through settings)."""

from cases.platforms import PlatformError
from cases.platforms.demo import DemoPlatformAdapter


class FlakyDemoPlatform(DemoPlatformAdapter):
    # How many upcoming measure calls fail, and whether the failure is transient.
    failures_left = 0
    transient = True
    calls = 0

    def apply_measure(self, content_id, measure, *, idempotency_key, territorial_scope=()):
        type(self).calls += 1
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            raise PlatformError("platform answered 503", transient=type(self).transient)
        return super().apply_measure(
            content_id,
            measure,
            idempotency_key=idempotency_key,
            territorial_scope=territorial_scope,
        )
