"""Delivery controls applied to a claimed chunk, just before it is sent: quiet hours and the
frequency cap.

Both are decided when the chunk is claimed rather than at planning because they depend on the
moment of sending: a campaign that takes an hour crosses 21:00 somewhere, and other campaigns
may have reached a subscriber in between. Per chunk this costs one read of the rows'
time zones, one lock statement and one aggregate count of recent pushes for the cap, and one
UPDATE per distinct outcome (a quiet zone, a cap reached); nothing per row.

``hold_back`` runs in the transaction that claimed the chunk (``engine.send_chunk``), so other
chunks only ever see a row as ``sending`` once these controls have let it through.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from ...conf import pushseg_settings
from ...delivery.async_sender import DEFERRED
from ...models import Campaign, Delivery
from ...subscribers.local_time import quiet_until, zones_of


DAY, WEEK = timedelta(days=1), timedelta(days=7)

#: First key of the PostgreSQL advisory locks that make chunks decide the cap of one
#: subscriber one after the other (the second key is the subscriber's id): "pseg".
CAP_LOCK_CLASS = 0x70736567


@dataclass
class HeldBack:
    """What is left of a chunk to send now, and how much was held back."""

    send: list[int] = field(default_factory=list)
    deferred: int = 0
    capped: int = 0


def caps_for(campaign: Campaign) -> tuple[int | None, int | None]:
    """(per day, per week) for this campaign: its own numbers, else the site's settings;
    (None, None) when the campaign ignores the cap."""
    if campaign.ignore_frequency_cap:
        return None, None
    day = campaign.cap_per_day
    week = campaign.cap_per_week
    return (
        pushseg_settings.FREQUENCY_CAP_PER_DAY if day is None else day,
        pushseg_settings.FREQUENCY_CAP_PER_WEEK if week is None else week,
    )


def quiet_hours_for(campaign: Campaign) -> tuple[time, time] | None:
    return None if campaign.ignore_quiet_hours else pushseg_settings.QUIET_HOURS


def hold_back(campaign: Campaign, ids: list[int], now: datetime | None = None) -> HeldBack:
    """Defer the claimed deliveries whose subscribers are in their quiet hours, cap those
    who had enough pushes lately, and return the ids that may be sent now.

    Call it inside the transaction that claimed ``ids``: the cap is exact across concurrent
    chunks only if the claim and this decision commit together (see ``_cap``)."""
    quiet = quiet_hours_for(campaign)
    day_cap, week_cap = caps_for(campaign)
    if not ids or (quiet is None and day_cap is None and week_cap is None):
        return HeldBack(send=list(ids))
    now = now or timezone.now()
    rows = list(Delivery.objects.filter(pk__in=ids).values_list(
        "pk", "subscriber_id", "subscriber__timezone"))
    held = HeldBack()
    if quiet is not None:
        rows, held.deferred = _defer_quiet(rows, quiet, now)
    if day_cap is not None or week_cap is not None:
        rows, held.capped = _cap(rows, campaign.pk, day_cap, week_cap, now)
    held.send = [row[0] for row in rows]
    return held


def _defer_quiet(rows: list[tuple], quiet: tuple[time, time], now: datetime):
    """Rows in a zone that is in its quiet hours wait until the hours end (no attempt spent);
    returns the rows to keep and how many were deferred.

    A fresh row goes back to pending; a retry (tried before, or held back by a throttling push
    service) goes back to retry with its attempts and reason, so the ledger and the progress
    view still say it is waiting to retry. ``claim`` takes both once ``next_attempt_at`` passes.
    """
    was_retry = Q(attempts__gt=0) | Q(reason__startswith=DEFERRED)
    status = Case(When(was_retry, then=Value(Delivery.Status.RETRY)),
                  default=Value(Delivery.Status.PENDING))
    by_zone: dict = {}
    for row in rows:
        by_zone.setdefault(row[2], []).append(row)
    keep, deferred = [], 0
    for zone, names in zones_of(by_zone).items():
        zone_rows = [row for name in names for row in by_zone[name]]
        until = quiet_until(now, zone, quiet)
        if until is None:
            keep += zone_rows
            continue
        deferred += Delivery.objects.filter(
            pk__in=[row[0] for row in zone_rows], status=Delivery.Status.SENDING
        ).update(status=status, next_attempt_at=until, lease_until=None)
    return keep, deferred


def _cap(rows: list[tuple], campaign_id: int, day_cap: int | None, week_cap: int | None,
         now: datetime):
    """Rows whose subscriber already got ``day_cap`` pushes in 24 h or ``week_cap`` in 7 days
    (any campaign) end as ``capped``; returns the rows to keep and how many were capped.

    Pushes that count are the sent ones and those of other campaigns in flight: ``sending``
    with a live lease. A row only shows as ``sending`` to others once the transaction that
    claimed it has also decided its cap, and chunks sharing a subscriber decide one after the
    other (``_lock_subscribers``), so of two chunks racing for one subscriber the second sees
    the first's push and exactly one of them is sent. Counting a push in flight is
    conservative: should it fail or go to retry, this subscriber was capped one push early.
    """
    subscriber_ids = [row[1] for row in rows]
    if not subscriber_ids:
        return rows, 0
    _lock_subscribers(subscriber_ids)
    since = now - (WEEK if week_cap is not None else DAY)
    in_flight = Q(status=Delivery.Status.SENDING, lease_until__gt=now) & ~Q(
        campaign_id=campaign_id)  # this chunk's own rows; a campaign has one per subscriber
    # One aggregate query for the chunk: per subscriber, pushes in the last day and week.
    recent = {
        subscriber_id: (day, week)
        for subscriber_id, day, week in Delivery.objects.filter(
            Q(status=Delivery.Status.SENT, sent_at__gte=since) | in_flight,
            subscriber_id__in=subscriber_ids,
        ).order_by().values("subscriber_id").annotate(
            day=Count("pk", filter=Q(status=Delivery.Status.SENDING) | Q(sent_at__gte=now - DAY)),
            week=Count("pk"),
        ).values_list("subscriber_id", "day", "week")
    }
    keep, over_day, over_week = [], [], []
    for row in rows:
        day, week = recent.get(row[1], (0, 0))
        if day_cap is not None and day >= day_cap:
            over_day.append(row[0])
        elif week_cap is not None and week >= week_cap:
            over_week.append(row[0])
        else:
            keep.append(row)
    capped = 0
    for pks, reason in (
        (over_day, gettext("frequency cap: %(n)s a day") % {"n": day_cap}),
        (over_week, gettext("frequency cap: %(n)s a week") % {"n": week_cap}),
    ):
        if pks:
            capped += Delivery.objects.filter(pk__in=pks, status=Delivery.Status.SENDING).update(
                status=Delivery.Status.CAPPED, lease_until=None, reason=reason[:300]
            )
    return keep, capped


def _lock_subscribers(subscriber_ids: list[int]) -> None:
    """Make chunks that share subscribers decide their cap one after the other.

    Without it, two chunks claimed at the same moment each count before the other's claim
    commits and both pass. On PostgreSQL this takes one transaction-level advisory lock per
    subscriber, in one statement, in ascending order (two chunks never wait for each other in a
    circle); they are held until the claim commits. The count that follows is a statement of
    its own, so under READ COMMITTED it sees what a chunk that held a lock before us committed.
    Ids above 2**31 fold onto smaller ones: such a pair is only decided in turn. SQLite needs
    nothing: the claim's UPDATE holds its single write lock until the same commit.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({pk & 0x7FFFFFFF for pk in subscriber_ids})
    with connection.cursor() as cursor:
        # unnest() yields the array in its order, so the locks are taken in that order.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::integer[]) AS key",
                       [CAP_LOCK_CLASS, keys])
