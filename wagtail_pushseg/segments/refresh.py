"""Write a segment's memberships set-wise: a handful of SQL statements per segment, whatever
the number of subscribers.

1. the degree query runs once, into a temporary table of members (degree ≥ threshold);
2. members who fell out are deleted;
3. an upsert inserts newcomers (``entered_at`` = now) and updates the degree of stayers whose
   degree changed (``entered_at`` kept, ``updated_at`` = now);
4. the segment's ``member_count`` and ``last_refreshed_at`` are updated.

All of it in one transaction, with the segment row locked, so readers see the old or the new
memberships and two workers never refresh the same segment at once.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from ..models import Membership, Segment
from ..sql import degrees_at_least, table
from .compiler import all_degrees_sql, evaluation_time
from .graph import refresh_order
from .parse import InvalidRules


logger = logging.getLogger(__name__)

_TEMP = "pushseg_refresh_members"


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh changed."""

    segment_id: int
    members: int
    entered: int
    left: int
    seconds: float


def refresh_segment(segment: Segment, now: datetime | None = None) -> RefreshResult:
    """Recompute ``segment``'s memberships as of ``now`` (default: now), from its rules as
    saved; ``member_count`` and ``last_refreshed_at`` are updated on the row and on
    ``segment``."""
    started = time.perf_counter()
    now = evaluation_time(now)
    memberships = table(Membership)
    temp = connection.ops.quote_name(_TEMP)
    at = connection.ops.adapt_datetimefield_value(now)
    given = segment
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=given.pk)
        # Members only: the threshold is above 0 (a check constraint).
        members_sql, members_params = degrees_at_least(
            *all_degrees_sql(segment, now), segment.threshold
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temp} "
                "(subscriber_id BIGINT PRIMARY KEY, degree DOUBLE PRECISION NOT NULL)"
            )
            cursor.execute(
                f"INSERT INTO {temp} (subscriber_id, degree) {members_sql}", members_params,
            )
            cursor.execute(
                f"DELETE FROM {memberships} WHERE segment_id = %s AND NOT EXISTS "
                f"(SELECT 1 FROM {temp} t WHERE t.subscriber_id = {memberships}.subscriber_id)",
                (segment.pk,),
            )
            left = max(cursor.rowcount, 0)
            cursor.execute(
                f"SELECT COUNT(*) FROM {temp} t WHERE NOT EXISTS (SELECT 1 FROM {memberships} m "
                "WHERE m.segment_id = %s AND m.subscriber_id = t.subscriber_id)",
                (segment.pk,),
            )
            entered = cursor.fetchone()[0]
            # "WHERE true" lets SQLite parse ON CONFLICT after INSERT … SELECT.
            cursor.execute(
                f"INSERT INTO {memberships} "
                "(segment_id, subscriber_id, degree, entered_at, updated_at) "
                f"SELECT %s, t.subscriber_id, t.degree, %s, %s FROM {temp} t WHERE true "
                "ON CONFLICT (segment_id, subscriber_id) DO UPDATE "
                "SET degree = excluded.degree, updated_at = excluded.updated_at "
                f"WHERE {memberships}.degree <> excluded.degree",
                (segment.pk, at, at),
            )
            cursor.execute(f"SELECT COUNT(*) FROM {temp}")
            members = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {temp}")
        Segment.objects.filter(pk=segment.pk).update(
            member_count=members, last_refreshed_at=now
        )
    given.member_count, given.last_refreshed_at = members, now
    result = RefreshResult(segment.pk, members, entered, left, time.perf_counter() - started)
    logger.info("Refreshed segment %s: %s", segment.pk, result)
    return result


def refresh_all(now: datetime | None = None) -> list[RefreshResult]:
    """Refresh every active segment, each after the segments its rules read (those are
    refreshed too, even when inactive). Segments on a dependency cycle are skipped."""
    segments, graph = {}, {}
    for segment in Segment.objects.all():
        try:
            graph[segment.pk] = segment.depends_on()
        except InvalidRules as error:
            logger.error("Segment %s has unreadable rules, not refreshed: %s", segment.pk, error)
            continue
        segments[segment.pk] = segment
    wanted = [pk for pk, s in segments.items() if s.active]
    order, blocked = refresh_order(graph, wanted)
    for pk in sorted(blocked):
        logger.warning("Segment %s is on a cycle of 'member of' rules; not refreshed", pk)
    now = evaluation_time(now)
    return [refresh_segment(segments[pk], now) for pk in order]
