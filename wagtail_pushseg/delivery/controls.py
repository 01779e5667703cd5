"""Delivery controls applied to a claimed chunk, just before it is sent: quiet hours and the
frequency cap.

Both are decided when the chunk is claimed rather than at planning because they depend on the
moment of sending: a campaign that takes an hour crosses 21:00 somewhere, and other campaigns
may have reached a subscriber in between. Per chunk this costs one read of the rows'
time zones, one aggregate count of recent pushes, and one UPDATE per distinct outcome
(a quiet zone, a cap reached); nothing per row.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from ..conf import pushseg_settings
from ..models import Campaign, Delivery
from .local_time import quiet_until, zones_of


DAY, WEEK = timedelta(days=1), timedelta(days=7)


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
    who had enough pushes lately, and return the ids that may be sent now."""
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
        rows, held.capped = _cap(rows, day_cap, week_cap, now)
    held.send = [row[0] for row in rows]
    return held


def _defer_quiet(rows: list[tuple], quiet: tuple[time, time], now: datetime):
    """Rows in a zone that is in its quiet hours go back to pending until the hours end (no
    attempt spent); returns the rows to keep and how many were deferred."""
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
        ).update(status=Delivery.Status.PENDING, next_attempt_at=until, lease_until=None)
    return keep, deferred


def _cap(rows: list[tuple], day_cap: int | None, week_cap: int | None, now: datetime):
    """Rows whose subscriber already got ``day_cap`` pushes in 24 h or ``week_cap`` in 7 days
    (any campaign) end as ``capped``; returns the rows to keep and how many were capped."""
    subscriber_ids = [row[1] for row in rows]
    if not subscriber_ids:
        return rows, 0
    since = now - (WEEK if week_cap is not None else DAY)
    # One aggregate query for the chunk: per subscriber, pushes in the last day and week.
    recent = {
        subscriber_id: (day, week)
        for subscriber_id, day, week in Delivery.objects.filter(
            subscriber_id__in=subscriber_ids, status=Delivery.Status.SENT, sent_at__gte=since,
        ).order_by().values("subscriber_id").annotate(
            day=Count("pk", filter=Q(sent_at__gte=now - DAY)), week=Count("pk"),
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
