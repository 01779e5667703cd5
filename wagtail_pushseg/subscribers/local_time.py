"""Clocks in the subscribers' own time zones: which zone a subscriber is in, and when their
clock next shows a given time. Plain functions over aware datetimes; results are in UTC."""

import zoneinfo
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1024)
def _named_zone(name: str) -> tzinfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_for(name: str | None) -> tzinfo:
    """The IANA zone a subscriber's browser reported; the site's ``TIME_ZONE`` when it named
    none or one this machine does not know."""
    return (name and _named_zone(name)) or _named_zone(settings.TIME_ZONE or "UTC") or UTC


def zones_of(names) -> dict[tzinfo, list[str]]:
    """Time-zone names grouped by the zone they mean (empty and unknown names share the site's
    zone), so each zone is handled once."""
    grouped: dict[tzinfo, list[str]] = {}
    for name in names:
        grouped.setdefault(zone_for(name), []).append(name)
    return grouped


def _at(day, clock: time, zone: tzinfo) -> datetime:
    # A time skipped by a DST change (02:30 on the spring-forward night) maps to the moment
    # the clock would show had it not jumped (PEP 495 fold=0): 03:30 summer time.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def next_local(now: datetime, zone: tzinfo, clock: time) -> datetime:
    """The first moment at or after ``now`` when the clock in ``zone`` shows ``clock``."""
    today = now.astimezone(zone).date()
    candidate = _at(today, clock, zone)
    if candidate < now:
        candidate = _at(today + timedelta(days=1), clock, zone)
    return candidate


def current_or_next_hour(now: datetime, zone: tzinfo, hour: int) -> datetime:
    """The start of local ``hour`` if ``now`` is inside it (already due), else its next start."""
    local = now.astimezone(zone)
    if local.hour == hour:
        return _at(local.date(), time(hour), zone)
    return next_local(now, zone, time(hour))


def in_window(clock: time, start: time, end: time) -> bool:
    """Is ``clock`` in [start, end)? A window whose end is before its start spans midnight."""
    if start <= end:
        return start <= clock < end
    return clock >= start or clock < end


def quiet_until(now: datetime, zone: tzinfo, quiet: tuple[time, time]) -> datetime | None:
    """When the quiet hours the subscriber's clock is in end; ``None`` outside them."""
    start, end = quiet
    local = now.astimezone(zone)
    if not in_window(local.time().replace(tzinfo=None), start, end):
        return None
    return next_local(now, zone, end)
