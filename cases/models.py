"""Review and action: the case, its match evidence, decisions, platform measures and log."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from notices.models import EvidenceFile, Measure, Notice, ReportedItem

from .logchain import chain_hash


class State(models.TextChoices):
    # "Received" is also a date's label elsewhere: the context keeps the state's own wording.
    RECEIVED = "received", pgettext_lazy("case state", "Received")
    NEEDS_INFO = "needs_info", _("Needs information")
    IN_REVIEW = "in_review", _("In review")
    ACTIONED = "actioned", _("Actioned")
    # The uploader contested the measure; the waiting period for the complainant runs.
    COUNTER_NOTICED = "counter_noticed", _("Counter-notice received")
    # The complainant proved a complaint to the authorities or a lawsuit: the measure stays.
    DISPUTED = "disputed", _("Disputed before an authority or court")
    RESTORED = "restored", _("Restored")
    APPEALED = "appealed", _("Under appeal")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


class Verdict(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    MATCH = "match", _("Match")
    POSSIBLE = "possible", _("Possible match")
    NO_MATCH = "no_match", _("No match")
    UNAVAILABLE = "unavailable", _("Unavailable")


class Priority(models.TextChoices):
    TRUSTED = "trusted", _("Trusted flagger")
    NORMAL = "normal", _("Normal")


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
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    # The counter-notice waiting period: restored when it passes without proof of legal action.
    restore_due_at = models.DateTimeField(null=True, blank=True)
    # The deadline for deciding an open appeal, or for reviewing a disputed measure.
    review_due_at = models.DateTimeField(null=True, blank=True)
    # Set by the deadline job when a deadline passed; shown in the queue until dealt with.
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Cases about the same content from other notifiers (shown to reviewers side by side).
    related_cases = models.ManyToManyField("self", blank=True)
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
            # The backlog by verdict and the escalated cases (dashboard) from the index alone.
            models.Index(
                fields=["state", "verdict", "escalated_at"], name="case_state_verdict_idx"
            ),
            # A notice's case state (notifiers by rejection) without reading the case row.
            models.Index(fields=["notice", "state"], name="case_notice_state_idx"),
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
    # 0..1, higher is stronger; the stage that found it ("phash", "pdq", "keypoints"...); and,
    # for a partial match, where the reference appears in the reported image:
    # {"x", "y", "width", "height"} in the reported image's pixels.
    score = models.FloatField(null=True, blank=True)
    method = models.CharField(max_length=30, blank=True)
    region = models.JSONField(null=True, blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.verdict} for item {self.item_id}"


class Decision(models.Model):
    """A decision is never edited: an override is a new row that names the one it replaces."""

    class Outcome(models.TextChoices):
        UPHOLD = "uphold", _("Uphold")
        REJECT = "reject", _("Reject")
        REQUEST_INFO = "request_info", _("Request information")
        # After a counter-notice and the complainant's proof of legal action, staff review
        # the disputed measure: keep it, or lift it and restore the content.
        MAINTAIN = "maintain", _("Keep the disputed measure")
        RESTORE = "restore", _("Lift the disputed measure")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # The statement of reasons shown to the parties; private notes stay with the reviewers.
    reasons = models.TextField()
    private_notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decided_at = models.DateTimeField(auto_now_add=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    # The statement of reasons (DSA art. 17), recorded with the decision as it was given: the
    # ground (a key of TAKEDOWN_DECISION_GROUNDS) and its legal reference, the territorial
    # scope (ISO 3166-1 codes; empty = everywhere), the end of a temporary measure (none =
    # indefinite), whether automated means were used, and the redress the parties were told of.
    ground = models.CharField(max_length=50, blank=True)
    ground_reference = models.CharField(max_length=500, blank=True)
    territorial_scope = models.JSONField(default=list, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.BooleanField(default=False)
    redress = models.TextField(blank=True)
    # A rejection the reviewer judged manifestly unfounded counts towards the notifier's
    # warning and suspension (DSA art. 23).
    manifestly_unfounded = models.BooleanField(default=False)
    # The appeal this decision answers, if it is an appeal decision.
    appeal = models.OneToOneField(
        "Appeal", null=True, blank=True, on_delete=models.PROTECT, related_name="decision"
    )

    class Meta:
        ordering = ["decided_at", "pk"]
        # The dashboard and the transparency report count decisions by the day they were taken.
        # With the columns the first decisions are told apart by, their counts read no row.
        indexes = [
            models.Index(
                fields=["decided_at", "outcome", "appeal", "replaces", "case"],
                name="decision_period_idx",
            )
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} on case {self.case_id}"


RESTORE = "restore"
MEASURE_OPERATIONS = [*Measure.choices, (RESTORE, _("Restore the content"))]


class PlatformMeasure(models.Model):
    """One operation on the platform (a measure, or the restore that lifts one), with its
    idempotency key and the platform's answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="measures")
    item = models.ForeignKey(ReportedItem, on_delete=models.PROTECT, related_name="measures")
    # The decision that asked for it; none for a restore after the counter-notice period.
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    measure = models.CharField(max_length=20, choices=MEASURE_OPERATIONS)
    # For a restore: the measure it lifts.
    lifts = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="lifted_by"
    )
    idempotency_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    platform_response = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    uploader_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "requested_at"]),
            # Measures applied in a period (dashboard, transparency report), counted from the
            # index alone.
            models.Index(fields=["completed_at", "status", "measure"], name="measure_period_idx"),
        ]

    def __str__(self):
        return f"{self.measure} on {self.item.content_id} ({self.status})"


