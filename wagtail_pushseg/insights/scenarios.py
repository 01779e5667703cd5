"""A family of planted-truth audiences for the drift, size and migration alerts.

``Scenario.from_seed(seed)`` draws one audience: its size, four interest groups with real
overlaps (members of two groups), the segments over them (the starter "Fans of" rule and the
starter "New subscribers"), weekly seasonality of click-through and of push volume, ordinary
churn (members who go quiet for a few days and come back), and the planted changes:

- a click-through **fade** on one segment, over one to eight weeks, 30–70 % deep;
- in half the scenarios a **steep fall** of 40–70 % within a week on another;
- a **migration**: 25–40 % of a segment's members leave over two to eight weeks, to another
  segment, to no segment, into lapsing or by unsubscribing;
- an **emerging** group of 2–10 % new subscribers reading a tag no segment is about, while
  "New subscribers" holds them: the suggestions are refreshed each day from its appearance
  until it is suggested;
- the rest are **stable controls**.

On the first day the graded starters are also checked: "Fans of" against the planted groups
(mixed members read two tags half and half), Loyal subscribers and Bargain hunters against
planted visit habits (loyal, bargain, mixed, occasional), with profiles made for the check and
removed after it.

``run_scenario`` then plays it day by day through the real daily machinery: the segment
refresh, campaigns' deliveries written as sent and clicked, the history snapshot (with its
transitions and weekly member sets) and the alerts, with each day's clock, as
``insights.simulation`` does. Interest is planted as tag affinities directly (no page views):
the scenario is about what the history and alerts make of membership and clicks, and writing
only the affinities that change keeps a scenario to seconds. Tag decay is switched off for
the run so that a planted score stays what it was planted as.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from ..models import (
    Campaign,
    CampaignTarget,
    Delivery,
    Membership,
    Profile,
    Segment,
    SegmentAlert,
    SegmentDay,
    SegmentSuggestion,
    Subscriber,
    TagAffinity,
    endpoint_hash,
)
from ..segments.compiler import degree_queryset
from ..segments.refresh import refresh_all
from ..segments.starter import bargain_hunters, fans_of, loyal, new_subscribers
from ..tracking.activity import day_number
from .alerts import run_alerts
from .history import take_snapshot
from .simulation import ENDPOINT_PREFIX, update_rows
from .suggested_segments import refresh_suggestions


DAYS = 126
#: Planted changes start after eight weeks, so the segments have a history to compare with.
EVENTS_FROM = (56, 70)
TAGS = ("hiking", "baking", "jazz", "chess")
NEW_TAG = "kayaking"
#: Planted affinity scores. "Fans of" counts the tag's share of reading (a one-group member:
#: all of it; a mixed one: half) and, as a gate, its points (ramp 1 to 3, members from 2): a
#: quiet or departed member's few points take them out.
MEMBER_SCORE, MIXED_SCORE, QUIET_SCORE, AWAY_SCORE = 6.5, 5.6, 1.8, 1.5
#: Visit habits planted for the Loyal / Bargain hunters check on the first day: share of the
#: audience, weeks with a visit of the last 13, sale share of visits.
HABITS = {
    "loyal": (0.35, (10, 13), (0.0, 0.15)),
    "bargain": (0.15, (7, 13), (0.85, 1.0)),
    "mixed": (0.15, (10, 13), (0.35, 0.65)),
    "occasional": (0.35, (0, 3), (0.0, 0.3)),
}
DESTINATIONS = ("segment", "nowhere", "lapsed", "unsubscribed")
DESTINATION_MIX = (0.5, 0.25, 0.15, 0.1)


@dataclass
class Scenario:
    seed: int
    size: int
    group_shares: list[float]
    mixed_share: float
    base_rates: list[float]
    weekday_factors: list[float]
    churn: float
    fade: tuple[int, int, int, float]  # segment, start day, days, depth
    steep: tuple[int, int, int, float] | None
    migration: tuple[int, int, int, float, int]  # source, start, days, share, destination
    emerging: tuple[int, float]  # day, share of the audience
    start: date = field(default_factory=lambda: date(2026, 1, 5))

    @classmethod
    def from_seed(cls, seed: int, sizes: tuple[int, int] = (1000, 2000)) -> "Scenario":
        rng = random.Random(seed)
        size = rng.randint(*sizes)
        raw = [rng.uniform(0.5, 1.5) for _ in TAGS]
        shares = [0.8 * r / sum(raw) for r in raw]
        roles = list(range(len(TAGS)))
        rng.shuffle(roles)
        fade_days = rng.randint(1, 8) * 7
        fade = (roles[0], rng.randint(*EVENTS_FROM), fade_days, rng.uniform(0.3, 0.7))
        steep = None
        if rng.random() < 0.5:
            steep = (roles[2], rng.randint(*EVENTS_FROM), rng.randint(3, 7),
                     rng.uniform(0.4, 0.7))
        migration = (roles[1], rng.randint(*EVENTS_FROM), rng.randint(2, 8) * 7,
                     rng.uniform(0.25, 0.4), roles[3])
        return cls(
            seed=seed, size=size, group_shares=shares, mixed_share=rng.uniform(0.1, 0.25),
            base_rates=[rng.uniform(0.08, 0.25) for _ in TAGS],
            weekday_factors=[rng.uniform(0.95, 1.05) for _ in range(5)]
            + [rng.uniform(0.75, 0.95) for _ in range(2)],
            churn=rng.uniform(0.003, 0.015), fade=fade, steep=steep, migration=migration,
            emerging=(rng.randint(*EVENTS_FROM), rng.uniform(0.02, 0.1)),
        )

    def day(self, i: int) -> date:
        return self.start + timedelta(days=i)

    def click_rate(self, segment: int, i: int) -> float:
        """The planted click-through of ``segment``'s pushes on day ``i``."""
        rate = self.base_rates[segment] * self.weekday_factors[self.day(i).weekday()]
        for change in (self.fade, self.steep):
            if change and change[0] == segment and i >= change[1]:
                _s, start, days, depth = change
                rate *= 1 - depth * min(1.0, (i - start + 1) / days)
        return rate

    def pushes_on(self, i: int) -> bool:
        return self.day(i).weekday() != 6  # no campaigns on Sundays


