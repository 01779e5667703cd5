"""Send times in the subscribers' own time zones, fixed when a campaign is planned.

"At a local time" gives every delivery the next moment its subscriber's clock shows that time;
"at the most active hour" picks, per subscriber, the local hour (inside the editor's window)
in which their profile shows the most visits. Either way it is a ``next_attempt_at`` on pending
rows, which the engine's claim honours; the one-minute bell rings when they come due.

Updates are set-wise: one UPDATE per distinct time zone for a local time, one per
(time zone, hour) for the most active hour; the per-subscriber choice of hour is plain Python
over one read of the campaign's deliveries.
"""

from datetime import datetime, time, tzinfo

from django.utils import timezone

from ..models import Campaign, Delivery
from ..subscribers.local_time import (
    current_or_next_hour,
    in_window,
    next_local,
    zone_for,
    zones_of,
)
from .sending.controls import quiet_hours_for


#: Ids per UPDATE ... WHERE id IN (...), under every database's parameter limit.
BATCH = 5000


def schedule_send_times(campaign: Campaign, now: datetime | None = None) -> int:
    """Give the campaign's pending deliveries their local send time; returns how many rows
    got one (0 for "as soon as possible")."""
    now = now or timezone.now()
    if campaign.send_time == Campaign.SendTime.LOCAL_TIME and campaign.local_time:
        return _at_local_time(campaign, now)
    if campaign.send_time == Campaign.SendTime.BEST_HOUR:
        return _at_best_hour(campaign, now)
    return 0


def _pending(campaign: Campaign):
    return Delivery.objects.filter(campaign=campaign, status=Delivery.Status.PENDING)


def _at_local_time(campaign: Campaign, now: datetime) -> int:
    names = _pending(campaign).order_by().values_list("subscriber__timezone", flat=True).distinct()
    updated = 0
    for zone, zone_names in zones_of(names).items():
        updated += _pending(campaign).filter(subscriber__timezone__in=zone_names).update(
            next_attempt_at=next_local(now, zone, campaign.local_time)
        )
    return updated


def best_hour(active_hours: list | None, start: int, end: int,
              quiet: frozenset[int] = frozenset()) -> int:
    """The hour in [start, end) with the most visits (the earliest on a tie), leaving out
    ``quiet`` hours unless nothing else is left; the first such hour for a subscriber with no
    visits there."""
    hours = [h for h in range(start, end) if h not in quiet] or list(range(start, end))
    if not active_hours or len(active_hours) != 24:
        return hours[0]
    hour = max(hours, key=lambda h: (active_hours[h] or 0, -h))
    return hour if active_hours[hour] else hours[0]


def quiet_hours_of(campaign: Campaign) -> frozenset[int]:
    """Whole hours that start inside the quiet hours the campaign respects: picking one would
    only make the push wait for the morning."""
    quiet = quiet_hours_for(campaign)
    if quiet is None:
        return frozenset()
    return frozenset(h for h in range(24) if in_window(time(h), *quiet))


def _at_best_hour(campaign: Campaign, now: datetime) -> int:
    start, end = campaign.window_start_hour, campaign.window_end_hour
    if end <= start:  # the form refuses this; a row written otherwise still gets sent
        start, end = 0, 24
    quiet = quiet_hours_of(campaign)
    groups: dict[tuple[tzinfo, int], list[int]] = {}
    rows = _pending(campaign).values_list(
        "pk", "subscriber__timezone", "subscriber__profile__active_hours"
    )
    for pk, name, hours in rows.iterator(chunk_size=BATCH):
        groups.setdefault((zone_for(name), best_hour(hours, start, end, quiet)), []).append(pk)
    updated = 0
    for (zone, hour), pks in groups.items():
        when = current_or_next_hour(now, zone, hour)
        for i in range(0, len(pks), BATCH):
            updated += Delivery.objects.filter(pk__in=pks[i:i + BATCH]).update(
                next_attempt_at=when
            )
    return updated
