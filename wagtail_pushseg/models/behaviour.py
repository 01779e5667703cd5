"""What subscribed visitors did: raw events, and the profiles and tag affinities folded from them.

Events are kept for ``EVENT_RETENTION_DAYS``; profiles and affinities are kept while the
subscriber is, and each holds just enough state to be correct at any later moment without a
batch job (bit masks anchored to a day, decayed scores anchored to a time).
"""

import swapper
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from .subscribers import Subscriber


class Event(models.Model):
    """One thing a subscriber did: a page view, a custom event, or a notification event."""

    class Kind(models.TextChoices):
        PAGE_VIEW = "page_view", _("Page view")
        CUSTOM = "custom", _("Custom event")
        SHOWN = "shown", _("Notification shown")
        CLICKED = "clicked", _("Notification clicked")
        DISMISSED = "dismissed", _("Notification dismissed")

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="events", verbose_name=_("subscriber")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    #: The custom event's name (``purchase``), blank for other kinds.
    name = models.CharField(_("name"), max_length=64, blank=True)
    page = models.ForeignKey(
        swapper.get_model_name("wagtailcore", "Page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("page"),
    )
    #: The page's tags when it was viewed (tags change; history should not).
    tags = models.JSONField(_("tags"), default=list, blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=dj_timezone.now, db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(
                fields=["subscriber", "kind", "occurred_at"], name="pushseg_event_sub_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class Profile(models.Model):
    """A subscriber's behaviour in numbers, updated with a constant amount of work per event.

    ``active_days`` / ``active_weeks`` are bit masks: bit *i* is set when the subscriber visited
    on the day (week) *i* before ``activity_day`` (its week). Reading shifts them to "now", so a
    window is right whenever it is read. ``recent_visits`` and ``recent_sale_visits`` are counts
    decayed with ``RECENT_HALF_LIFE_DAYS`` from ``recent_at``; their ratio, the sale share, does
    not change between visits.
    """

    subscriber = models.OneToOneField(
        Subscriber, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    total_visits = models.PositiveIntegerField(_("visits"), default=0)
    first_visit_at = models.DateTimeField(_("first visit"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True, db_index=True)
    activity_day = models.IntegerField(_("anchor day"), default=0)
    active_days = models.BigIntegerField(_("active days mask"), default=0)
    active_weeks = models.BigIntegerField(_("active weeks mask"), default=0)
    recent_visits = models.FloatField(_("recent visits (decayed)"), default=0.0)
    recent_sale_visits = models.FloatField(_("recent sale visits (decayed)"), default=0.0)
    recent_at = models.DateTimeField(_("recent counts as of"), null=True, blank=True)
    #: Page views per hour of the day (0-23) in the subscriber's own time zone.
    active_hours = models.JSONField(_("active hours"), default=list, blank=True)
    pushes_received = models.PositiveIntegerField(_("pushes received"), default=0)
    pushes_clicked = models.PositiveIntegerField(_("pushes clicked"), default=0)
    pushes_ignored_since_click = models.PositiveIntegerField(
        _("pushes ignored since the last click"), default=0
    )
    last_push_at = models.DateTimeField(_("last push"), null=True, blank=True)
    last_click_at = models.DateTimeField(_("last click"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"Profile of {self.subscriber_id}"


class TagAffinity(models.Model):
    """How much a subscriber cares for a tag: +1 per view, halving every ``TAG_HALF_LIFE_DAYS``.

    ``score`` is the value at ``updated_at``; read it through
    :func:`wagtail_pushseg.tracking.decay.decayed` for any other moment.
    """

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="tag_affinities"
    )
    tag = models.CharField(_("tag"), max_length=100)
    score = models.FloatField(_("score"), default=0.0)
    views = models.PositiveIntegerField(_("views"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=dj_timezone.now)

    class Meta:
        verbose_name = _("tag affinity")
        verbose_name_plural = _("tag affinities")
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "tag"], name="pushseg_affinity_unique")
        ]
        indexes = [models.Index(fields=["tag", "score"], name="pushseg_affinity_tag")]

    def __str__(self) -> str:
        return f"{self.tag}: {self.score:.2f}"