@dataclass
class Person:
    pk: int
    groups: tuple[int, ...]
    quiet_until: int = -1
    moved: str = ""


class ScenarioRun:
    """One scenario played through the daily machinery (``run()``)."""

    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.rng = random.Random(scenario.seed * 7919 + 1)
        self.people: dict[int, Person] = {}
        self.affinities: dict[tuple[int, str], TagAffinity] = {}
        self.segments: list[Segment] = []
        self.lapsed: set[int] = set()
        self.moves: dict[int, list[tuple[int, str]]] = {}
        self.moved_by_day: list[int] = []
        #: ``{starter: {pk: degree}}`` on the first day, and the planted visit habits.
        self.starter_degrees: dict[str, dict[int, float]] = {}
        self.habits: dict[int, str] = {}
        #: The day the emerging group was first suggested, and how many of it "New
        #: subscribers" held then.
        self.emerged_on: date | None = None
        self.emerged_held = 0

    def at(self, i: int, hour: float) -> datetime:
        return timezone.make_aware(datetime.combine(self.s.day(i), time.min)) + \
            timedelta(hours=hour)

    # set-up ------------------------------------------------------------------------------

    def _subscribers(self, n: int, first: int, created: datetime) -> list[int]:
        rows = [Subscriber(
            endpoint=f"{ENDPOINT_PREFIX}scenario{self.s.seed}/{first + i}",
            endpoint_hash=endpoint_hash(f"{ENDPOINT_PREFIX}scenario{self.s.seed}/{first + i}"),
            p256dh="simulated", auth="simulated", visitor_id=f"sc{self.s.seed:x}n{first + i}",
            browser="Simulated", platform="Simulation", language="en", timezone="UTC",
            created_at=created, last_seen_at=created,
        ) for i in range(n)]
        Subscriber.objects.bulk_create(rows, batch_size=1000)
        return list(Subscriber.objects.filter(
            endpoint_hash__in=[r.endpoint_hash for r in rows]).order_by("pk")
            .values_list("pk", flat=True))

    def _score(self, person: Person, tag_index: int, day: int) -> float:
        if person.moved or tag_index not in person.groups:
            return AWAY_SCORE
        if day < person.quiet_until:
            return QUIET_SCORE
        return MEMBER_SCORE if len(person.groups) == 1 else MIXED_SCORE

    def _write_scores(self, pks, day: int) -> None:
        created, changed = [], []
        when = self.at(day, 18)
        for pk in pks:
            person = self.people[pk]
            for index, tag in enumerate(TAGS):
                score = self._score(person, index, day)
                if person.moved == "segment" and index == self.s.migration[4]:
                    score = MEMBER_SCORE
                affinity = self.affinities.get((pk, tag))
                if affinity is None:
                    if score == AWAY_SCORE:
                        continue
                    affinity = TagAffinity(subscriber_id=pk, tag=tag, score=score, views=1,
                                           updated_at=when)
                    self.affinities[(pk, tag)] = affinity
                    created.append(affinity)
                elif affinity.score != score:
                    affinity.score, affinity.updated_at = score, when
                    changed.append(affinity)
        TagAffinity.objects.bulk_create(created, batch_size=1000)
        if any(a.pk is None for a in created):
            for row in TagAffinity.objects.filter(subscriber_id__in={a.subscriber_id
                                                                      for a in created}):
                self.affinities[(row.subscriber_id, row.tag)].pk = row.pk
        update_rows(TagAffinity, changed, ["score", "updated_at"])

    def populate(self) -> None:
        s, rng = self.s, self.rng
        pks = self._subscribers(s.size, 0, self.at(-60, 6))
        for pk in pks:
            draw, groups = rng.random(), ()
            for index, share in enumerate(s.group_shares):
                if draw < share:
                    groups = (index,)
                    break
                draw -= share
            if groups and rng.random() < s.mixed_share:
                other = rng.choice([i for i in range(len(TAGS)) if i != groups[0]])
                groups = (groups[0], other)
            self.people[pk] = Person(pk, groups)
        self._write_scores(pks, 0)
        self.segments = []
        for tag in TAGS:
            starter = fans_of(tag)
            self.segments.append(Segment.objects.create(
                slug=f"sc{s.seed}-{starter.slug}", name=starter.name, rules=starter.rules))
        starter = new_subscribers()
        self.segments.append(Segment.objects.create(
            slug=f"sc{s.seed}-{starter.slug}", name=starter.name, rules=starter.rules))
        source, start, days, share, _dest = s.migration
        movers = [p for p in self.people.values() if source in p.groups]
        rng.shuffle(movers)
        for person in movers[:round(share * len(movers))]:
            move_day = start + rng.randrange(days)
            where = rng.choices(DESTINATIONS, DESTINATION_MIX)[0]
            self.moves.setdefault(move_day, []).append((person.pk, where))
        self.source_members = len(movers)
        self.check_starters(pks)

    def check_starters(self, pks: list[int]) -> None:
        """The graded starters' degrees on the first day: "Fans of" over the planted tags,
        Loyal and Bargain hunters over planted visit habits (profiles made for the check and
        removed after it, so the daily run is unchanged)."""
        rng, today = random.Random(self.s.seed * 104729 + 3), day_number(self.at(0, 19))
        profiles = []
        for pk in pks:
            draw, habit = rng.random(), "occasional"
            for name, (share, _weeks, _sale) in HABITS.items():
                if draw < share:
                    habit = name
                    break
                draw -= share
            _share, (low, high), (sale_low, sale_high) = HABITS[habit]
            weeks = rng.sample(range(13), rng.randint(low, high))
            visits = rng.uniform(3, 12) if weeks else 0.0
            self.habits[pk] = habit
            profiles.append(Profile(
                subscriber_id=pk, total_visits=len(weeks), activity_day=today,
                active_weeks=sum(1 << w for w in weeks), recent_visits=visits,
                recent_sale_visits=visits * rng.uniform(sale_low, sale_high),
                recent_at=self.at(0, 18), last_visit_at=self.at(0, 18) if weeks else None,
            ))
        Profile.objects.bulk_create(profiles, batch_size=1000)
        now = self.at(0, 19)
        starters = {"loyal": loyal(), "bargain": bargain_hunters()}
        starters.update({f"fans:{tag}": fans_of(tag) for tag in TAGS})
        for key, starter in starters.items():
            self.starter_degrees[key] = dict(degree_queryset(starter.rules, now))
        Profile.objects.filter(subscriber_id__in=pks).delete()

    def check_emerging(self, i: int) -> None:
        """Has the emerging group been suggested yet (with "New subscribers" active)?"""
        if self.emerged_on or i < self.s.emerging[0]:
            return
        refresh_suggestions(self.at(i, 23.2))
        if any(NEW_TAG in tags for tags in SegmentSuggestion.objects.values_list("tags",
                                                                                  flat=True)):
            self.emerged_on = self.s.day(i)
            group = set(self.new_people)
            self.emerged_held = Membership.objects.filter(
                segment=self.segments[len(TAGS)], subscriber_id__in=group, degree__gte=0.5,
            ).count()

    # each day ----------------------------------------------------------------------------

    def change(self, i: int) -> None:
        s, rng = self.s, self.rng
        touched = set()
        for person in self.people.values():
            if person.groups and not person.moved:
                if person.quiet_until == i:
                    touched.add(person.pk)
                elif person.quiet_until < i and rng.random() < s.churn:
                    person.quiet_until = i + rng.randint(2, 10)
                    touched.add(person.pk)
        unsubscribed = []
        for pk, where in self.moves.get(i, ()):
            self.people[pk].moved = where
            touched.add(pk)
            if where == "lapsed":
                self.lapsed.add(pk)
            elif where == "unsubscribed":
                unsubscribed.append(pk)
        if i == s.emerging[0]:
            n = round(s.emerging[1] * s.size)
            self.new_people = self._subscribers(n, s.size, self.at(i, 6))
            for pk in self.new_people:
                self.people[pk] = Person(pk, ())
                TagAffinity.objects.create(subscriber_id=pk, tag=NEW_TAG, score=MEMBER_SCORE,
                                           views=5, updated_at=self.at(i, 18))
        self._write_scores(sorted(touched), i)
        if unsubscribed:
            Subscriber.objects.filter(pk__in=unsubscribed).update(
                status=Subscriber.Status.UNSUBSCRIBED)
        Subscriber.objects.filter(endpoint__startswith=f"{ENDPOINT_PREFIX}scenario{s.seed}/") \
            .exclude(pk__in=self.lapsed).update(last_seen_at=self.at(i, 12))

    def push(self, i: int) -> None:
        if not self.s.pushes_on(i):
            return
        sent_at = self.at(i, 19.5)
        rows = []
        for index, segment in enumerate(self.segments[:len(TAGS)]):
            campaign = Campaign.objects.create(
                title=f"[Scenario] {segment.name} day {i}", body="A planted push.",
                url=f"/scenario/{index}/", status=Campaign.Status.SENT,
                created_at=sent_at, queued_at=sent_at, finished_at=sent_at)
            target = CampaignTarget.objects.create(campaign=campaign, segment=segment,
                                                   sort_order=0)
            rate = self.s.click_rate(index, i)
            clicked_at = sent_at + timedelta(minutes=30)
            for subscriber_id, degree in Membership.objects.filter(segment=segment).order_by(
                    "subscriber_id").values_list("subscriber_id", "degree"):
                clicked = self.rng.random() < rate
                rows.append((campaign.pk, subscriber_id, target.pk, degree, sent_at,
                             clicked_at if clicked else None))
        insert_deliveries(rows)

    def run(self) -> "ScenarioResult":
        remove_scenarios()
        with override_settings(WAGTAIL_PUSHSEG={
                **_pushseg_settings(), "TAG_HALF_LIFE_DAYS": 1e9}):
            with transaction.atomic():
                self.populate()
            for i in range(DAYS):
                with transaction.atomic():
                    self.change(i)
                    refresh_all(self.at(i, 19))
                    self.push(i)
                    take_snapshot(self.s.day(i), now=self.at(i, 23), capture=True)
                    run_alerts(self.s.day(i), now=self.at(i, 23.5))
                    self.check_emerging(i)
        return ScenarioResult.collect(self)


