"""Audience planning: one set-based statement writes one Delivery per (campaign, subscriber).

Each target contributes its candidates (members whose degree reaches the segment's threshold,
or the campaign's minimum degree); excluded segments' members and inactive subscribers are left
out; a window function keeps, per subscriber, the one target that wins focus (the editor's order,
or the strongest degree with ties by order). ``ON CONFLICT DO NOTHING`` on the unique
(campaign, subscriber) key makes planning twice harmless.

The SQL is built from an :class:`Audience` (plain data), so the composer's live preview of an
unsaved campaign and the planning of a saved one share one definition of focus and exclusion.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from ..conf import pushseg_settings
from ..models import Campaign, Delivery, Membership, Segment, Subscriber
from ..segments.compiler import all_degrees_sql
from ..sql import degrees_at_least, table


@dataclass(frozen=True)
class Candidates:
    """The SQL of one target's candidates: (subscriber_id, degree)."""

    target_id: int
    sort_order: int
    sql: str
    params: tuple


@dataclass(frozen=True)
class AudienceTarget:
    """One target as plain data: ``key`` names it in the results (a target id, or a position
    for an unsaved campaign); targets are ranked by ``sort_order``."""

    key: int
    sort_order: int
    segment: Segment


@dataclass(frozen=True)
class Audience:
    """What decides who a campaign reaches, saved or not."""

    targets: tuple[AudienceTarget, ...]
    excluded_segment_ids: tuple[int, ...] = ()
    focus: str = Campaign.Focus.PRIORITY
    min_degree: float | None = None
    #: The repush guard: readers sent a push about this page (by another campaign than
    #: ``campaign_id``) since ``repushed_since`` are left out.
    repushed_page_id: int | None = None
    repushed_since: datetime | None = None
    campaign_id: int | None = None

    @classmethod
    def of(cls, campaign: Campaign, guard: bool = True) -> "Audience":
        """The audience of a saved campaign; ``guard=False`` leaves the repush guard out
        (to count whom it skips)."""
        targets = campaign.targets.select_related("segment").order_by("sort_order", "pk")
        hours = pushseg_settings.REPUSH_GUARD_HOURS
        guarded = guard and hours and campaign.page_id and not campaign.repush_anyway
        return cls(
            targets=tuple(AudienceTarget(t.pk, t.sort_order or 0, t.segment) for t in targets),
            excluded_segment_ids=tuple(s.pk for s in campaign.excluded_segments.all()),
            focus=campaign.focus,
            min_degree=campaign.min_degree,
            repushed_page_id=campaign.page_id if guarded else None,
            repushed_since=timezone.now() - timedelta(hours=hours) if guarded else None,
            campaign_id=campaign.pk,
        )


def _as_audience(campaign: "Campaign | Audience") -> Audience:
    return campaign if isinstance(campaign, Audience) else Audience.of(campaign)


def _target_sql(target: AudienceTarget, min_degree: float | None,
                now: datetime | None) -> Candidates:
    segment = target.segment
    floor = segment.threshold if min_degree is None else min_degree
    if floor >= segment.threshold:
        # Stored memberships hold everyone at or above the threshold.
        sql = (f"SELECT subscriber_id, degree FROM {table(Membership)} "
               "WHERE segment_id = %s AND degree >= %s")
        params: tuple = (segment.pk, floor)
    else:
        # Below the threshold nobody is stored: evaluate the rules afresh.
        sql, params = degrees_at_least(*all_degrees_sql(segment, now), floor)
    return Candidates(target.key, target.sort_order, sql, params)


def target_candidates(campaign: "Campaign | Audience",
                      now: datetime | None = None) -> list[Candidates]:
    audience = _as_audience(campaign)
    return [_target_sql(t, audience.min_degree, now) for t in audience.targets]


