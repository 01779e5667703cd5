"""Suggested segments: behaviour that no active segment covers yet.

Three kinds of group, each turned into a :class:`~wagtail_pushseg.models.SegmentSuggestion`
with its size, growth, overlap with the active segments, a name, an explanation and the rules
of a draft segment:

- **tag**: subscribers with a strong interest in one tag (decayed affinity of at least
  ``SUGGESTION_MIN_AFFINITY`` points);
- **pair**: subscribers strong in two tags that are read together (at least
  ``SUGGESTION_PAIR_SHARE`` of the smaller tag's strong readers are strong in the other);
- **rising**: a tag whose readers in the last 14 days are ``SUGGESTION_RISING_FACTOR`` times
  its readers per fortnight in the four weeks before (the mean of the two fortnights: distinct
  readers over 28 days would count the same loyal readers once, not twice, and make a steady
  tag look like it halved).

A group is suggested when it has ``SUGGESTION_MIN_SIZE`` subscribers of whom at least
``SUGGESTION_UNCOVERED_SHARE`` are in no active *interest* segment (at ``SUGGESTION_MIN_DEGREE``
or more). A segment is about interests when one of its rules is (``Rule.about_interests``:
tags read, custom events; a member-of rule counts as its segment does); the others are
lifecycle segments (new, loyal, lapsed, by device) and say nothing about what a group reads,
so sitting in "New subscribers" does not make a new interest old news. The suggestion still
lists every active segment it overlaps, each marked as about interests or not.

Readership over time comes from the page-view events, not the affinities: an affinity keeps
only its last update, so "readers in the 28 days before the last 14" cannot be rebuilt from
it, while each event keeps the page's tags as they were when it was viewed.

Cost is bounded and independent of per-subscriber work: a handful of statements (strong
readers of the top ``SUGGESTION_TOP_TAGS`` tags, readers per tag and window, the active
memberships), then set operations in Python over at most top-N tags and their pairs.

The strong-interest groups are defined exactly as the suggested rule defines its members
(``tag_interest`` ramping from min − 1 to min + 1 points, threshold 0.5: a member from ``min``
points), so a draft segment made from a suggestion, refreshed at the same moment, holds the
group.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from ..conf import pushseg_settings
from ..models import Event, Membership, Segment, SegmentSuggestion, Subscriber, TagAffinity
from ..segments.parse import rule_tree
from ..sql import Float, decayed_score, table


logger = logging.getLogger(__name__)

#: The recent window, and the windows of the same length before it that make the baseline.
RECENT_DAYS = 14
BASELINE_WINDOWS = 2
#: Rising tags looked at, the fastest first (bounds the rows read for them).
MAX_RISING = 10
#: Threshold of every suggested segment (the ramps below are built around it).
THRESHOLD = 0.5


@dataclass
class Found:
    """One group as found today, before it is stored."""

    kind: str
    tags: tuple[str, ...]
    members: set[int]
    recent: int = 0
    baseline: float = 0.0
    uncovered: int = 0
    overlaps: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}:{'+'.join(self.tags)}"

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def growth(self) -> float | None:
        return growth(self.recent, self.baseline)


def growth(recent: int, baseline: float) -> float | None:
    """Readers in the last 14 days ÷ readers per fortnight before; None: new."""
    if not baseline:
        return None
    return recent / baseline


# --- Reading the data (a few bulk statements) ------------------------------------------


def _strong_affinities(now: datetime):
    minimum = pushseg_settings.SUGGESTION_MIN_AFFINITY
    # A raw score below the minimum can only be lower once decayed: the index on (tag,
    # score) skips those rows before any arithmetic.
    return (
        TagAffinity.objects.filter(
            subscriber__status=Subscriber.Status.ACTIVE, score__gte=minimum
        )
        # The score at ``now`` exactly as a tag-interest rule reads it.
        .annotate(now_score=decayed_score(now, pushseg_settings.TAG_HALF_LIFE_DAYS))
        .filter(now_score__gte=Float(minimum))
        .order_by()
    )


def strong_readers(now: datetime, top: int | None = None) -> dict[str, set[int]]:
    """``{tag: subscriber ids}`` of the ``top`` tags with the most strong readers."""
    top = top or pushseg_settings.SUGGESTION_TOP_TAGS
    affinities = _strong_affinities(now)
    tags = [
        row["tag"] for row in affinities.values("tag").annotate(n=Count("pk"))
        .order_by("-n", "tag")[:top]
    ]
    readers: dict[str, set[int]] = {tag: set() for tag in tags}
    for tag, subscriber_id in affinities.filter(tag__in=tags).values_list("tag", "subscriber_id"):
        readers[tag].add(subscriber_id)
    return readers


def _window_starts(now: datetime) -> list[datetime]:
    """Where the recent fortnight and each baseline fortnight begin, newest first."""
    return [now - timedelta(days=RECENT_DAYS * (i + 1)) for i in range(BASELINE_WINDOWS + 1)]


def _page_view_tags_sql(select: str, where: str = "", group: str = "") -> str:
    """Page views of active subscribers in the windows, one row per tag (``j.value``) and
    ``w`` the window (0: recent), on either database: events keep their pages' tags as JSON."""
    event, subscriber = table(Event), table(Subscriber)
    unnest = (
        "jsonb_array_elements_text(e.tags) AS j(value)" if connection.vendor == "postgresql"
        else "json_each(e.tags) AS j"
    )
    window = " ".join(
        f"WHEN e.occurred_at >= %s THEN {i}" for i in range(BASELINE_WINDOWS)
    )
    return (
        f"SELECT {select} FROM (SELECT j.value AS tag, e.subscriber_id AS subscriber_id, "
        f"CASE {window} ELSE {BASELINE_WINDOWS} END AS w "
        f"FROM {event} e JOIN {subscriber} s ON s.id = e.subscriber_id, {unnest} "
        "WHERE e.kind = %s AND s.status = %s AND e.occurred_at >= %s AND e.occurred_at < %s "
        f"{where}) v {group}"
    )