def remove_scenarios() -> None:
    """Delete what earlier scenarios made (their campaigns, subscribers and segments)."""
    Campaign.objects.filter(title__startswith="[Scenario]").delete()
    Subscriber.objects.filter(endpoint__startswith=f"{ENDPOINT_PREFIX}scenario").delete()
    Segment.objects.filter(slug__regex=r"^sc[0-9]+-").delete()
    SegmentSuggestion.objects.filter(
        pk__in=[pk for pk, tags in SegmentSuggestion.objects.values_list("pk", "tags")
                if set(tags) & {*TAGS, NEW_TAG}]).delete()


def _pushseg_settings() -> dict:
    from django.conf import settings

    return dict(getattr(settings, "WAGTAIL_PUSHSEG", {}))


def insert_deliveries(rows: list[tuple]) -> None:
    """Sent deliveries in one ``executemany`` (Django's ``bulk_create`` is several times
    slower at a few hundred thousand rows)."""
    if not rows:
        return
    meta = Delivery._meta
    quote = connection.ops.quote_name
    columns = ["campaign", "subscriber", "target", "degree", "sent_at", "clicked_at",
               "status", "attempts", "status_code", "reason", "variant"]
    fields = [meta.get_field(name) for name in columns]
    sql = (f"INSERT INTO {quote(meta.db_table)} ("
           + ", ".join(quote(f.column) for f in fields) + ") VALUES ("
           + ", ".join(["%s"] * len(fields)) + ")")
    sent = Delivery.Status.SENT.value
    moments: dict = {None: None}
    for row in rows:  # a push's moments are shared by its rows: prepare each once
        for moment in row[4:6]:
            if moment not in moments:
                moments[moment] = fields[4].get_db_prep_save(moment, connection)
    values = [(c, s, t, d, moments[at], moments[clicked], sent, 1, 201, "", 0)
              for c, s, t, d, at, clicked in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


@dataclass
class ScenarioResult:
    """What the machinery recorded for one scenario: the segments' daily series, the alerts
    it opened, and the planted truth to score them against."""

    scenario: Scenario
    segment_ids: list[int]
    names: dict[int, str]
    series: dict[int, list[tuple[date, int, int, int]]]  # day, members, pushes, clicks
    alerts: list[tuple[int, str, date, dict]]  # segment, kind, opened on, numbers
    reach_25: date | None
    source_members: int
    #: ``{starter: {pk: degree}}`` on the first day, the planted groups and visit habits.
    starter_degrees: dict[str, dict[int, float]] = field(default_factory=dict)
    groups: dict[int, tuple[int, ...]] = field(default_factory=dict)
    habits: dict[int, str] = field(default_factory=dict)
    emerged_on: date | None = None
    emerged_held: int = 0

    @classmethod
    def collect(cls, run: ScenarioRun) -> "ScenarioResult":
        ids = [segment.pk for segment in run.segments]
        series = {pk: [] for pk in ids}
        for row in SegmentDay.objects.filter(segment_id__in=ids).order_by("day"):
            series[row.segment_id].append((row.day, row.members, row.pushes, row.clicks))
        alerts = [(a.segment_id, a.kind, a.opened_on, a.numbers)
                  for a in SegmentAlert.objects.filter(segment_id__in=ids).order_by("opened_on")]
        moved, reach = 0, None
        for i in range(DAYS):
            moved += len(run.moves.get(i, ()))
            if reach is None and moved >= 0.25 * run.source_members:
                reach = run.s.day(i)
        return cls(run.s, ids, {s.pk: s.name for s in run.segments}, series, alerts, reach,
                   run.source_members, run.starter_degrees,
                   {pk: p.groups for pk, p in run.people.items()}, run.habits,
                   run.emerged_on, run.emerged_held)


def run_scenario(scenario: Scenario) -> ScenarioResult:
    return ScenarioRun(scenario).run()
