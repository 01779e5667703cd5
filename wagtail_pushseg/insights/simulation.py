"""A simulated population with 90 days of reading and push responses, for the insights pages,
the demo and the drift tests.

It is a simulation: subscribers get endpoints on ``push.simulated.invalid`` (refused by the
endpoint policy, so a real campaign never reaches them), and campaigns and ``Delivery`` rows
are written as already sent, shown and clicked, without a push service. Reading goes through
the tracking maths itself: ``tracking.recorder.fold_visit`` on the profile and the same decayed
+1 per tag as ``fold_tags``, kept in memory and written in bulk once per simulated day. Each day
then runs the real segment refresh, the history snapshot and the drift alerts with that day's
clock. Everything random comes from one ``random.Random(seed)`` used in a fixed order, so a seed
always gives the same population and the same history.

Groups (shares of ``subscribers``):

- ``runners`` read *running*: the stable control, clicks steady at 20%;
- ``bargain`` read *deals*: clicks 22% until ``FADE_DAY``, fading to 4% over ``FADE_DAYS``;
- ``cooks`` read *cooking*: steady at 15%;
- ``casual`` read a little of everything (some churn in and out of the segments);
- ``outdoor``: new subscribers from ``NEW_GROUP_DAY`` reading *cycling* and *camping* together,
  a group no segment covers (for the suggestions).

That is the default ``Story``; a site tells its own (the example shop's in
``example_site/demo/demo_data/history.py``) with its tags, its existing segments and campaign
titles, and may give the subscribers real push subscriptions (``subscription``: the demo's are
sandbox devices, so a live campaign to the same segments reaches them).
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from ..conf import pushseg_settings
from ..models import (
    Campaign,
    CampaignTarget,
    Delivery,
    Event,
    Membership,
    Profile,
    Segment,
    Subscriber,
    TagAffinity,
    endpoint_hash,
)
from ..segments.refresh import refresh_all
from ..tracking.decay import decayed
from ..tracking.recorder import fold_visit
from .alerts import run_alerts
from .history import take_snapshot


ENDPOINT_PREFIX = "https://push.simulated.invalid/"
SLUG_PREFIX = "sim-"
#: Simulated subscribers' visitor ids start with it (how a rerun finds them whatever their
#: endpoint); a browser's own visitor id is hex.
VISITOR_PREFIX = "sim"
#: In the link of every simulated campaign: how a rerun finds them on segments it did not make.
URL_MARKER = "utm_source=pushseg-simulation"
WARM_UP_DAYS = 14
FADE_DAY = 45
FADE_DAYS = 8
NEW_GROUP_DAY = 60
NEW_GROUP_TAGS = ("camping", "cycling")
TAGS = ("running", "deals", "cooking", "gardening", "travel", "camping", "cycling")


@dataclass(frozen=True)
class Group:
    name: str
    share: float
    tags: tuple[str, ...]
    visit_chance: float
    #: Chance that a page read is about the group's own tags (else any tag).
    focus: float


GROUPS = (
    Group("runners", 0.28, ("running",), 0.6, 0.92),
    Group("bargain", 0.26, ("deals",), 0.55, 0.92),
    Group("cooks", 0.22, ("cooking",), 0.5, 0.92),
    Group("casual", 0.24, (), 0.15, 0.0),
)
NEW_GROUP = Group("outdoor", 0.15, NEW_GROUP_TAGS, 0.7, 0.9)


@dataclass(frozen=True)
class SimSegment:
    slug: str
    name: str
    tag: str
    #: Click-through of a push on simulated day n.
    click_rate: Callable[[int], float]
    #: Campaign titles, one per day in turn (none: "[Simulation] <tag> day <n>").
    titles: tuple[str, ...] = ()
    #: Where its campaigns lead (the simulation marks the link with ``URL_MARKER``).
    url: str = ""

    def title(self, day: int) -> str:
        if self.titles:
            return self.titles[day % len(self.titles)]
        return f"[Simulation] {self.tag} day {day + 1}"


def fading(day: int) -> float:
    if day < FADE_DAY:
        return 0.22
    return max(0.04, 0.22 - (0.22 - 0.04) * (day - FADE_DAY + 1) / FADE_DAYS)


SEGMENTS = (
    SimSegment("sim-runners", "Runners (simulated control)", "running", lambda day: 0.20),
    SimSegment("sim-bargain-hunters", "Bargain hunters (simulated)", "deals", fading),
    SimSegment("sim-home-cooks", "Home cooks (simulated)", "cooking", lambda day: 0.15),
)


@dataclass(frozen=True)
class Story:
    """Who reads what and which segments get a daily push."""

    groups: tuple[Group, ...]
    #: Arrives on ``NEW_GROUP_DAY`` reading its two tags together.
    new_group: Group
    #: Every tag a page read may carry.
    tags: tuple[str, ...]
    segments: tuple[SimSegment, ...]
    #: True: the simulation makes its segments (and a rerun deletes them); False: they are the
    #: site's own, looked up by slug, and only the simulated campaigns on them are replaced.
    own_segments: bool = True


DEFAULT_STORY = Story(GROUPS, NEW_GROUP, TAGS, SEGMENTS)
#: A push subscription (``PushSubscription.toJSON()`` shape) for the n-th simulated subscriber.
SubscriptionFactory = Callable[[int], dict]


def unreachable_subscription(seed: int) -> SubscriptionFactory:
    """Endpoints on ``push.simulated.invalid``: the endpoint policy refuses them."""
    def make(n: int) -> dict:
        return {"endpoint": f"{ENDPOINT_PREFIX}{seed}/{n}",
                "keys": {"p256dh": "simulated", "auth": "simulated"}}
    return make


@dataclass
class SimulationResult:
    start: date
    days: int
    subscribers: int
    views: int = 0
    pushes: int = 0
    clicks: int = 0
    segments: dict[str, int] = field(default_factory=dict)  # slug -> pk


def _rules(tag: str) -> list[dict]:
    return [{"type": "tag_interest", "value": {
        "tags": [tag], "match": "any", "starts_at": 1, "full_at": 3}}]


def remove_simulation(story: Story = DEFAULT_STORY) -> None:
    """Delete what an earlier run made: its campaigns, subscribers and own segments."""
    segments = Segment.objects.filter(slug__in=[s.slug for s in SEGMENTS])
    if story.own_segments:
        segments |= Segment.objects.filter(slug__in=[s.slug for s in story.segments])
    Campaign.objects.filter(targets__segment__in=segments).delete()
    Campaign.objects.filter(url__contains=URL_MARKER).delete()
    Subscriber.objects.filter(endpoint__startswith=ENDPOINT_PREFIX).delete()
    Subscriber.objects.filter(visitor_id__startswith=VISITOR_PREFIX,
                              browser="Simulated").delete()
    segments.delete()


def update_rows(model, objects: list, fields: list[str]) -> None:
    """UPDATE each object's ``fields`` by primary key with one ``executemany`` (Django's
    ``bulk_update`` builds a CASE per field and row, which is far slower at this size)."""
    if not objects:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET "
           + ", ".join(f"{quote(c.column)} = %s" for c in columns)
           + f" WHERE {quote(meta.pk.column)} = %s")
    rows = [
        [c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


class Simulation:
    """One run; ``run()`` does everything (see the module docstring)."""

    def __init__(self, seed: int, days: int = 90, subscribers: int = 600,
                 end: date | None = None, story: Story = DEFAULT_STORY,
                 subscription: SubscriptionFactory | None = None) -> None:
        self.rng = random.Random(seed)
        self.story = story
        self.subscription = subscription or unreachable_subscription(seed)
        self.seed, self.days, self.count = seed, days, subscribers
        # Yesterday by default: every simulated moment is in the past, and today's snapshot
        # is left to the daily schedule.
        end = end or timezone.localdate() - timedelta(days=1)
        self.start = end - timedelta(days=days - 1)
        self.profiles: dict[int, Profile] = {}
        self.subscribers: dict[int, Subscriber] = {}
        self.groups: dict[int, Group] = {}
        self.affinities: dict[tuple[int, str], TagAffinity] = {}
        self.result = SimulationResult(self.start, days, 0)

    def at(self, day: int, hour: float) -> datetime:
        moment = datetime.combine(self.start + timedelta(days=day), time.min)
        return timezone.make_aware(moment) + timedelta(hours=hour)

    # population --------------------------------------------------------------------------

    def _people(self, group: Group, n: int, first: int, created: datetime) -> None:
        subscriptions = [self.subscription(first + i) for i in range(n)]
        rows = [
            Subscriber(
                endpoint=sub["endpoint"], endpoint_hash=endpoint_hash(sub["endpoint"]),
                p256dh=sub["keys"]["p256dh"], auth=sub["keys"]["auth"],
                visitor_id=f"{VISITOR_PREFIX}{self.seed:x}n{first + i}"[:32],
                browser="Simulated", platform="Simulation", language="en",
                timezone="UTC", created_at=created, last_seen_at=created,
            )
            for i, sub in enumerate(subscriptions)
        ]
        Subscriber.objects.bulk_create(rows)
        rows = list(Subscriber.objects.filter(
            endpoint_hash__in=[r.endpoint_hash for r in rows]).order_by("pk"))
        Profile.objects.bulk_create(Profile(subscriber=s, active_hours=[0] * 24) for s in rows)
        for subscriber in rows:
            self.subscribers[subscriber.pk] = subscriber
            self.groups[subscriber.pk] = group
        self.profiles.update(Profile.objects.in_bulk([s.pk for s in rows]))
        self.result.subscribers += n

    def populate(self) -> None:
        first, created = 0, self.at(-WARM_UP_DAYS, 6)
        for group in self.story.groups:
            n = round(group.share * self.count)
            self._people(group, n, first, created)
            first += n

    def make_segments(self) -> dict[str, Segment]:
        segments: dict[str, Segment] = {}
        for spec in self.story.segments:
            if self.story.own_segments:
                segment = Segment.objects.create(
                    slug=spec.slug, name=spec.name, rules=_rules(spec.tag), threshold=0.5,
                    description="Made by pushseg_simulate.",
                )
            else:
                existing = Segment.objects.filter(slug=spec.slug).first()
                if existing is None:
                    raise ValueError(f"the story pushes to segment {spec.slug!r}, which does "
                                     "not exist (install it first)")
                segment = existing
            segments[spec.slug] = segment
            self.result.segments[spec.slug] = segment.pk
        return segments

    # reading -----------------------------------------------------------------------------

    def _tags_read(self, group: Group) -> list[str]:
        if group.tags and self.rng.random() < group.focus:
            if group is self.story.new_group:  # pages on either tag, or on both together
                first, second = group.tags
                return [[first, second], [first], [second]][self.rng.randrange(3)]
            return [self.rng.choice(group.tags)]
        return [self.rng.choice(self.story.tags)]

    def _fold_tags(self, subscriber_id: int, tags: list[str], when: datetime,
                   created: list, changed: dict) -> None:
        """``tracking.recorder.fold_tags``'s maths, on affinities held in memory."""
        half_life = pushseg_settings.TAG_HALF_LIFE_DAYS
        for tag in tags:
            affinity = self.affinities.get((subscriber_id, tag))
            if affinity is None:
                affinity = TagAffinity(subscriber_id=subscriber_id, tag=tag, score=1.0,
                                       views=1, updated_at=when)
                self.affinities[(subscriber_id, tag)] = affinity
                created.append(affinity)
                continue
            anchor = max(when, affinity.updated_at)
            affinity.score = decayed(affinity.score, affinity.updated_at, anchor, half_life) + \
                decayed(1.0, when, anchor, half_life)
            affinity.views += 1
            affinity.updated_at = anchor
            if affinity.pk:
                changed[id(affinity)] = affinity

    def read(self, day: int) -> None:
        events, touched = [], []
        created: list[TagAffinity] = []
        changed: dict[int, TagAffinity] = {}
        for subscriber_id, subscriber in self.subscribers.items():
            group = self.groups[subscriber_id]
            if subscriber.created_at > self.at(day, 7) or self.rng.random() >= group.visit_chance:
                continue
            views = self.rng.randint(1, 3)
            moments = sorted(self.at(day, self.rng.uniform(7, 18)) for _ in range(views))
            profile = self.profiles[subscriber_id]
            for when in moments:
                tags = sorted(self._tags_read(group))
                events.append(Event(subscriber_id=subscriber_id, kind=Event.Kind.PAGE_VIEW,
                                    tags=tags, occurred_at=when))
                fold_visit(profile, subscriber, when, tags)
                self._fold_tags(subscriber_id, tags, when, created, changed)
            subscriber.last_seen_at = moments[-1]
            touched.append(subscriber_id)
        Event.objects.bulk_create(events, batch_size=1000)
        TagAffinity.objects.bulk_create(created, batch_size=1000)
        if None in {a.pk for a in created}:  # a backend that does not return ids
            for affinity in TagAffinity.objects.filter(
                    subscriber_id__in={a.subscriber_id for a in created}):
                self.affinities[(affinity.subscriber_id, affinity.tag)].pk = affinity.pk
        update_rows(TagAffinity, list(changed.values()), ["score", "views", "updated_at"])
        update_rows(Subscriber, [self.subscribers[pk] for pk in touched], ["last_seen_at"])
        self._save_profiles(touched)
        self.result.views += len(events)

    def _save_profiles(self, ids: Iterable[int]) -> None:
        update_rows(
            Profile, [self.profiles[pk] for pk in ids],
            ["total_visits", "first_visit_at", "last_visit_at", "activity_day", "active_days",
             "active_weeks", "recent_visits", "recent_sale_visits", "recent_at", "active_hours",
             "pushes_received", "pushes_clicked", "pushes_ignored_since_click", "last_push_at",
             "last_click_at"],
        )

    # pushes ------------------------------------------------------------------------------

    def push(self, day: int, segments: dict[str, Segment]) -> None:
        sent_at = self.at(day, 19.5)
        deliveries, touched = [], set()
        for spec in self.story.segments:
            segment = segments[spec.slug]
            members = list(Membership.objects.filter(segment=segment)
                           .order_by("subscriber_id").values_list("subscriber_id", "degree"))
            url = spec.url or f"/simulated/{spec.tag}/"
            campaign = Campaign.objects.create(
                title=spec.title(day), body="A simulated push.",
                url=f"{url}{'&' if '?' in url else '?'}{URL_MARKER}",
                status=Campaign.Status.SENT,
                created_at=sent_at, queued_at=sent_at, finished_at=sent_at,
            )
            target = CampaignTarget.objects.create(campaign=campaign, segment=segment,
                                                   sort_order=0)
            rate = spec.click_rate(day)
            for subscriber_id, degree in members:
                shown = self.rng.random() < 0.92
                clicked = shown and self.rng.random() < rate / 0.92
                clicked_at = sent_at + timedelta(minutes=self.rng.randint(1, 90))
                deliveries.append(Delivery(
                    campaign=campaign, subscriber_id=subscriber_id, target=target,
                    degree=degree, status=Delivery.Status.SENT, attempts=1, status_code=201,
                    sent_at=sent_at, shown_at=sent_at + timedelta(seconds=5) if shown else None,
                    clicked_at=clicked_at if clicked else None,
                    dismissed_at=clicked_at if shown and not clicked else None,
                ))
                profile = self.profiles.get(subscriber_id)
                if profile is None:
                    continue  # a member from outside the simulation: its profile is not ours
                profile.pushes_received += 1
                profile.last_push_at = sent_at
                if clicked:
                    profile.pushes_clicked += 1
                    profile.pushes_ignored_since_click = 0
                    profile.last_click_at = clicked_at
                else:
                    profile.pushes_ignored_since_click += 1
                touched.add(subscriber_id)
                self.result.clicks += clicked
        Delivery.objects.bulk_create(deliveries, batch_size=1000)
        self._save_profiles(sorted(touched))
        self.result.pushes += len(deliveries)

    # the run -----------------------------------------------------------------------------

    def run(self, progress: Callable[[Iterable, int], Iterable] | None = None
            ) -> SimulationResult:
        progress = progress or (lambda items, total: items)
        remove_simulation(self.story)
        self.populate()
        segments = self.make_segments()
        new_group = self.story.new_group
        outdoor = round(new_group.share * self.count)
        for day in progress(range(-WARM_UP_DAYS, self.days), WARM_UP_DAYS + self.days):
            with transaction.atomic():
                if day == NEW_GROUP_DAY:
                    self._people(new_group, outdoor, self.result.subscribers, self.at(day, 6))
                self.read(day)
                if day < 0:
                    continue  # warm-up: reading only, so segments start full
                refresh_all(self.at(day, 19))
                self.push(day, segments)
                today = self.start + timedelta(days=day)
                take_snapshot(today, now=self.at(day, 23), capture=True)
                run_alerts(today, now=self.at(day, 23.5))
        return self.result