def _window_params(now: datetime) -> list:
    adapt = connection.ops.adapt_datetimefield_value
    starts = [adapt(start) for start in _window_starts(now)]
    return [*starts[:-1], Event.Kind.PAGE_VIEW, Subscriber.Status.ACTIVE, starts[-1], adapt(now)]


def readers_per_tag(now: datetime) -> dict[str, tuple[int, float]]:
    """``{tag: (readers in the last 14 days, mean readers per fortnight before)}`` for every
    tag read in the windows, from one grouped statement."""
    counts = ", ".join(
        f"COUNT(DISTINCT CASE WHEN w = {i} THEN subscriber_id END)"
        for i in range(BASELINE_WINDOWS + 1)
    )
    sql = _page_view_tags_sql(f"tag, {counts}", group="GROUP BY tag")
    with connection.cursor() as cursor:
        cursor.execute(sql, _window_params(now))
        return {
            tag: (recent, sum(before) / BASELINE_WINDOWS)
            for tag, recent, *before in cursor.fetchall()
        }


def readers_by_window(now: datetime, tags: Iterable[str]) -> list[dict[str, set[int]]]:
    """``[{tag: subscriber ids}]`` per window (0: the last 14 days, then each fortnight
    before), for ``tags`` only (one statement)."""
    tags = sorted(set(tags))
    windows: list[dict[str, set[int]]] = [defaultdict(set) for _ in range(BASELINE_WINDOWS + 1)]
    if not tags:
        return windows
    sql = _page_view_tags_sql(
        "DISTINCT tag, subscriber_id, w",
        where=f"AND j.value IN ({', '.join(['%s'] * len(tags))})",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_window_params(now), *tags])
        for tag, subscriber_id, window in cursor.fetchall():
            windows[window][tag].add(subscriber_id)
    return windows


def active_memberships() -> dict[int, set[int]]:
    """``{segment id: subscriber ids}`` of the active segments' members at the minimum
    degree (one statement)."""
    members: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(
        segment__active=True, degree__gte=pushseg_settings.SUGGESTION_MIN_DEGREE,
        subscriber__status=Subscriber.Status.ACTIVE,
    ).order_by().values_list("segment_id", "subscriber_id")
    for segment_id, subscriber_id in rows:
        members[segment_id].add(subscriber_id)
    return members


def interest_segment_ids(segment_ids: Iterable[int]) -> set[int]:
    """The segments among ``segment_ids`` whose rules say something about interests; a
    member-of rule counts when its segment does (followed through chains, cycles ignored)."""
    trees = {pk: rule_tree(rules) for pk, rules in Segment.objects.values_list("pk", "rules")}

    def about(pk: int, seen: frozenset[int]) -> bool:
        tree = trees.get(pk)
        if tree is None or pk in seen:
            return False
        return tree.about_interests() or any(
            about(other, seen | {pk}) for other in tree.segment_ids()
        )

    return {pk for pk in segment_ids if about(pk, frozenset())}


