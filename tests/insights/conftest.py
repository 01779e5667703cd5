"""Builders for insights tests: segments, members and sent deliveries on given days."""

import itertools
from datetime import UTC, date, datetime, time, timedelta

from wagtail_pushseg.models import (
    Campaign,
    CampaignTarget,
    Delivery,
    Membership,
    Segment,
    Subscriber,
)


DAY = date(2026, 11, 2)
_counter = itertools.count(1)


def at(day: date, hour: float = 12) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(hours=hour)


def make_segment(name: str, tag: str = "running") -> Segment:
    rules = [{"type": "tag_interest",
              "value": {"tags": [tag], "match": "any", "starts_at": 1, "full_at": 3}}]
    return Segment.objects.create(name=name, rules=rules, threshold=0.5)


def make_subscribers(n: int) -> list[Subscriber]:
    return [
        Subscriber.objects.create(endpoint=f"https://fcm.googleapis.com/fcm/send/i{next(_counter)}",
                                  p256dh="p" * 87, auth="a" * 22)
        for _ in range(n)
    ]


def set_members(segment: Segment, members: dict[Subscriber, float]) -> None:
    """Make ``members`` (with degrees) the segment's memberships, as a refresh would."""
    Membership.objects.filter(segment=segment).delete()
    Membership.objects.bulk_create(
        Membership(segment=segment, subscriber=s, degree=d, entered_at=at(DAY), updated_at=at(DAY))
        for s, d in members.items()
    )


def make_campaign(segment: Segment, page=None) -> tuple[Campaign, CampaignTarget]:
    campaign = Campaign.objects.create(title=f"Campaign {next(_counter)}", page=page,
                                       url="/x/", status=Campaign.Status.SENT)
    return campaign, CampaignTarget.objects.create(campaign=campaign, segment=segment,
                                                   sort_order=0)


def deliver(campaign, target, subscriber, *, sent_at, clicked=False,
            status=Delivery.Status.SENT) -> Delivery:
    return Delivery.objects.create(
        campaign=campaign, target=target, subscriber=subscriber, status=status,
        sent_at=sent_at, clicked_at=sent_at + timedelta(minutes=5) if clicked else None,
    )
