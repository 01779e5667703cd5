"""Record an event and fold it into the subscriber's profile and tag affinities.

A constant amount of work per event: one insert, one profile row, one read and one write for the
page's tags. The profile row is locked for the update so concurrent views of one subscriber
do not lose counts.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..conf import pushseg_settings
from ..models import Event, Profile, Subscriber, TagAffinity
from ..subscribers.local_time import zone_for
from .activity import day_number, mark_active
from .decay import decayed


def _local_hour(subscriber: Subscriber, when: datetime) -> int:
    # The same zone the send-time controls read these hours in (unknown: the site's zone).
    return when.astimezone(zone_for(subscriber.timezone)).hour


def _locked_profile(subscriber: Subscriber) -> Profile:
    return Profile.objects.select_for_update().get_or_create(subscriber=subscriber)[0]


def fold_visit(
    profile: Profile, subscriber: Subscriber, when: datetime, tags: Iterable[str]
) -> None:
    """Update the profile's visit counters in memory for a page view at ``when``."""
    is_sale = bool(pushseg_settings.SALE_TAGS.intersection(tags))
    profile.total_visits += 1
    if profile.first_visit_at is None or when < profile.first_visit_at:
        profile.first_visit_at = when
    if profile.last_visit_at is None or when > profile.last_visit_at:
        profile.last_visit_at = when
    profile.active_days, profile.active_weeks, profile.activity_day = mark_active(
        profile.active_days, profile.active_weeks, profile.activity_day, day_number(when)
    )
    # Decayed counts are kept as of the latest moment seen; an older event adds less.
    half_life = pushseg_settings.RECENT_HALF_LIFE_DAYS
    anchor = max(when, profile.recent_at) if profile.recent_at else when
    weight = decayed(1.0, when, anchor, half_life)
    profile.recent_visits = decayed(profile.recent_visits, profile.recent_at, anchor, half_life)
    profile.recent_sale_visits = decayed(
        profile.recent_sale_visits, profile.recent_at, anchor, half_life
    )
    profile.recent_visits += weight
    if is_sale:
        profile.recent_sale_visits += weight
    profile.recent_at = anchor
    hours = list(profile.active_hours) if len(profile.active_hours or []) == 24 else [0] * 24
    hours[_local_hour(subscriber, when)] += 1
    profile.active_hours = hours


def fold_tags(subscriber: Subscriber, tags: list[str], when: datetime) -> None:
    """+1 to each tag's decayed affinity: one read and one bulk write for all the page's tags."""
    if not tags:
        return
    half_life = pushseg_settings.TAG_HALF_LIFE_DAYS
    existing = {a.tag: a for a in TagAffinity.objects.filter(subscriber=subscriber, tag__in=tags)}
    changed, created = [], []
    for tag in tags:
        affinity = existing.get(tag)
        if affinity is None:
            created.append(
                TagAffinity(subscriber=subscriber, tag=tag, score=1.0, views=1, updated_at=when)
            )
            continue
        anchor = max(when, affinity.updated_at)
        affinity.score = decayed(affinity.score, affinity.updated_at, anchor, half_life) + decayed(
            1.0, when, anchor, half_life
        )
        affinity.views += 1
        affinity.updated_at = anchor
        changed.append(affinity)
    if changed:
        TagAffinity.objects.bulk_update(changed, ["score", "views", "updated_at"])
    if created:
        TagAffinity.objects.bulk_create(created)


def record_page_view(
    subscriber: Subscriber, page, tags: list[str], when: datetime | None = None
) -> Event:
    """Store a page view and fold it into the profile and tag affinities."""
    when = when or timezone.now()
    tags = sorted({t for t in tags if t})
    with transaction.atomic():
        event = Event.objects.create(
            subscriber=subscriber,
            kind=Event.Kind.PAGE_VIEW,
            page=page,
            tags=tags,
            occurred_at=when,
        )
        profile = _locked_profile(subscriber)
        fold_visit(profile, subscriber, when, tags)
        profile.save()
        fold_tags(subscriber, tags, when)
        Subscriber.objects.filter(pk=subscriber.pk, last_seen_at__lt=when).update(last_seen_at=when)
    return event


def record_custom_event(
    subscriber: Subscriber,
    name: str,
    properties: dict[str, Any] | None = None,
    when: datetime | None = None,
) -> Event:
    """Store a custom event (``purchase``, ``add_to_cart``...) for segment rules to count."""
    return Event.objects.create(
        subscriber=subscriber,
        kind=Event.Kind.CUSTOM,
        name=name,
        properties=properties or {},
        occurred_at=when or timezone.now(),
    )