# --- Finding the groups (set maths) ----------------------------------------------------


def find_groups(now: datetime | None = None) -> list[Found]:
    """Today's uncovered groups, largest first (nothing is stored)."""
    now = now or timezone.now()
    settings = pushseg_settings
    min_size = settings.SUGGESTION_MIN_SIZE
    strong = strong_readers(now)
    candidates: list[Found] = []

    pairs: list[Found] = []
    for a, b in combinations(sorted(strong), 2):
        both = strong[a] & strong[b]
        smaller = min(len(strong[a]), len(strong[b]))
        if len(both) >= min_size and len(both) >= settings.SUGGESTION_PAIR_SHARE * smaller:
            pairs.append(Found(SegmentSuggestion.Kind.PAIR, (a, b), both))
    candidates += pairs
    candidates += [
        Found(SegmentSuggestion.Kind.TAG, (tag,), members)
        for tag, members in strong.items() if len(members) >= min_size
    ]

    counts = readers_per_tag(now)
    factor = settings.SUGGESTION_RISING_FACTOR
    rising = sorted(
        (tag for tag, (recent, baseline) in counts.items() if recent >= min_size
         and (not baseline or growth(recent, baseline) >= factor)),
        key=lambda tag: (-(growth(*counts[tag]) or float("inf")), -counts[tag][0], tag),
    )[:MAX_RISING]

    tags = {t for found in candidates for t in found.tags} | set(rising)
    recent, *before = readers_by_window(now, tags)
    candidates += [
        Found(SegmentSuggestion.Kind.RISING, (tag,), set(recent[tag])) for tag in rising
    ]
    for found in candidates:
        # A pair's readers in a window: subscribers who read both tags in it.
        found.recent = len(set.intersection(*(recent[t] for t in found.tags)))
        found.baseline = sum(
            len(set.intersection(*(window[t] for t in found.tags))) for window in before
        ) / BASELINE_WINDOWS

    segments = active_memberships()
    interests = interest_segment_ids(segments)
    covered = set().union(*(m for pk, m in segments.items() if pk in interests))
    names = dict(Segment.objects.filter(pk__in=segments).values_list("pk", "name"))
    suggested: list[Found] = []
    for found in candidates:
        found.uncovered = len(found.members - covered)
        if found.size < min_size or found.uncovered < (
            settings.SUGGESTION_UNCOVERED_SHARE * found.size
        ):
            continue
        found.overlaps = sorted(
            ({"segment_id": pk, "name": names.get(pk, ""), "members": len(found.members & m),
              "about_interests": pk in interests}
             for pk, m in segments.items() if found.members & m),
            key=lambda o: (-o["members"], o["name"]),
        )
        suggested.append(found)
    return _without_repeats(suggested)


def _without_repeats(found: list[Found]) -> list[Found]:
    """Drop a one-tag group a suggested pair already describes (most of it reads the other
    tag too: the pair is the sharper segment), and a rising tag that is suggested as a
    strong interest already (its growth shows there)."""
    pair_share = pushseg_settings.SUGGESTION_PAIR_SHARE
    pairs = [f for f in found if f.kind == SegmentSuggestion.Kind.PAIR]
    strong_tags = {f.tags[0] for f in found if f.kind == SegmentSuggestion.Kind.TAG}
    kept = []
    for f in found:
        if f.kind == SegmentSuggestion.Kind.TAG and any(
            f.tags[0] in p.tags and p.size >= max(pair_share, 0.8) * f.size for p in pairs
        ):
            continue
        if f.kind == SegmentSuggestion.Kind.RISING and (
            f.tags[0] in strong_tags or any(f.tags[0] in p.tags for p in pairs)
        ):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: (-f.size, f.key))


# --- Words and rules -------------------------------------------------------------------


def _and(tags: tuple[str, ...]) -> str:
    return " and ".join(tags)


def growth_words(recent: int, baseline: float) -> str:
    """"up 3× in two weeks", "new in the last two weeks", "steady", "down to 25 %"."""
    g = growth(recent, baseline)
    if g is None:
        return "new in the last two weeks" if recent else "no recent readers"
    if g >= 1.5:
        return f"up {g:.1f}× in two weeks".replace(".0×", "×")
    if g <= 2 / 3:
        return f"down to {g:.0%} of before in two weeks"
    return "steady over the last six weeks"


