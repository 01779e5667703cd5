"""Step 4: behaviour histories for the demo subscribers, so segments have something to find.

Each sandbox subscriber is given a persona, drawn reproducibly from the seed, and a history of
page views recorded through the plugin's own recorder (so profiles and tag affinities are exactly
what real visits would have made):

- ``loyal``: one or two visits nearly every week for twelve weeks, magazine reading;
- ``bargain``: appears only on sale / clearance / discount pages, now and then;
- ``lapsed``: read regularly two to four months ago, nothing for the last seven weeks;
- ``fan``: mostly reads one product category (``FAN_TAGS``, one per fan);
- ``new``: subscribed in the last week, a visit or three;
- ``pair``: a small group reading two unrelated tags together (``PAIR_TAGS``);
- ``casual``: a few scattered visits.

The step starts from a clean slate for these subscribers every run (their events, profiles and
affinities are rebuilt), so running the command again gives the same population.
"""

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from wagtail_pushseg.models import Event, Profile, Subscriber, TagAffinity
from wagtail_pushseg.tracking.page_tags import page_tags
from wagtail_pushseg.tracking.recorder import record_page_view

from . import content as c


#: Share of the population per persona (the rest are casual readers).
PERSONA_SHARES = {
    "loyal": 0.22,
    "bargain": 0.15,
    "lapsed": 0.15,
    "fan": 0.20,
    "new": 0.10,
    "pair": 0.06,
}
FAN_TAGS = ("cameras", "audio", "gaming")
PAIR_TAGS = ("smart-home", "cameras")
DAY = timedelta(days=1)


@dataclass
class BehaviourResult:
    personas: dict[str, str]  # visitor id -> persona
    fan_tags: dict[str, str]  # visitor id -> the fan's tag
    views: int

    def counts(self) -> Counter:
        return Counter(self.personas.values())


def assign_personas(rng: random.Random, count: int) -> list[str]:
    labels = []
    for persona, share in PERSONA_SHARES.items():
        labels += [persona] * round(share * count)
    labels = labels[:count] + ["casual"] * max(0, count - len(labels))
    rng.shuffle(labels)
    return labels


def _spread(rng, start: datetime, end: datetime, n: int) -> list[datetime]:
    span = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(n))


def plan_visits(rng, persona: str, now: datetime, pages: dict[str, list], fan_tag: str):
    """(subscribed at, [(when, page)]) for one persona."""
    everything, sale = pages["all"], pages["sale"]
    reading = pages["magazine"]
    if persona == "loyal":
        visits = []
        for week in range(12):
            if rng.random() < 0.9:
                monday = now - (week + 1) * 7 * DAY
                visits += [
                    (monday + rng.uniform(0, 6.9) * DAY, rng.choice(reading))
                    for _ in range(rng.choice((1, 1, 2)))
                ]
        return now - 100 * DAY, visits
    if persona == "bargain":
        times = _spread(rng, now - 60 * DAY, now - 0.2 * DAY, rng.randint(6, 12))
        return now - 90 * DAY, [(t, rng.choice(sale)) for t in times]
    if persona == "lapsed":
        times = _spread(rng, now - 120 * DAY, now - 50 * DAY, rng.randint(8, 15))
        return now - 130 * DAY, [(t, rng.choice(everything)) for t in times]
    if persona == "fan":
        times = _spread(rng, now - 45 * DAY, now - 0.2 * DAY, rng.randint(10, 20))
        mine = pages["by_tag"][fan_tag]
        return now - 60 * DAY, [
            (t, rng.choice(mine) if rng.random() < 0.8 else rng.choice(everything)) for t in times
        ]
    if persona == "new":
        joined = now - rng.uniform(0.5, 6.5) * DAY
        times = _spread(rng, joined, now - 0.05 * DAY, rng.randint(1, 3))
        return joined, [(t, rng.choice(everything)) for t in times]
    if persona == "pair":
        times = _spread(rng, now - 30 * DAY, now - 0.2 * DAY, rng.randint(8, 14))
        first, second = (pages["by_tag"][tag] for tag in PAIR_TAGS)
        return now - 40 * DAY, [
            (t, rng.choice(first if i % 2 else second)) for i, t in enumerate(times)
        ]
    times = _spread(rng, now - 90 * DAY, now - 1 * DAY, rng.randint(1, 4))
    return now - 100 * DAY, [(t, rng.choice(everything)) for t in times]


def page_pools(articles: Iterable, offers: Iterable) -> dict:
    articles, offers = list(articles), list(offers)
    everything = articles + offers
    tags = {page.pk: page_tags(page) for page in everything}
    sale_tags = set(c.SALE_TAGS)
    by_tag: dict[str, list] = {}
    for page in everything:
        for tag in tags[page.pk]:
            by_tag.setdefault(tag, []).append(page)
    return {
        "all": everything,
        "magazine": [p for p in articles if not sale_tags.intersection(tags[p.pk])],
        "sale": [p for p in everything if sale_tags.intersection(tags[p.pk])],
        "by_tag": by_tag,
        "tags": tags,
    }


def plant_behaviour(
    rng: random.Random,
    subscribers: list[Subscriber],
    articles: Iterable,
    offers: Iterable,
    now: datetime | None = None,
    progress: Callable = lambda items, total: items,
) -> BehaviourResult:
    """Rebuild the histories of ``subscribers`` (in a stable order) from the seed.

    Times count back from ``now``, by default today's midnight (UTC), so a second run on the same
    day writes the same rows.
    """
    now = now or timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    pools = page_pools(articles, offers)
    personas = assign_personas(rng, len(subscribers))
    result = BehaviourResult(personas={}, fan_tags={}, views=0)
    with transaction.atomic():
        ids = [s.pk for s in subscribers]
        Event.objects.filter(subscriber_id__in=ids).delete()
        Profile.objects.filter(subscriber_id__in=ids).delete()
        TagAffinity.objects.filter(subscriber_id__in=ids).delete()
        pairs = zip(subscribers, personas, strict=True)
        for subscriber, persona in progress(pairs, len(subscribers)):
            fan_tag = rng.choice(FAN_TAGS)
            joined, visits = plan_visits(rng, persona, now, pools, fan_tag)
            Subscriber.objects.filter(pk=subscriber.pk).update(
                created_at=joined, last_seen_at=max([joined] + [t for t, _ in visits])
            )
            subscriber.created_at = joined
            for when, page in sorted(visits, key=lambda v: v[0]):
                record_page_view(subscriber, page, pools["tags"][page.pk], when)
            result.personas[subscriber.visitor_id] = persona
            if persona == "fan":
                result.fan_tags[subscriber.visitor_id] = fan_tag
            result.views += len(visits)
    return result
