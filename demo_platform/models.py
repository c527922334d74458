"""The demo platform: accounts, their photo posts, and the inbox where uploaders are told things.

This stands in for the social platform a trust-and-safety team moderates. takedown reaches it
only through cases.platforms.demo.DemoPlatformAdapter, never through these models directly.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

HANDLE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_.]+$", "A handle may contain only letters, digits, dots and underscores."
)


class Account(models.Model):
    handle = models.CharField(max_length=40, unique=True, validators=[HANDLE_VALIDATOR])
    display_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the platform suspends the account (e.g. a repeat infringer).
    suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["handle"]

    def __str__(self):
        return f"@{self.handle}"

    def get_absolute_url(self):
        return reverse("demo_platform:account", args=[self.handle])


class PostQuerySet(models.QuerySet):
    def visible(self):
        """Posts anyone can see and that are listed: live ones, newest first."""
        return self.filter(state=Post.State.LIVE).order_by("-created_at", "-pk")


class Post(models.Model):
    class State(models.TextChoices):
        LIVE = "live", "Live"
        # Removed from the platform following a legal notice: the page answers 410 Gone.
        DELETED = "deleted", "Deleted"
        # Kept on the platform but its link no longer leads to it and it is not listed: 404.
        DISCONNECTED = "disconnected", "Link disconnected"
        # Withheld for legal reasons: 451 Unavailable For Legal Reasons.
        BLOCKED = "blocked", "Blocked"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="posts")
    caption = models.TextField(blank=True)
    # The photo as JPEG bytes. Kept in the row even when the post is deleted, so that a restore
    # (after a counter-notice or an appeal) can bring it back exactly as it was.
    image = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=State.choices, default=State.LIVE)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # A blocked post is withheld only in these countries (ISO 3166-1 alpha-2); empty: everywhere.
    blocked_in = models.JSONField(default=list, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "-created_at"])]

    def __str__(self):
        return f"{self.content_id} by @{self.account.handle}"

    def get_absolute_url(self):
        return reverse("demo_platform:post", args=[self.pk])

    @property
    def content_id(self) -> str:
        return f"post-{self.pk}"

    def withheld_from(self, country: str) -> bool:
        """Whether a viewer in ``country`` (empty: unknown) is refused the post."""
        if self.state == self.State.LIVE:
            return False
        if self.state == self.State.BLOCKED and self.blocked_in:
            return country.upper() in self.blocked_in
        return True


class PostEvent(models.Model):
    """One measure the platform applied to a post, keyed by the caller's idempotency key.

    A key is applied at most once: a second call with the same key finds this row and
    answers with the stored response instead of acting again.
    """

    class Measure(models.TextChoices):
        DELETE = "delete", "Delete"
        DISCONNECT_LINK = "disconnect_link", "Disconnect link"
        BLOCK = "block", "Block"
        RESTORE = "restore", "Restore"

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="events")
    measure = models.CharField(max_length=20, choices=Measure.choices)
    from_state = models.CharField(max_length=20, choices=Post.State.choices)
    to_state = models.CharField(max_length=20, choices=Post.State.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.measure} {self.post.content_id} ({self.idempotency_key})"


class UploaderMessage(models.Model):
    """The platform's inbox: what the uploader of a post was told about it."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="messages")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="messages")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"To @{self.account.handle}: {self.subject}"