def name_for(found: Found) -> str:
    if found.kind == SegmentSuggestion.Kind.PAIR:
        return f"Read {_and(found.tags)}"[:100]
    if found.kind == SegmentSuggestion.Kind.RISING:
        return f"New readers of {found.tags[0]}"[:100]
    return f"Fans of {found.tags[0]}"[:100]


def explanation_for(found: Found) -> str:
    share = found.uncovered / found.size if found.size else 0.0
    trend = growth_words(found.recent, found.baseline)
    if found.kind == SegmentSuggestion.Kind.PAIR:
        who = f"{found.size} subscribers read both {_and(found.tags)}"
    elif found.kind == SegmentSuggestion.Kind.RISING:
        who = f"{found.size} subscribers read about {found.tags[0]} in the last two weeks"
    else:
        who = f"{found.size} subscribers read a lot about {found.tags[0]}"
    return f"{who}; {share:.0%} are in no segment about interests{overlap_words(found)}; {trend}."


def overlap_words(found: Found) -> str:
    """Why the group is new although it overlaps segments: the lifecycle segments it sits in
    say nothing about what it reads. Empty when it overlaps none."""
    lifecycle = [o for o in found.overlaps if not o.get("about_interests")]
    if not lifecycle:
        return ""
    names = ", ".join(f"{o['members']} in {o['name']}" for o in lifecycle[:3])
    return f" ({names}: a lifecycle segment, not about interests)"


def rules_for(found: Found) -> list[dict]:
    """The draft segment's rules, as its StreamField stores them (threshold 0.5)."""
    if found.kind == SegmentSuggestion.Kind.RISING:
        # Members from half a point: a view within about a half-life, as "recent readers".
        starts_at, full_at = 0.0, 1.0
    else:
        # Members (degree 0.5) exactly from the minimum points, as the group was found.
        minimum = pushseg_settings.SUGGESTION_MIN_AFFINITY
        starts_at, full_at = max(0.0, minimum - 1.0), minimum + 1.0
        if minimum < 1.0:
            starts_at, full_at = 0.0, 2 * minimum
    return [{"type": "tag_interest", "value": {
        "tags": list(found.tags), "match": "all", "starts_at": starts_at, "full_at": full_at,
    }}]


# --- Storing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionsRefreshed:
    found: int
    created: int
    updated: int
    removed: int


def refresh_suggestions(now: datetime | None = None) -> SuggestionsRefreshed:
    """Find today's groups and store them: new ones open, known ones get fresh numbers
    (dismissed stay dismissed, accepted stay accepted), open ones no longer found go."""
    now = now or timezone.now()
    found = find_groups(now)
    with transaction.atomic():
        existing = {s.key: s for s in SegmentSuggestion.objects.select_for_update()}
        created, updated = [], []
        for group in found:
            values = {
                "kind": group.kind, "tags": list(group.tags), "name": name_for(group),
                "explanation": explanation_for(group), "size": group.size,
                "uncovered": group.uncovered, "recent_readers": group.recent,
                "baseline_readers": group.baseline, "growth": group.growth,
                "overlaps": group.overlaps, "rules": rules_for(group), "refreshed_at": now,
            }
            row = existing.get(group.key)
            if row is None:
                created.append(SegmentSuggestion(key=group.key, first_found_at=now, **values))
                continue
            for name, value in values.items():
                setattr(row, name, value)
            updated.append(row)
        SegmentSuggestion.objects.bulk_create(created)
        if updated:
            SegmentSuggestion.objects.bulk_update(updated, [
                "kind", "tags", "name", "explanation", "size", "uncovered", "recent_readers",
                "baseline_readers", "growth", "overlaps", "rules", "refreshed_at",
            ])
        keys = {g.key for g in found}
        gone = [s.pk for key, s in existing.items()
                if key not in keys and s.status == SegmentSuggestion.Status.OPEN]
        SegmentSuggestion.objects.filter(pk__in=gone).delete()
    result = SuggestionsRefreshed(len(found), len(created), len(updated), len(gone))
    logger.info("Refreshed segment suggestions: %s", result)
    return result


def open_suggestions(limit: int | None = None):
    """Open suggestions, largest first."""
    rows = SegmentSuggestion.objects.filter(status=SegmentSuggestion.Status.OPEN)
    return rows[:limit] if limit else rows