class UploaderAccess(models.Model):
    """The uploader's private link to a case: the notice forwarded to them, the counter-notice
    form and the appeal. Like the complainant's tracking token, the token is derived from the
    nonce with the server secret and only its hash is stored."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="uploader_accesses")
    uploader_id = models.CharField(max_length=200)
    uploader_name = models.CharField(max_length=200, blank=True)
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "uploader_id"], name="one_access_per_uploader")
        ]

    def __str__(self):
        return f"{self.uploader_id} on case {self.case_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def token_for_nonce(cls, nonce: str) -> str:
        message = f"uploader-token:{nonce}".encode()
        digest = hmac.new(settings.SECRET_KEY.encode(), message, "sha256").digest()
        return base64.urlsafe_b64encode(digest[:24]).decode()

    def token(self) -> str:
        return self.token_for_nonce(self.nonce)

    def respond_path(self) -> str:
        return reverse("uploader:respond", args=[self.case.reference]) + f"?token={self.token()}"


class CounterNotice(models.Model):
    """The uploader's declaration of non-infringement (Civil Code art. 1196; DMCA 512(g))."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting period running")
        LEGAL_ACTION = "legal_action", _("Complainant proved legal action: measure stays")
        RESTORED = "restored", _("Content restored")
        MAINTAINED = "maintained", _("Measure maintained after review")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="counter_notices")
    access = models.OneToOneField(
        UploaderAccess, on_delete=models.PROTECT, related_name="counter_notice"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=500, blank=True)
    statement = models.TextField()
    # Statements the policy asks for: good faith / penalty of perjury, and (DMCA) consent to
    # the jurisdiction of a court.
    good_faith = models.BooleanField()
    consent_to_jurisdiction = models.BooleanField(default=False)
    signature = models.CharField(max_length=200)
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="+")
    # The policy in force when it arrived, and the basis of its waiting period.
    policy = models.CharField(max_length=20)
    policy_basis = models.CharField(max_length=300)
    received_at = models.DateTimeField(auto_now_add=True)
    waiting_period_ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Counter-notice {self.pk} on case {self.case_id}"


class Appeal(models.Model):
    """An internal complaint (DSA art. 20) against a decision, by the complainant or an
    uploader. It is decided by a reviewer other than the one who took the decision."""

    class Party(models.TextChoices):
        COMPLAINANT = "complainant", _("Complainant")
        UPLOADER = "uploader", _("Uploader")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    appealed_decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=20, choices=Party.choices)
    uploader_access = models.ForeignKey(
        UploaderAccess, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    statement = models.TextField()
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["filed_at"], name="appeal_filed_at_idx")]

    def __str__(self):
        return f"Appeal {self.pk} by the {self.party} on case {self.case_id}"


