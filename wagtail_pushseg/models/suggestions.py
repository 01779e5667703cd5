"""Segments the insights suggest: behaviour that no active segment covers yet.

Stored (not computed per request) because an editor's decision must outlive the numbers: a
dismissed suggestion stays dismissed when the daily refresh finds the group again, an accepted
one points at the draft segment it became, and the dashboard reads the open ones with one
cheap query. ``insights.suggested_segments.refresh_suggestions`` writes them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .segments import Segment


class SegmentSuggestion(models.Model):
    """One group of subscribers worth a segment, with the numbers and the rules for it."""

    class Kind(models.TextChoices):
        TAG = "tag", _("Strong interest in a tag")
        PAIR = "pair", _("Two tags read together")
        RISING = "rising", _("Readership rising fast")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        ACCEPTED = "accepted", _("Draft segment created")

    #: ``kind:tag[+tag]``: the same group found again on a later day updates this row.
    key = models.CharField(_("key"), max_length=250, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    tags = models.JSONField(_("tags"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    name = models.CharField(_("name"), max_length=100)
    explanation = models.TextField(_("explanation"))
    #: Subscribers in the group now.
    size = models.PositiveIntegerField(_("size"), default=0)
    #: Of those, how many are in no active segment (at the minimum degree).
    uncovered = models.PositiveIntegerField(_("in no segment"), default=0)
    #: Readers in the last 14 days, and the mean readers per fortnight in the four weeks
    #: before them (from page views).
    recent_readers = models.PositiveIntegerField(_("readers, last 14 days"), default=0)
    baseline_readers = models.FloatField(_("readers per fortnight before"), default=0.0)
    #: recent ÷ baseline; None when there were no readers before (new).
    growth = models.FloatField(_("growth"), null=True, blank=True)
    #: ``[{"segment_id": 1, "name": "…", "members": 12}, …]``: group members in each active
    #: segment, largest first.
    overlaps = models.JSONField(_("overlap with segments"), default=list, blank=True)
    #: The rules of the draft segment, as the segment's StreamField stores them.
    rules = models.JSONField(_("rules"), default=list)
    first_found_at = models.DateTimeField(_("first found"))
    refreshed_at = models.DateTimeField(_("numbers as of"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("decided by"),
    )
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("draft segment"),
    )

    class Meta:
        verbose_name = _("segment suggestion")
        verbose_name_plural = _("segment suggestions")
        ordering = ["-size", "key"]

    def __str__(self) -> str:
        return self.name

    @property
    def uncovered_share(self) -> float:
        return self.uncovered / self.size if self.size else 0.0
