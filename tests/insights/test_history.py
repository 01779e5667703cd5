"""The daily snapshot: exact against counts taken straight from memberships and deliveries."""

from datetime import timedelta

import pytest
from django.db.models import Avg
from django.utils import timezone

from wagtail_pushseg.insights.history import (
    MEMBERSHIP_DAYS_KEPT,
    daily_history,
    take_snapshot,
)
from wagtail_pushseg.models import (
    Delivery,
    Membership,
    MembershipDay,
    SegmentDay,
    SegmentTagDay,
    SegmentTransition,
)

from .conftest import DAY, at, deliver, make_campaign, make_segment, make_subscribers, set_members


pytestmark = pytest.mark.django_db

NEXT = DAY + timedelta(days=1)


@pytest.fixture
def two_days():
    """Runners and cooks over two days: 3 runners move to cooks, 1 runner leaves, 2 join."""
    runners, cooks = make_segment("Runners"), make_segment("Cooks", "cooking")
    people = make_subscribers(12)
    set_members(runners, {p: 0.6 + i / 100 for i, p in enumerate(people[:8])})
    set_members(cooks, dict.fromkeys(people[8:10], 0.9))
    take_snapshot(DAY, now=at(DAY, 23), capture=True)
    set_members(runners, dict.fromkeys(people[4:8] + people[10:12], 0.7))
    set_members(cooks, dict.fromkeys(people[:3] + people[8:10], 0.8))
    return runners, cooks, people


def test_members_entered_left_and_mean_degree_equal_direct_counts(two_days):
    runners, cooks, _people = two_days
    take_snapshot(NEXT, now=at(NEXT, 23), capture=True)
    for segment in (runners, cooks):
        row = SegmentDay.objects.get(segment=segment, day=NEXT)
        now = set(Membership.objects.filter(segment=segment).values_list("subscriber_id",
                                                                          flat=True))
        before = set(MembershipDay.objects.filter(segment=segment, day=DAY)
                     .values_list("subscriber_id", flat=True))
        assert row.members == len(now)
        assert row.entered == len(now - before)
        assert row.left == len(before - now)
        mean = Membership.objects.filter(segment=segment).aggregate(m=Avg("degree"))["m"]
        assert row.mean_degree == pytest.approx(mean)
    assert SegmentDay.objects.get(segment=runners, day=NEXT).left == 4
    assert SegmentDay.objects.get(segment=runners, day=NEXT).entered == 2
    first = SegmentDay.objects.get(segment=runners, day=DAY)
    assert first.entered is None and first.left is None  # nothing to compare the first day with


def test_transitions_count_members_who_left_one_segment_for_another(two_days):
    runners, cooks, _people = two_days
    take_snapshot(NEXT, now=at(NEXT, 23), capture=True)
    moves = {(t.source_id, t.target_id): t.count for t in SegmentTransition.objects.all()}
    # people[0..2] left runners and entered cooks; people[3] left runners for nothing.
    assert moves == {(runners.pk, cooks.pk): 3}


def test_pushes_and_clicks_are_sent_deliveries_of_that_day_for_the_segment(two_days):
    runners, cooks, people = two_days
    campaign, target = make_campaign(runners)
    other, other_target = make_campaign(cooks)
    deliver(campaign, target, people[4], sent_at=at(NEXT, 9), clicked=True)
    deliver(campaign, target, people[5], sent_at=at(NEXT, 10))
    deliver(campaign, target, people[6], sent_at=at(NEXT, 23.99), clicked=True)
    deliver(campaign, target, people[7], sent_at=at(DAY, 23.99), clicked=True)  # day before
    deliver(campaign, target, people[10], sent_at=None, status=Delivery.Status.FAILED)
    deliver(other, other_target, people[8], sent_at=at(NEXT, 9), clicked=True)
    take_snapshot(NEXT, now=at(NEXT, 23.5), capture=True)
    start, end = at(NEXT, 0), at(NEXT, 24)
    for segment in (runners, cooks):
        sent = Delivery.objects.filter(status="sent", target__segment=segment,
                                       sent_at__gte=start, sent_at__lt=end)
        row = SegmentDay.objects.get(segment=segment, day=NEXT)
        assert (row.pushes, row.clicks) == (sent.count(),
                                            sent.filter(clicked_at__isnull=False).count())
    assert SegmentDay.objects.get(segment=runners, day=NEXT).click_through == pytest.approx(2 / 3)


