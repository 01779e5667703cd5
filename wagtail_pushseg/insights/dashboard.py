"""The numbers on the Wagtail dashboard: subscribers, the last campaigns' click-through and the
open suggestions, each from one or two aggregate queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from ..models import Campaign, Delivery, SegmentSuggestion, Subscriber


#: Campaigns shown with their click-through, the latest first.
LAST_CAMPAIGNS = 5
#: "New this week": subscribed in the last seven days (a rolling week, not the calendar's).
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class SubscriberNumbers:
    active: int
    new_this_week: int


@dataclass(frozen=True)
class CampaignClicks:
    campaign: Campaign
    sent: int
    clicked: int

    @property
    def click_through(self) -> float | None:
        """Clicked ÷ sent; None before anything was sent."""
        return self.clicked / self.sent if self.sent else None


def subscriber_numbers(now: datetime | None = None) -> SubscriberNumbers:
    now = now or timezone.now()
    counts = Subscriber.objects.active().aggregate(
        active=Count("pk"), new=Count("pk", filter=Q(created_at__gte=now - WEEK)),
    )
    return SubscriberNumbers(counts["active"], counts["new"])


def last_campaigns(limit: int = LAST_CAMPAIGNS) -> list[CampaignClicks]:
    """The latest campaigns that went out (sending or sent), with deliveries sent and clicked
    (a click counts only on a sent delivery)."""
    campaigns = list(
        Campaign.objects.filter(status__in=[Campaign.Status.SENDING, Campaign.Status.SENT])
        .order_by(F("queued_at").desc(nulls_last=True), "-created_at", "-pk")[:limit]
    )
    sent = Q(status=Delivery.Status.SENT)
    counts = {
        row["campaign_id"]: (row["sent"], row["clicked"]) for row in
        Delivery.objects.filter(campaign__in=campaigns).order_by().values("campaign_id")
        .annotate(sent=Count("pk", filter=sent),
                  clicked=Count("pk", filter=sent & Q(clicked_at__isnull=False)))
    }
    return [
        CampaignClicks(c, *counts.get(c.pk, (0, 0)))
        for c in campaigns
    ]


def open_suggestion_count() -> int:
    return SegmentSuggestion.objects.filter(status=SegmentSuggestion.Status.OPEN).count()
