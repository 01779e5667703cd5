"""Segment history and drift alerts: what happened to each segment, day by day.

``SegmentDay`` (one row per segment and day) and ``SegmentTransition`` / ``SegmentTagDay`` are
aggregates kept for good; ``MembershipDay`` is the membership set captured by each daily
snapshot, kept only for a few days because entered / left / transitions need just the set of
the day before (``insights.history``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .segments import Segment
from .subscribers import Subscriber


class MembershipDay(models.Model):
    """A member of a segment as captured by the snapshot of ``day`` (with the degree then)."""

    day = models.DateField(_("day"))
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    degree = models.FloatField(_("degree"))

    class Meta:
        verbose_name = _("membership on a day")
        verbose_name_plural = _("memberships on a day")
        constraints = [
            models.UniqueConstraint(fields=["segment", "day", "subscriber"],
                                    name="pushseg_membershipday_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="pushseg_membershipday_day")]

    def __str__(self) -> str:
        return f"{self.subscriber_id} in {self.segment_id} on {self.day}: {self.degree:.2f}"


class SegmentDay(models.Model):
    """A segment's numbers for one day. Re-taking the snapshot replaces the row."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="history",
                                db_index=False)
    day = models.DateField(_("day"))
    members = models.PositiveIntegerField(_("members"), default=0)
    #: Members now who were not at the previous snapshot, and the other way round; ``None``
    #: when there was no earlier snapshot to compare with.
    entered = models.PositiveIntegerField(_("entered"), null=True, blank=True)
    left = models.PositiveIntegerField(_("left"), null=True, blank=True)
    mean_degree = models.FloatField(_("mean degree"), null=True, blank=True)
    #: Deliveries sent that day for a campaign target on this segment, and how many of them
    #: were clicked (whenever the click came).
    pushes = models.PositiveIntegerField(_("pushes"), default=0)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("segment day")
        verbose_name_plural = _("segment days")
        ordering = ["segment", "day"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "day"], name="pushseg_segmentday_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} on {self.day}: {self.members}"

    @property
    def click_through(self) -> float | None:
        return self.clicks / self.pushes if self.pushes else None


class SegmentTransition(models.Model):
    """Subscribers who left ``source`` and entered ``target`` on ``day``."""

    day = models.DateField(_("day"))
    source = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("from"))
    target = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("to"))
    count = models.PositiveIntegerField(_("subscribers"))

    class Meta:
        verbose_name = _("segment transition")
        verbose_name_plural = _("segment transitions")
        constraints = [
            models.UniqueConstraint(fields=["day", "source", "target"],
                                    name="pushseg_transition_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} on {self.day}: {self.count}"


class SegmentTagDay(models.Model):
    """Pushes about pages with ``tag`` sent to a segment on ``day``, and their clicks."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    day = models.DateField(_("day"))
    tag = models.CharField(_("tag"), max_length=100)
    pushes = models.PositiveIntegerField(_("pushes"), default=0)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)

    class Meta:
        verbose_name = _("segment tag day")
        verbose_name_plural = _("segment tag days")
        constraints = [
            models.UniqueConstraint(fields=["segment", "day", "tag"],
                                    name="pushseg_segmenttagday_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} / {self.tag} on {self.day}: {self.clicks}/{self.pushes}"


class SegmentAlert(models.Model):
    """A drift found in a segment's history. Open while the condition holds (updated, not
    repeated), resolved on the first day it no longer does."""

    class Kind(models.TextChoices):
        CLICK_THROUGH = "ctr", _("Click-through falling")
        SIZE = "size", _("Size changing fast")
        MIGRATION = "migration", _("Members moving to another segment")
        LOSS = "loss", _("Losing members over weeks")
        TAG = "tag", _("A tag stops being clicked")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="alerts",
                                verbose_name=_("segment"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    #: What the alert is about within its kind: the other segment's id, the tag; "" if nothing.
    key = models.CharField(_("about"), max_length=100, blank=True, default="")
    message = models.CharField(_("message"), max_length=400)
    #: The figures behind the message (rates, counts, test statistic), for tooltips and tests.
    numbers = models.JSONField(_("numbers"), default=dict, blank=True)
    opened_on = models.DateField(_("first seen on"))
    opened_at = models.DateTimeField(_("opened at"))
    checked_on = models.DateField(_("last confirmed on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("segment alert")
        verbose_name_plural = _("segment alerts")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "kind", "key"], condition=models.Q(resolved_at__isnull=True),
                name="pushseg_alert_open_once",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "opened_at"], name="pushseg_alert_open")]

    def __str__(self) -> str:
        return self.message

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class SegmentMembersWeek(models.Model):
    """Who was in a segment on a weekly point, packed: the subscriber ids, sorted, as the
    differences between neighbours (4-byte unsigned) compressed with zlib. About one to two
    bytes a member (a row per member would take 60 or more with its index), kept for
    ``insights.cohorts.WEEKS_KEPT`` weeks, so "where did the members of four and eight weeks
    ago go" can be answered (``insights.cohorts``)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    day = models.DateField(_("day"))
    members = models.PositiveIntegerField(_("members"), default=0)
    packed_ids = models.BinaryField(_("members (packed)"))

    class Meta:
        verbose_name = _("segment members on a week")
        verbose_name_plural = _("segment members on a week")
        constraints = [
            models.UniqueConstraint(fields=["segment", "day"], name="pushseg_membersweek_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="pushseg_membersweek_day")]

    def __str__(self) -> str:
        return f"{self.segment_id} on {self.day}: {self.members}"
