"""Campaigns: what an editor sends, to which segments, in which order of focus, and when."""

import swapper
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


class Campaign(ClusterableModel):
    """A push about a page (or a URL on the site) to an ordered list of target segments.

    Each targeted subscriber gets at most one push: planning writes one ``Delivery`` per
    (campaign, subscriber), for the target that won focus.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        WAITING = "waiting", _("Waiting for publish")
        PLANNING = "planning", _("Planning")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    class Timing(models.TextChoices):
        NOW = "now", _("Now")
        AT = "at", _("At a date and time")
        ON_PUBLISH = "on_publish", _("When the page is published")

    class Focus(models.TextChoices):
        PRIORITY = "priority", _("By the order of the targets")
        STRONGEST = "strongest", _("By the strongest membership")

    class SendTime(models.TextChoices):
        AS_SOON = "as_soon", _("As soon as possible")
        LOCAL_TIME = "local_time", _("At a local time in each subscriber's time zone")
        BEST_HOUR = "best_hour", _("At each subscriber's most active hour")

    class Urgency(models.TextChoices):
        VERY_LOW = "very-low", _("Very low")
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    #: States in which the campaign can still be changed and sent.
    EDITABLE = (Status.DRAFT, Status.SCHEDULED, Status.WAITING)

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"), max_length=400, blank=True)
    page = models.ForeignKey(
        swapper.get_model_name("wagtailcore", "Page"),
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    url = models.CharField(
        _("link"), max_length=500, blank=True,
        help_text=_("A path on this site, used when no page is chosen."),
    )
    icon = models.CharField(_("icon URL"), max_length=500, blank=True)
    image = models.CharField(_("image URL"), max_length=500, blank=True)
    action1_title = models.CharField(_("first button"), max_length=40, blank=True)
    action1_url = models.CharField(_("first button link"), max_length=500, blank=True)
    action2_title = models.CharField(_("second button"), max_length=40, blank=True)
    action2_url = models.CharField(_("second button link"), max_length=500, blank=True)
    ttl = models.PositiveIntegerField(
        _("time to live (seconds)"), default=24 * 3600,
        help_text=_("How long push services keep the message for a device that is offline."),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    focus = models.CharField(
        _("focus"), max_length=10, choices=Focus.choices, default=Focus.PRIORITY,
        help_text=_("Which target a subscriber in several targeted segments is pushed for."),
    )
    min_degree = models.FloatField(
        _("minimum degree"), null=True, blank=True,
        help_text=_("Overrides the segments' thresholds: members below it are left out."),
    )
    #: A/B wording: with a share, only that share of each target with variants is sent
    #: first; after the wait the variant with the best click-through goes to the rest.
    ab_test_share = models.PositiveSmallIntegerField(
        _("test share (%)"), null=True, blank=True,
        help_text=_("Leave empty to send every variant to its share of the target at once. "
                    "With a share (1-90 %), only that part of each target with variants is "
                    "sent first; the winning wording goes to the rest after the wait."),
    )
    ab_test_wait = models.PositiveIntegerField(
        _("test wait (minutes)"), default=60,
        help_text=_("How long the test share has to click before the winner is chosen."),
    )
    #: When the test share's time is up (set at planning; empty without a test share).
    ab_test_until = models.DateTimeField(_("A/B test ends"), null=True, blank=True)
    excluded_segments = ParentalManyToManyField(
        "wagtail_pushseg.Segment", verbose_name=_("excluded segments"), blank=True,
        related_name="+",
    )
    timing = models.CharField(_("send"), max_length=12, choices=Timing.choices,
                              default=Timing.NOW)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # Delivery controls: applied when the deliveries are planned (send time) and when a
    # worker claims them (quiet hours, frequency cap); see campaigns/sending/controls.py.
    send_time = models.CharField(
        _("deliver"), max_length=12, choices=SendTime.choices, default=SendTime.AS_SOON,
        help_text=_("Each subscriber's own time zone decides when their push goes out."),
    )
    local_time = models.TimeField(
        _("local time"), null=True, blank=True,
        help_text=_("For example 09:00: each subscriber gets the push at the next 09:00 in "
                    "their own time zone, so some get it up to a day later."),
    )
    window_start_hour = models.PositiveSmallIntegerField(
        _("not before"), choices=[(h, f"{h:02d}:00") for h in range(24)], default=0,
        help_text=_("Most active hour: the earliest local hour to choose from."),
    )
    window_end_hour = models.PositiveSmallIntegerField(
        _("not after"), choices=[(h, f"{h:02d}:00") for h in range(1, 25)], default=24,
        help_text=_("Most active hour: pushes go out before this local hour. Subscribers "
                    "without a history get the earliest hour."),
    )
    ignore_quiet_hours = models.BooleanField(
        _("ignore quiet hours"), default=False,
        help_text=_("For urgent news only: send even at night in the subscriber's time zone."),
    )
    #: Off by default: readers who got a push about this page within ``REPUSH_GUARD_HOURS``
    #: are left out at planning; the send page's "send again anyway" sets it.
    repush_anyway = models.BooleanField(
        _("send again anyway"), default=False,
        help_text=_("Also push to readers who got a push about this page recently."),
    )
    ignore_frequency_cap = models.BooleanField(
        _("no frequency cap"), default=False,
        help_text=_("For urgent news only: send to subscribers who already got many pushes."),
    )
    cap_per_day = models.PositiveSmallIntegerField(
        _("at most per day"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Leave out subscribers who got this many pushes (from any campaign) in "
                    "the last 24 hours. Empty: the site's setting."),
    )
    cap_per_week = models.PositiveSmallIntegerField(
        _("at most per week"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("The same over the last 7 days. Empty: the site's setting."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    status_reason = models.CharField(_("status detail"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=dj_timezone.now)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-pk"]
        permissions = [("send_campaign", _("Can send, schedule and cancel campaigns"))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class CampaignTarget(Orderable):
    """One targeted segment, in the editor's priority order, with optional own wording."""

    campaign = ParentalKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    segment = models.ForeignKey(
        "wagtail_pushseg.Segment", verbose_name=_("segment"), on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title for this segment"), max_length=120, blank=True)
    body = models.TextField(_("body for this segment"), max_length=400, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return str(self.segment)


class Delivery(models.Model):
    """One push of one campaign to one subscriber: the idempotency key of the whole system.

    The queue only says "there is work"; the state lives here, so a lost or repeated task
    neither loses nor doubles a push.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Waiting to retry")
        EXPIRED = "expired", _("Subscription expired")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        CAPPED = "capped", _("Held back by the frequency cap")

    #: States no further work can change.
    TERMINAL = (Status.SENT, Status.EXPIRED, Status.FAILED, Status.CANCELLED, Status.CAPPED)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    #: Empty once the subscriber is erased or purged: the row stays, anonymous, so a campaign's
    #: results and the segment history keep their counts.
    subscriber = models.ForeignKey(
        "wagtail_pushseg.Subscriber", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    target = models.ForeignKey(
        CampaignTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    degree = models.FloatField(_("degree"), default=0.0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    #: When the latest answer (or failure to answer) was written: times failures and expiries
    #: for the progress chart and the sending rate, as ``sent_at`` times successes.
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # Receipts from the service worker and the click link; the first one counts.
    shown_at = models.DateTimeField(_("shown at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    #: Which wording variant of the target this subscriber got (0 = the target's own).
    variant = models.PositiveSmallIntegerField(_("wording variant"), default=0, db_default=0)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "subscriber"],
                                    name="pushseg_delivery_once")
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "next_attempt_at"],
                         name="pushseg_delivery_work"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.subscriber_id}: {self.status}"


class CampaignVariant(Orderable):
    """Another wording for one target's subscribers: an A/B test of the wording.

    A target's own wording is variant 0 (A); the variants for its segment, in their order, are
    1, 2 and 3 (B, C, D). Planning splits the target's subscribers evenly at random among them.
    """

    #: A target's wordings in all, its own included.
    MAX_WORDINGS = 4

    campaign = ParentalKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    segment = models.ForeignKey(
        "wagtail_pushseg.Segment", verbose_name=_("for the target segment"),
        on_delete=models.CASCADE, related_name="+",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"), max_length=400, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("wording variant")
        verbose_name_plural = _("wording variants")

    def __str__(self) -> str:
        return self.title
