"""Transitions between segments: subscribers who left one segment and entered another between
two captured membership sets, counted for every pair in one grouped self-join."""

from datetime import date

from django.db import connection

from ..models import MembershipDay, SegmentTransition
from ..sql import table


def count_transitions(day: date, previous: date) -> dict[tuple[int, int], int]:
    """{(from segment, to segment): subscribers} who left the first and entered the second
    between ``previous``'s set and ``day``'s."""
    days = table(MembershipDay)
    ops = connection.ops
    sql = (
        f"SELECT l.segment_id, e.segment_id, COUNT(*) FROM {days} l "
        f"JOIN {days} e ON e.subscriber_id = l.subscriber_id AND e.segment_id <> l.segment_id "
        "WHERE l.day = %s AND e.day = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {days} x WHERE x.day = %s "
        "AND x.segment_id = l.segment_id AND x.subscriber_id = l.subscriber_id) "
        f"AND NOT EXISTS (SELECT 1 FROM {days} y WHERE y.day = %s "
        "AND y.segment_id = e.segment_id AND y.subscriber_id = e.subscriber_id) "
        "GROUP BY l.segment_id, e.segment_id"
    )
    before, after = ops.adapt_datefield_value(previous), ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(sql, (before, after, after, before))
        return {(source, target): n for source, target, n in cursor.fetchall()}


def write_transitions(day: date, counts: dict[tuple[int, int], int]) -> None:
    """Replace ``day``'s transition rows with ``counts``."""
    SegmentTransition.objects.filter(day=day).delete()
    SegmentTransition.objects.bulk_create(
        SegmentTransition(day=day, source_id=source, target_id=target, count=n)
        for (source, target), n in counts.items() if n
    )