def test_pushes_are_also_counted_per_tag_of_the_campaign_page(two_days, pages):
    runners, _cooks, people = two_days
    campaign, target = make_campaign(runners, page=pages["article"])  # laptops, reviews
    deliver(campaign, target, people[4], sent_at=at(NEXT, 9), clicked=True)
    deliver(campaign, target, people[5], sent_at=at(NEXT, 9))
    take_snapshot(NEXT, now=at(NEXT, 23), capture=True)
    rows = {(r.tag, r.pushes, r.clicks) for r in SegmentTagDay.objects.filter(segment=runners)}
    assert rows == {("laptops", 2, 1), ("reviews", 2, 1)}


def test_taking_a_day_again_replaces_its_rows(two_days):
    runners, _cooks, people = two_days
    campaign, target = make_campaign(runners)
    deliver(campaign, target, people[4], sent_at=at(NEXT, 9))
    take_snapshot(NEXT, now=at(NEXT, 20), capture=True)
    first = list(SegmentDay.objects.filter(day=NEXT).values().order_by("segment_id"))
    take_snapshot(NEXT, now=at(NEXT, 20), capture=True)
    again = list(SegmentDay.objects.filter(day=NEXT).values().order_by("segment_id"))
    assert [{k: v for k, v in r.items() if k != "id"} for r in first] == \
        [{k: v for k, v in r.items() if k != "id"} for r in again]
    assert SegmentTransition.objects.filter(day=NEXT).count() == 1
    assert MembershipDay.objects.filter(day=NEXT).count() == Membership.objects.count()


def test_a_past_day_keeps_its_members_and_picks_up_late_clicks(two_days):
    runners, _cooks, people = two_days
    campaign, target = make_campaign(runners)
    late = deliver(campaign, target, people[4], sent_at=at(NEXT, 9))
    take_snapshot(NEXT, now=at(NEXT, 23), capture=True)
    before = SegmentDay.objects.get(segment=runners, day=NEXT)
    assert (before.pushes, before.clicks) == (1, 0)
    set_members(runners, {})  # the memberships move on the day after
    late.clicked_at = at(NEXT + timedelta(days=1), 8)
    late.save()
    take_snapshot(NEXT, now=at(NEXT + timedelta(days=1), 9))  # a past day: no capture
    after = SegmentDay.objects.get(segment=runners, day=NEXT)
    assert (after.members, after.entered, after.left) == (before.members, before.entered,
                                                          before.left)
    assert (after.pushes, after.clicks) == (1, 1)


def test_the_daily_job_keeps_membership_sets_for_a_few_days_only(two_days, settings):
    runners, _cooks, _people = two_days
    later = DAY + timedelta(days=MEMBERSHIP_DAYS_KEPT + 1)
    daily_history(now=at(later, 1))
    assert set(MembershipDay.objects.values_list("day", flat=True)) == {later}
    assert SegmentDay.objects.filter(day=later, segment=runners).get().members == 6


def test_the_daily_schedule_takes_the_snapshot_then_runs_the_alerts(two_days):
    from django_q.models import Schedule

    from wagtail_pushseg import tasks
    from wagtail_pushseg.schedules import ensure_schedules

    ensure_schedules()
    schedule = Schedule.objects.get(name="wagtail_pushseg: segment history and drift alerts")
    assert (schedule.func, schedule.schedule_type) == (
        "wagtail_pushseg.tasks.snapshot_segment_history", "D")
    assert tasks.snapshot_segment_history() == 2
    assert SegmentDay.objects.filter(day=timezone.localdate()).count() == 2