def candidates_sql(campaign: "Campaign | Audience",
                   now: datetime | None = None) -> tuple[str, tuple]:
    """SELECT (subscriber_id, target_id, sort_order, degree): every target's candidates among
    active subscribers outside the excluded segments, before focus (a subscriber may appear
    once per target)."""
    audience = _as_audience(campaign)
    candidates = target_candidates(audience, now)
    if not candidates:
        return ("SELECT NULL AS subscriber_id, NULL AS target_id, NULL AS sort_order, "
                "NULL AS degree WHERE 1 = 0"), ()
    parts, params = [], []
    for c in candidates:
        parts.append(f"SELECT t.subscriber_id, %s AS target_id, %s AS sort_order, t.degree "
                     f"FROM ({c.sql}) t")
        params += [c.target_id, c.sort_order, *c.params]
    subscriber, membership = table(Subscriber), table(Membership)
    params.append(Subscriber.Status.ACTIVE)
    exclusion = ""
    excluded = list(audience.excluded_segment_ids)
    if excluded:
        marks = ", ".join(["%s"] * len(excluded))
        exclusion = (f"AND NOT EXISTS (SELECT 1 FROM {membership} x WHERE x.subscriber_id = "
                     f"cand.subscriber_id AND x.segment_id IN ({marks}))")
        params += excluded
    if audience.repushed_page_id is not None:
        # The repush guard, in the same statement: no per-row look-up.
        delivery, campaign_table = table(Delivery), table(Campaign)
        exclusion += (
            f" AND NOT EXISTS (SELECT 1 FROM {delivery} pd JOIN {campaign_table} pc "
            "ON pc.id = pd.campaign_id WHERE pd.subscriber_id = cand.subscriber_id "
            "AND pc.page_id = %s AND pc.id <> %s AND pd.status = %s AND pd.sent_at >= %s)")
        params += [audience.repushed_page_id, audience.campaign_id or 0,
                   Delivery.Status.SENT,
                   connection.ops.adapt_datetimefield_value(audience.repushed_since)]
    sql = (
        "SELECT cand.subscriber_id, cand.target_id, cand.sort_order, cand.degree "
        f"FROM ({' UNION ALL '.join(parts)}) cand "
        f"JOIN {subscriber} s ON s.id = cand.subscriber_id AND s.status = %s "
        f"WHERE 1 = 1 {exclusion}"
    )
    return sql, tuple(params)


def audience_sql(campaign: "Campaign | Audience",
                 now: datetime | None = None) -> tuple[str, tuple]:
    """SELECT (subscriber_id, target_id, degree) of the planned audience, one row a subscriber."""
    audience = _as_audience(campaign)
    if not audience.targets:
        return "SELECT NULL AS subscriber_id, NULL AS target_id, NULL AS degree WHERE 1 = 0", ()
    inner_sql, params = candidates_sql(audience, now)
    order = ("cand.sort_order ASC" if audience.focus == Campaign.Focus.PRIORITY
             else "cand.degree DESC, cand.sort_order ASC")
    sql = (
        "SELECT ranked.subscriber_id, ranked.target_id, ranked.degree FROM ("
        "SELECT cand.subscriber_id, cand.target_id, cand.degree, "
        f"ROW_NUMBER() OVER (PARTITION BY cand.subscriber_id ORDER BY {order}) AS rank "
        f"FROM ({inner_sql}) cand"
        ") ranked WHERE ranked.rank = 1"
    )
    return sql, params


def plan_deliveries(campaign: Campaign, now: datetime | None = None) -> int:
    """Write the campaign's deliveries; returns how many rows the statement inserted."""
    select_sql, params = audience_sql(campaign, now)
    sql = (
        f"INSERT INTO {table(Delivery)} "
        "(campaign_id, subscriber_id, target_id, degree, status, attempts, reason) "
        f"SELECT %s, a.subscriber_id, a.target_id, a.degree, %s, 0, '' FROM ({select_sql}) a "
        # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT to parse it.
        "WHERE 1 = 1 ON CONFLICT (campaign_id, subscriber_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (campaign.pk, Delivery.Status.PENDING, *params))
        return cursor.rowcount


def audience_counts(campaign: "Campaign | Audience",
                    now: datetime | None = None) -> dict[int, int]:
    """Per target id (or key), how many subscribers it would reach after focus and
    exclusions."""
    select_sql, params = audience_sql(campaign, now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a.target_id, COUNT(*) FROM ({select_sql}) a GROUP BY a.target_id",
                       params)
        return {target_id: count for target_id, count in cursor.fetchall()}


def repushed_count(campaign: Campaign) -> int:
    """How many of the campaign's audience the repush guard skips (0 without a guard)."""
    guarded = Audience.of(campaign)
    if guarded.repushed_page_id is None:
        return 0
    everyone = sum(audience_counts(Audience.of(campaign, guard=False)).values())
    return everyone - sum(audience_counts(guarded).values())


def audience_from_ids(segment_ids: Sequence[int], excluded_ids: Sequence[int] = (),
                      focus: str = Campaign.Focus.PRIORITY,
                      min_degree: float | None = None) -> Audience:
    """An audience from plain segment ids in priority order (keys are the positions 0, 1, …);
    unknown ids are skipped."""
    segments = Segment.objects.in_bulk(set(segment_ids))
    targets = tuple(
        AudienceTarget(position, position, segments[pk])
        for position, pk in enumerate(segment_ids) if pk in segments
    )
    return Audience(targets, tuple(excluded_ids), focus, min_degree)