class JoinedNotice(models.Model):
    """A later notice from the same notifier about content that already has an open case: it
    keeps its own reference and receipt, and is handled in that case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="joined_notices")
    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="joined")
    joined_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.notice.reference} joined case {self.case_id}"


class DeadlineBreach(models.Model):
    """A deadline that passed with the work undone: the evidence of deadline compliance."""

    class Stage(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        DECISION = "decision", _("First decision")
        APPEAL = "appeal", _("Appeal decision")
        DISPUTE = "dispute", _("Review of a disputed measure")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="breaches")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField()

    class Meta:
        ordering = ["-detected_at"]
        indexes = [models.Index(fields=["detected_at", "stage"], name="breach_period_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "due_at"], name="one_breach_per_due")
        ]

    def __str__(self):
        return f"{self.get_stage_display()} deadline missed on case {self.case_id}"


class RepeatInfringer(models.Model):
    """An uploader with enough upheld cases in the policy's window to be flagged. A flag is
    cleared when a reversal leaves the uploader below the threshold (and any account measure is
    lifted); reaching it again later raises a new flag."""

    uploader_id = models.CharField(max_length=200, db_index=True)
    uploader_name = models.CharField(max_length=200, blank=True)
    upheld_cases = models.PositiveIntegerField()
    flagged_at = models.DateTimeField()
    # The case whose decision reached the threshold (its log records the warning and the
    # account measure), and the one whose reversal or end cleared the flag.
    flagged_in = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_in = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # An account-level measure taken through the adapter, if the policy asks for one.
    account_measure = models.CharField(max_length=30, blank=True)
    account_measure_at = models.DateTimeField(null=True, blank=True)
    account_measure_response = models.JSONField(default=dict, blank=True)
    # Set when the platform refused the account measure for good (it offers none, say).
    account_measure_refused_at = models.DateTimeField(null=True, blank=True)
    # When the uploader was sent the statement of reasons for the account measure.
    uploader_notified_at = models.DateTimeField(null=True, blank=True)
    # The prior warning, when the policy gives one: due once flagged, and when the platform
    # delivered it.
    warning_due_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    # When the account measure became due (at the flag, or at the next upheld case after the
    # warning), and when a suspension for a period ends.
    account_measure_due_at = models.DateTimeField(null=True, blank=True)
    measure_due_in = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account_measure_ends_at = models.DateTimeField(null=True, blank=True)

    class ClearedBecause(models.TextChoices):
        REVERSED = "reversed", _("A decision behind it was reversed")
        PERIOD_ENDED = "period_ended", _("The suspension period ended")
        LAPSED = "lapsed", _("Its cases left the policy's window")

    # Set when a reversed decision left the uploader below the threshold, or the suspension
    # period ended.
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_because = models.CharField(max_length=20, choices=ClearedBecause.choices, blank=True)
    # The platform's answer to lifting the account measure, and when the uploader was told.
    account_measure_lifted_at = models.DateTimeField(null=True, blank=True)
    account_measure_lift_response = models.JSONField(default=dict, blank=True)
    uploader_told_lifted_at = models.DateTimeField(null=True, blank=True)
    # When the sweeper last sent this flag's platform work again (one copy per stall period).
    swept_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-flagged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["uploader_id"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_standing_flag_per_uploader",
            )
        ]

    def __str__(self):
        return f"{self.uploader_name or self.uploader_id} ({self.upheld_cases} upheld)"


class StatementExport(models.Model):
    """A statement of reasons handed out for the EU DSA Transparency Database, by the command
    or the staff API. The database refuses a puid it already holds, so an export leaves out
    what an earlier one handed out, unless asked to export it again (a re-export)."""

    class Channel(models.TextChoices):
        COMMAND = "command", _("Management command")
        API = "api", _("Staff API")

    puid = models.CharField(max_length=500)
    # One export: every statement it handed out shares the batch.
    batch = models.UUIDField()
    exported_at = models.DateTimeField()
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reexport = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["puid"], name="statement_export_puid_idx")]
        constraints = [
            # Two exports running at once cannot both hand out the same statement as new.
            models.UniqueConstraint(
                fields=["puid"],
                condition=models.Q(reexport=False),
                name="one_first_export_per_puid",
            )
        ]

    def __str__(self):
        return f"{self.puid} ({'re-exported' if self.reexport else 'exported'} {self.exported_at})"


class ActionLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The action log is append-only: entries cannot be changed.")

    def delete(self):
        raise PermissionDenied("The action log is append-only: entries cannot be deleted.")


class ActionLog(models.Model):
    """Append-only record of every transition and platform call, in ONE hash chain.

    Each entry has a global ``sequence`` (1, 2, 3 ... in commit order, no gaps) and a hash over
    the previous entry's hash and its own canonical content, the sequence included. Changing,
    removing or inserting an entry anywhere breaks the chain from that entry on; ``LogHead``
    holds the last sequence and hash, which the dashboard and case exports show so that they
    can be kept outside the system.
    """

    # Entries written before the global chain were numbered in id order (migration 0013).
    sequence = models.PositiveBigIntegerField(unique=True)
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
    # The hash of the entry with the previous sequence number (all zeros for the first).
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = ActionLogQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]

    def __str__(self):
        return f"#{self.sequence} {self.action} on case {self.case_id} by {self.actor_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionDenied("The action log is append-only: entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The action log is append-only: entries cannot be deleted.")

    def canonical_content(self) -> dict:
        """What the hash covers: every recorded field, the sequence and the previous hash
        (cases.logchain.HASHED_FIELDS, which a case export carries for each entry)."""
        return {
            "sequence": self.sequence,
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

    def compute_hash(self) -> str:
        return chain_hash(self.canonical_content())


class LogHead(models.Model):
    """The one row that says where the action log's chain ends: the last sequence and hash.

    Appending locks it (``select_for_update``) and moves it in the same transaction, so two
    appends never get the same sequence or the same previous hash, and a rolled-back append
    leaves no gap. Comparing it with the last entry also reveals entries removed from the end.
    """

    GENESIS = "0" * 64

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="loghead_single_row")]

    def __str__(self):
        return f"log head: #{self.sequence} {self.entry_hash}"
