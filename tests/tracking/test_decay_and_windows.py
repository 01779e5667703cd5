from datetime import UTC, datetime, timedelta

import pytest

from wagtail_pushseg.tracking.activity import (
    DAYS_KEPT,
    active_days,
    active_weeks,
    day_number,
    mark_active,
)
from wagtail_pushseg.tracking.decay import decayed


T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize("days, factor", [(0, 1.0), (30, 0.5), (60, 0.25), (15, 2 ** -0.5)])
def test_decay_is_score_times_two_to_minus_elapsed_over_half_life(days, factor):
    assert decayed(8.0, T0, T0 + timedelta(days=days), 30) == pytest.approx(8.0 * factor, rel=1e-12)


def test_decay_never_grows_for_events_from_the_future():
    assert decayed(3.0, T0, T0 - timedelta(days=5), 30) == 3.0


def _marks(*moments):
    days = weeks = anchor = 0
    for moment in moments:
        days, weeks, anchor = mark_active(days, weeks, anchor, day_number(moment))
    return days, weeks, anchor


def test_active_days_window_edges():
    days, _weeks, anchor = _marks(T0, T0 + timedelta(days=1), T0 + timedelta(days=7))
    today = day_number(T0 + timedelta(days=7))
    assert active_days(days, anchor, today, 1) == 1  # today
    assert active_days(days, anchor, today, 6) == 1  # T0+2 .. T0+7
    assert active_days(days, anchor, today, 7) == 2  # T0+1 is the window's first day
    assert active_days(days, anchor, today, 8) == 3  # and T0 the 8th


def test_active_days_are_right_when_read_later_without_any_update():
    days, _weeks, anchor = _marks(T0, T0 + timedelta(days=2))
    later = day_number(T0 + timedelta(days=10))
    assert active_days(days, anchor, later, 9) == 1   # T0+2 is 8 back (inside), T0 is 10 back
    assert active_days(days, anchor, later, 11) == 2
    assert active_days(days, anchor, later, 8) == 0


def test_same_day_counts_once_and_old_history_falls_off():
    days, _weeks, anchor = _marks(T0, T0 + timedelta(hours=5), T0 + timedelta(days=DAYS_KEPT + 3))
    today = day_number(T0 + timedelta(days=DAYS_KEPT + 3))
    assert active_days(days, anchor, today, DAYS_KEPT) == 1


def test_out_of_order_visit_still_counts():
    days, _weeks, anchor = _marks(T0 + timedelta(days=3), T0)
    assert active_days(days, anchor, day_number(T0 + timedelta(days=3)), 4) == 2


def test_active_weeks_count_calendar_weeks_monday_first():
    sunday_before = T0 - timedelta(days=1)
    _days, weeks, anchor = _marks(sunday_before, T0, T0 + timedelta(days=6))  # Sun | Mon, Sun
    today = day_number(T0 + timedelta(days=6))
    assert active_weeks(weeks, anchor, today, 1) == 1
    assert active_weeks(weeks, anchor, today, 2) == 2
    three_weeks_later = day_number(T0 + timedelta(days=21))
    assert active_weeks(weeks, anchor, three_weeks_later, 3) == 0
    assert active_weeks(weeks, anchor, three_weeks_later, 4) == 1
    assert active_weeks(weeks, anchor, three_weeks_later, 5) == 2
