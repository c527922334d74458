"""The staydown bank: hashes of images taken down, so that the platform can screen new uploads
against them."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BankEntry(models.Model):
    """One banked image: its PDQ hash (64 hex digits) and why it is banked.

    An entry is never deleted: when the measure behind it is lifted (the content restored after
    a counter-notice or an appeal) it is taken out of screening by ``removed_at``.
    """

    class Source(models.TextChoices):
        CASE = "case", _("A measure upheld in a case")
        IMPORT = "import", _("Imported from a hash list")

    pdq = models.CharField(max_length=64, db_index=True)
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "notices.ReportedItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The applied measure that banked it; one entry per measure.
    platform_measure = models.OneToOneField(
        "cases.PlatformMeasure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staydown_entry",
    )
    # The case reference (TD-2026-000123), or the reference an imported list gave.
    reference = models.CharField(max_length=100, blank=True)
    measure = models.CharField(max_length=30, blank=True)
    note = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=200, blank=True)
    # Every process's in-memory index catches up from the rows changed since it last looked.
    changed_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "bank entries"

    def __str__(self):
        return f"{self.pdq[:12]}... ({self.reference or self.source})"

    @property
    def active(self) -> bool:
        return self.removed_at is None
