"""The daily snapshot of every segment: members, entered, left, mean degree, pushes, clicks.

Entered and left are net changes between two captured membership sets (``MembershipDay``): the
snapshot copies the memberships with one ``INSERT … SELECT`` and compares it with the set of the
previous snapshot in SQL. The refresh itself is not touched (it runs every few minutes and a
subscriber may flap in and out between two snapshots; editors want the day's net change).
Sets are kept for ``MEMBERSHIP_DAYS_KEPT`` days only; the numbers are kept for good. Once a
week the member ids are also packed for the cohort view (``insights.cohorts``).

Pushes are deliveries *sent* that day for a campaign target on the segment; clicks are the
clicks on those pushes whenever they came, so re-taking a past day's snapshot picks up late
clicks (the daily job re-counts the last ``RECOUNT_DAYS`` days).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from ..models import (
    Campaign,
    Delivery,
    Membership,
    MembershipDay,
    Segment,
    SegmentDay,
    SegmentTagDay,
)
from ..sql import table
from ..tracking.page_tags import page_tags
from .cohorts import take_weekly
from .transitions import count_transitions, write_transitions


#: Days a captured membership set is kept (a past day can be re-taken while its set and the
#: one before it are still there).
MEMBERSHIP_DAYS_KEPT = 8
#: Past days whose pushes and clicks the daily job counts again (clicks arrive late).
RECOUNT_DAYS = 7


@dataclass(frozen=True)
class Snapshot:
    day: date
    previous_day: date | None
    segments: int
    captured: bool


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end of ``day`` in the site's time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def _db_day(day: date):
    return connection.ops.adapt_datefield_value(day)


def capture_memberships(day: date) -> int:
    """Store the current memberships as ``day``'s set (replacing one stored before)."""
    days, source = table(MembershipDay), table(Membership)
    MembershipDay.objects.filter(day=day).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {days} (day, segment_id, subscriber_id, degree) "
            f"SELECT %s, segment_id, subscriber_id, degree FROM {source}",
            (_db_day(day),),
        )
        return max(cursor.rowcount, 0)


def previous_set_day(day: date) -> date | None:
    """The latest day before ``day`` with a captured membership set."""
    return (
        MembershipDay.objects.filter(day__lt=day).order_by("-day")
        .values_list("day", flat=True).first()
    )


def _changes(day: date, previous: date) -> tuple[dict[int, int], dict[int, int]]:
    """Members entered and left per segment between the sets of ``previous`` and ``day``."""
    days = table(MembershipDay)
    sql = (
        f"SELECT a.segment_id, COUNT(*) FROM {days} a WHERE a.day = %s AND NOT EXISTS "
        f"(SELECT 1 FROM {days} b WHERE b.day = %s AND b.segment_id = a.segment_id "
        "AND b.subscriber_id = a.subscriber_id) GROUP BY a.segment_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (_db_day(day), _db_day(previous)))
        entered = dict(cursor.fetchall())
        cursor.execute(sql, (_db_day(previous), _db_day(day)))
        left = dict(cursor.fetchall())
    return entered, left


def campaign_tags(campaign_ids) -> dict[int, list[str]]:
    """The tags of each campaign's page (none for a campaign with a URL only)."""
    campaigns = Campaign.objects.filter(pk__in=campaign_ids).select_related("page")
    return {c.pk: page_tags(c.page) if c.page_id else [] for c in campaigns}


def _push_counts(day: date):
    """(pushes, clicks) per segment, and per (segment, tag), for deliveries sent on ``day``."""
    start, end = day_bounds(day)
    rows = list(
        Delivery.objects.filter(
            status=Delivery.Status.SENT, sent_at__gte=start, sent_at__lt=end,
            target__isnull=False,
        )
        .values("target__segment_id", "campaign_id")
        .annotate(pushes=Count("pk"), clicks=Count("pk", filter=Q(clicked_at__isnull=False)))
        .order_by()
    )
    tags = campaign_tags({row["campaign_id"] for row in rows})
    per_segment: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_tag: defaultdict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        segment_id = row["target__segment_id"]
        per_segment[segment_id][0] += row["pushes"]
        per_segment[segment_id][1] += row["clicks"]
        for tag in tags.get(row["campaign_id"], ()):
            per_tag[(segment_id, tag)][0] += row["pushes"]
            per_tag[(segment_id, tag)][1] += row["clicks"]
    return per_segment, per_tag


def take_snapshot(day: date | None = None, *, now: datetime | None = None,
                  capture: bool | None = None) -> Snapshot:
    """Write ``day``'s history rows for every segment, replacing any taken before.

    ``capture`` (default: only when ``day`` is today) stores the current memberships as the
    day's set first. Without it the membership numbers come from the set stored that day, or,
    once that set is pruned, stay as they were; pushes and clicks are always counted afresh.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    if capture is None:
        capture = day == timezone.localdate(now)
    with transaction.atomic():
        if capture:
            capture_memberships(day)
            take_weekly(day)
        has_set = capture or MembershipDay.objects.filter(day=day).exists()
        previous = previous_set_day(day) if has_set else None
        kept = {row.segment_id: row for row in SegmentDay.objects.filter(day=day)}
        members = {}
        if has_set:
            members = {
                row["segment_id"]: (row["n"], row["mean"])
                for row in MembershipDay.objects.filter(day=day).values("segment_id")
                .annotate(n=Count("pk"), mean=Avg("degree")).order_by()
            }
        entered, left = _changes(day, previous) if previous else ({}, {})
        per_segment, per_tag = _push_counts(day)
        rows = []
        for segment_id in Segment.objects.values_list("pk", flat=True):
            pushes, clicks = per_segment.get(segment_id, (0, 0))
            if has_set:
                count, mean = members.get(segment_id, (0, None))
                came = entered.get(segment_id, 0) if previous else None
                went = left.get(segment_id, 0) if previous else None
            elif segment_id in kept:
                old = kept[segment_id]
                count, mean, came, went = old.members, old.mean_degree, old.entered, old.left
            else:
                count, mean, came, went = 0, None, None, None
            rows.append(SegmentDay(
                segment_id=segment_id, day=day, members=count, entered=came, left=went,
                mean_degree=mean, pushes=pushes, clicks=clicks, taken_at=now,
            ))
        SegmentDay.objects.filter(day=day).delete()
        SegmentDay.objects.bulk_create(rows)
        SegmentTagDay.objects.filter(day=day).delete()
        SegmentTagDay.objects.bulk_create(
            SegmentTagDay(segment_id=segment_id, day=day, tag=tag, pushes=n, clicks=c)
            for (segment_id, tag), (n, c) in per_tag.items()
        )
        if has_set:
            write_transitions(day, count_transitions(day, previous) if previous else {})
        if capture:
            MembershipDay.objects.filter(
                day__lte=day - timedelta(days=MEMBERSHIP_DAYS_KEPT)
            ).delete()
    return Snapshot(day, previous, len(rows), capture)


def daily_history(now: datetime | None = None) -> Snapshot:
    """The scheduled job: today's snapshot (capturing the memberships) and a re-count of the
    days before for late clicks."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    snapshot = take_snapshot(today, now=now, capture=True)
    for back in range(1, RECOUNT_DAYS + 1):
        if SegmentDay.objects.filter(day=today - timedelta(days=back)).exists():
            take_snapshot(today - timedelta(days=back), now=now, capture=False)
    return snapshot
