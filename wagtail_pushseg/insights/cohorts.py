"""Where a segment's members of four and eight weeks ago went.

The daily snapshot packs each segment's member ids once a week (``SegmentMembersWeek``; see
its docstring for the storage cost). A cohort is the members of such a weekly point; their
destinations today are, in this order: still in the segment, unsubscribed (or gone),
lapsed (no visit for ``LAPSED_DAYS``, or in a segment with the slug ``lapsed``), in another
segment (each named), or in no segment at all.
"""

import zlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from ..models import Membership, Segment, SegmentMembersWeek, Subscriber


#: Days between two packed member sets.
WEEK_DAYS = 7
#: Weekly sets kept: eight weeks back, and the week a daily job might have missed.
WEEKS_KEPT = 9
#: The windows the cohort view and the loss alert look back over.
COHORT_WEEKS = (4, 8)
#: No visit for this long counts as lapsed (the starter "Lapsed" segment says about five weeks).
LAPSED_DAYS = 35
LAPSED_SLUG = "lapsed"

STILL, UNSUBSCRIBED, LAPSED, NOWHERE = "still", "unsubscribed", "lapsed", "nowhere"


def pack(ids) -> bytes:
    ids = sorted(ids)
    deltas = array("I", (b - a for a, b in zip([0, *ids], ids, strict=False)))
    return zlib.compress(deltas.tobytes(), 6)


def unpack(data: bytes | memoryview) -> list[int]:
    deltas = array("I")
    deltas.frombytes(zlib.decompress(bytes(data)))
    ids, total = [], 0
    for delta in deltas:
        total += delta
        ids.append(total)
    return ids


def take_weekly(day: date) -> bool:
    """Pack every segment's current members as ``day``'s set if the newest set is a week old
    (or there is none); prune the sets past ``WEEKS_KEPT`` weeks. Returns whether it packed."""
    newest = (SegmentMembersWeek.objects.filter(day__lte=day).order_by("-day")
              .values_list("day", flat=True).first())
    if newest is not None and (day - newest).days < WEEK_DAYS:
        return False
    members: dict[int, list[int]] = {pk: [] for pk in Segment.objects.values_list("pk", flat=True)}
    for segment_id, subscriber_id in Membership.objects.values_list("segment_id",
                                                                    "subscriber_id"):
        members.setdefault(segment_id, []).append(subscriber_id)
    SegmentMembersWeek.objects.filter(day=day).delete()
    SegmentMembersWeek.objects.bulk_create(
        SegmentMembersWeek(segment_id=pk, day=day, members=len(ids), packed_ids=pack(ids))
        for pk, ids in members.items()
    )
    SegmentMembersWeek.objects.filter(
        day__lte=day - timedelta(days=WEEK_DAYS * WEEKS_KEPT + WEEK_DAYS)).delete()
    return True


def cohort(segment_id: int, day: date, weeks: int) -> SegmentMembersWeek | None:
    """The newest weekly set at least ``weeks`` weeks before ``day`` (within a week)."""
    latest = day - timedelta(weeks=weeks)
    return (SegmentMembersWeek.objects.filter(
        segment_id=segment_id, day__lte=latest, day__gt=latest - timedelta(days=WEEK_DAYS))
        .order_by("-day").first())


@dataclass
class Destinations:
    """Where the ``members`` of ``since`` are on the day asked about."""

    since: date
    weeks: int
    members: int
    counts: Counter = field(default_factory=Counter)
    #: {segment id: members of the cohort now in it}, other segments only.
    others: Counter = field(default_factory=Counter)

    @property
    def left(self) -> int:
        return self.members - self.counts[STILL]

    def share(self, key: str) -> float:
        return self.counts[key] / self.members if self.members else 0.0


def destinations(segment_id: int, day: date, weeks_list=COHORT_WEEKS,
                 now: datetime | None = None) -> list[Destinations]:
    """The destinations of the segment's cohorts of each of ``weeks_list`` weeks before ``day``
    (today's memberships), the windows without a weekly set left out."""
    now = now or timezone.now()
    found_or_not = [(weeks, cohort(segment_id, day, weeks)) for weeks in weeks_list]
    cohorts = [(weeks, row) for weeks, row in found_or_not if row is not None]
    if not cohorts:
        return []
    ids = set()
    for _weeks, row in cohorts:
        ids.update(unpack(row.packed_ids))
    lapsed_segments = set(Segment.objects.filter(slug=LAPSED_SLUG).values_list("pk", flat=True))
    where: dict[int, set[int]] = {}
    for member_segment, subscriber_id in Membership.objects.values_list("segment_id",
                                                                        "subscriber_id"):
        if subscriber_id in ids:
            where.setdefault(subscriber_id, set()).add(member_segment)
    active = dict(Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
                  .values_list("pk", "last_seen_at"))
    lapsed_before = now - timedelta(days=LAPSED_DAYS)
    found = []
    for weeks, row in cohorts:
        result = Destinations(row.day, weeks, row.members)
        for subscriber_id in unpack(row.packed_ids):
            now_in = where.get(subscriber_id, set())
            if segment_id in now_in:
                result.counts[STILL] += 1
            elif subscriber_id not in active:
                result.counts[UNSUBSCRIBED] += 1
            elif now_in & lapsed_segments or (
                    active[subscriber_id] and active[subscriber_id] < lapsed_before):
                result.counts[LAPSED] += 1
            elif now_in:
                # Someone now in several other segments counts once for each of them.
                result.counts["other"] += 1
                result.others.update(now_in)
            else:
                result.counts[NOWHERE] += 1
        found.append(result)
    return found
