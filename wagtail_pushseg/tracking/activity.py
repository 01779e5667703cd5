"""Rolling windows of active days and weeks kept as bit masks anchored to a day number.

Bit *i* of the day mask means "active *i* days before the anchor day"; the week mask is the
same for ISO weeks (Monday first). Updating shifts the masks to the new anchor; reading shifts
them to "now". Both are O(1), so no nightly job is needed for a window to stay right.
"""

from datetime import date, datetime


DAYS_KEPT = 62  # fits a signed 64-bit column with room to spare
WEEKS_KEPT = 53
_EPOCH = date(1970, 1, 1)


def day_number(moment: datetime | date) -> int:
    day = moment.date() if isinstance(moment, datetime) else moment
    return (day - _EPOCH).days


def week_number(day: int) -> int:
    # 1970-01-01 was a Thursday; +3 makes weeks start on Monday.
    return (day + 3) // 7


def _mark(mask: int, anchor: int, unit: int, kept: int) -> tuple[int, int]:
    """Set the bit for ``unit`` in a mask anchored at ``anchor``; returns (mask, anchor)."""
    if unit >= anchor:
        mask = (mask << (unit - anchor)) if unit - anchor < kept else 0
        anchor = unit
        mask |= 1
    elif anchor - unit < kept:
        mask |= 1 << (anchor - unit)
    return mask & ((1 << kept) - 1), anchor


def mark_active(days: int, weeks: int, anchor_day: int, day: int) -> tuple[int, int, int]:
    """Record activity on ``day``; returns the new (days mask, weeks mask, anchor day)."""
    if anchor_day == 0 and days == 0 and weeks == 0:
        anchor_day = day
    new_days, new_anchor = _mark(days, anchor_day, day, DAYS_KEPT)
    new_weeks, _ = _mark(weeks, week_number(anchor_day), week_number(day), WEEKS_KEPT)
    return new_days, new_weeks, new_anchor


def count_in_window(mask: int, anchor: int, now: int, window: int, kept: int) -> int:
    """Set bits for the ``window`` units ending at ``now`` (``now`` included)."""
    shift = now - anchor
    if shift < 0:  # read "as of" a moment before the anchor: look back from the anchor instead
        mask >>= -shift
        shift = 0
    if shift >= window:
        return 0
    return ((mask << shift) & ((1 << window) - 1)).bit_count()


def active_days(days_mask: int, anchor_day: int, today: int, window: int) -> int:
    return count_in_window(days_mask, anchor_day, today, window, DAYS_KEPT)


def active_weeks(weeks_mask: int, anchor_day: int, today: int, window: int) -> int:
    return count_in_window(
        weeks_mask, week_number(anchor_day), week_number(today), window, WEEKS_KEPT
    )
