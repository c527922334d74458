"""Review and action: the case, its match evidence, decisions, platform measures and log."""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models

from notices.models import EvidenceFile, Measure, Notice, ReportedItem


class State(models.TextChoices):
    RECEIVED = "received", "Received"
    NEEDS_INFO = "needs_info", "Needs information"
    IN_REVIEW = "in_review", "In review"
    ACTIONED = "actioned", "Actioned"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed"


class Verdict(models.TextChoices):
    PENDING = "pending", "Not checked yet"
    MATCH = "match", "Match"
    POSSIBLE = "possible", "Possible match"
    NO_MATCH = "no_match", "No match"
    UNAVAILABLE = "unavailable", "Unavailable"


# Lower rank = stronger evidence; a case takes the strongest verdict among its items.
VERDICT_RANK = {"match": 0, "possible": 1, "no_match": 2, "unavailable": 3, "pending": 4}


class Case(models.Model):
    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="case")
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.PENDING)
    due_at = models.DateTimeField()
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    info_due_at = models.DateTimeField(null=True, blank=True)
    # When the sweeper last sent the verification again, so it is not sent every sweep.
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            # The queue's order: pages of case ids come from this index alone (QueuePaginator).
            models.Index(fields=["due_at", "id"], name="case_queue_order_idx"),
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["verdict"]),
        ]

    def __str__(self):
        return f"Case {self.pk} ({self.notice.reference})"

    @property
    def reference(self) -> str:
        return self.notice.reference


class MatchResult(models.Model):
    """Perceptual-hash evidence for one reported item. It sets priority; it never decides."""

    item = models.OneToOneField(ReportedItem, on_delete=models.CASCADE, related_name="match")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    distance = models.FloatField(null=True, blank=True)
    best_reference = models.ForeignKey(
        EvidenceFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    best_variant = models.CharField(max_length=50, blank=True)
    distances = models.JSONField(default=dict)
    reported_hashes = models.JSONField(default=dict)
    reference_hashes = models.JSONField(default=list)
    detail = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.verdict} for item {self.item_id}"


class Decision(models.Model):
    """A decision is never edited: an override is a new row that names the one it replaces."""

    class Outcome(models.TextChoices):
        UPHOLD = "uphold", "Uphold"
        REJECT = "reject", "Reject"
        REQUEST_INFO = "request_info", "Request information"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # The statement of reasons shown to the parties; private notes stay with the reviewers.
    reasons = models.TextField()
    private_notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decided_at = models.DateTimeField(auto_now_add=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self):
        return f"{self.get_outcome_display()} on case {self.case_id}"


class PlatformMeasure(models.Model):
    """One measure to apply on the platform, with its idempotency key and the platform's answer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"

    item = models.ForeignKey(ReportedItem, on_delete=models.PROTECT, related_name="measures")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="measures")
    measure = models.CharField(max_length=20, choices=Measure.choices)
    idempotency_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    platform_response = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    uploader_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"{self.measure} on {self.item.content_id} ({self.status})"


class ActionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The action log is append-only: entries cannot be changed.")

    def delete(self):
        raise PermissionDenied("The action log is append-only: entries cannot be deleted.")


class ActionLog(models.Model):
    """Append-only record of every transition and platform call, hash-chained per case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "complainant", "system", "platform" or the staff username at the time.
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=50)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reasons = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    # Shown on the complainant's tracking page (no private notes, no staff names).
    public_summary = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = ActionLogQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "pk"]

    def __str__(self):
        return f"{self.action} on case {self.case_id} by {self.actor_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionDenied("The action log is append-only: entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The action log is append-only: entries cannot be deleted.")

    def compute_hash(self) -> str:
        payload = {
            "case": self.case_id,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reasons": self.reasons,
            "details": self.details,
            "public_summary": self.public_summary,
            "created_at": self.created_at.isoformat(),
            "previous_hash": self.previous_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()
