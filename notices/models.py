"""What a complainant files: the notice, its evidence files and the items it reports."""

import base64
import hashlib
import hmac

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def evidence_storage():
    from django.core.files.storage import storages

    return storages["evidence"]


class Relationship(models.TextChoices):
    SELF = "self", _("I am the person in the photo")
    AGENT = "agent", _("I act for the person in the photo (authorised agent)")


class UseType(models.TextChoices):
    COMMERCIAL_ENDORSEMENT = "commercial_endorsement", _("Used to advertise (fake customer photo)")
    SALE = "sale", _("Sold (e.g. in photo packs)")
    IMPERSONATION = "impersonation", _("Used to impersonate me (e.g. a fake profile)")
    OTHER = "other", _("Other use")


class Measure(models.TextChoices):
    DELETE = "delete", _("Delete the content")
    DISCONNECT_LINK = "disconnect_link", _("Disconnect the link to it")
    BLOCK = "block", _("Block access to it")


class Organisation(models.Model):
    """A registered notifier: a trusted flagger (DSA art. 22) or an agent filing for principals.

    Its notices come in through the API with one of its tokens; trusted flaggers' notices are
    prioritised, and an agent can track every notice it filed.
    """

    class Kind(models.TextChoices):
        TRUSTED_FLAGGER = "trusted_flagger", _("Trusted flagger")
        AGENT = "agent", _("Agent (law firm, representative)")

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    contact_email = models.EmailField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_trusted_flagger(self) -> bool:
        return self.kind == self.Kind.TRUSTED_FLAGGER


class ApiToken(models.Model):
    """An organisation's API credential. Only the key's SHA-256 is stored; the key is shown
    once when it is created."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    # The first characters of the key, so staff can tell tokens apart without the secret.
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.prefix}… ({self.organisation.name})"


class Notice(models.Model):
    reference = models.CharField(max_length=32, unique=True, editable=False)
    tracking_token_hash = models.CharField(max_length=64, editable=False)
    # The token is derived from this nonce with the server secret (tracking_token_for), so it
    # can be put into a receipt when that is sent, while the database holds only the nonce
    # and the token's hash: reading the database alone gives no working token.
    tracking_nonce = models.CharField(max_length=64, editable=False, default="")
    # The client's Idempotency-Key, so that a retried submission returns the first result.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # A hash of the request the key was first used with: the same key with another request is
    # refused rather than answered with someone else's notice.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)

    notifier_name = models.CharField(max_length=200)
    notifier_email = models.EmailField()
    notifier_phone = models.CharField(max_length=40, blank=True)
    relationship = models.CharField(max_length=10, choices=Relationship.choices)
    use_type = models.CharField(max_length=30, choices=UseType.choices)
    description = models.TextField()
    requested_measure = models.CharField(max_length=20, choices=Measure.choices)
    good_faith = models.BooleanField()
    accuracy = models.BooleanField()
    signature = models.CharField(max_length=200)
    language = models.CharField(max_length=10, default="en")
    received_at = models.DateTimeField(auto_now_add=True)
    # Set when a registered organisation filed it through the API with one of its tokens.
    filed_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["notifier_email"]),
            # Notices received in a period (dashboard, transparency report); with the address,
            # the notifiers' counts are read from the index alone.
            models.Index(fields=["received_at", "notifier_email"], name="notice_received_at_idx"),
        ]

    def __str__(self):
        return self.reference

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def tracking_token(self) -> str:
        from django.conf import settings

        message = f"tracking-token:{self.tracking_nonce}".encode()
        digest = hmac.new(settings.SECRET_KEY.encode(), message, "sha256").digest()
        return base64.urlsafe_b64encode(digest[:24]).decode()

    def tracking_path(self, token: str) -> str:
        return reverse("notices:tracking", args=[self.reference]) + f"?token={token}"


class EvidenceFile(models.Model):
    class Kind(models.TextChoices):
        IDENTITY = "identity", _("Identity document")
        AUTHORIZATION = "authorization", _("Authorisation to act")
        REFERENCE_PHOTO = "reference_photo", _("Reference photo")
        REPORTED_SNAPSHOT = "reported_snapshot", _("Snapshot of reported content")
        COUNTER_EVIDENCE = "counter_evidence", _("Uploader's evidence (counter-notice)")
        LEGAL_ACTION_PROOF = "legal_action_proof", _("Proof of a complaint or lawsuit")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(storage=evidence_storage, upload_to="%Y/%m/")
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Identity and authorisation documents are stored Fernet-encrypted (notices.crypto).
    encrypted = models.BooleanField(default=False)
    # Set when the file was deleted from storage (retention or the complainant's erasure): the
    # row stays, with its kind, size and sha256, as the record that the file existed.
    purged_at = models.DateTimeField(null=True, blank=True)
    purge_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["pk"]
        permissions = [
            ("view_identity_document", "Can view identity and authorisation documents"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} of {self.notice_id}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ReportedItem(models.Model):
    """One reported location. Its measure and outcome are set by the case's decision."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending review")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")
        ALREADY_REMOVED = "already_removed", _("Already removed: no further action")
        RESTORED = "restored", _("Restored")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="items")
    submitted = models.CharField(max_length=2000, help_text="What the complainant typed.")
    content_id = models.CharField(max_length=200, db_index=True)
    url = models.URLField(max_length=2000)
    measure = models.CharField(max_length=20, choices=Measure.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    snapshot = models.ForeignKey(
        EvidenceFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the platform said of the content when it was checked: live, deleted, disconnected...
    platform_status = models.CharField(max_length=20, blank=True)
    uploader_id = models.CharField(max_length=200, blank=True)
    uploader_name = models.CharField(max_length=200, blank=True)
    # When the content was posted, as the platform said when it was fetched; empty when it did
    # not say (the statement of reasons then gives the day the notice was received).
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "content_id"], name="one_item_per_content")
        ]
        indexes = [
            # The repeat uploaders of a period's notices (dashboard) from the index alone.
            models.Index(
                fields=["notice", "uploader_id", "outcome", "uploader_name"],
                name="item_notice_uploader_idx",
            )
        ]

    def __str__(self):
        return f"{self.content_id} ({self.notice_id})"


class OutboundEmail(models.Model):
    """A message to a complainant, stored with the change that caused it, so it cannot be lost:
    the task sends it, and the sweeper sends again whatever is still unsent."""

    # Where the body says TRACKING_URL_PLACEHOLDER, the notice's tracking link is put in when
    # the message is sent: the stored text never holds a tracking token.
    TRACKING_URL_PLACEHOLDER = "[[tracking-url]]"

    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT)
    # The template it was rendered from ("receipt", "decision_uphold"...), so deadlines can
    # ask whether a given message went out.
    template = models.CharField(max_length=50, blank=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.subject} to {self.to}"


class NotifierSanction(models.Model):
    """A warning or a suspension of a notifier who sent manifestly unfounded notices (DSA art.
    23). While a suspension runs, notices from that e-mail address are refused at intake."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        SUSPENSION = "suspension", _("Suspension")

    notifier_email = models.EmailField(db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    unfounded_count = models.PositiveIntegerField()
    reasons = models.TextField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    # The notice whose rejection triggered it.
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.notifier_email}"
