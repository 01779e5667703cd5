"""Refreshing memberships set-wise: stayers keep entered_at, leavers go, order follows rules."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import Schedule
from freezegun import freeze_time

from wagtail_pushseg import tasks
from wagtail_pushseg.models import Membership, Segment
from wagtail_pushseg.schedules import ensure_schedules
from wagtail_pushseg.segments.refresh import refresh_all, refresh_segment

from .conftest import NOW, block, make_affinity, make_segment, make_subscriber


pytestmark = pytest.mark.django_db

LAPTOPS = [block("tag_interest", tags=["laptops"], starts_at=0, full_at=4)]


def members(segment) -> dict[int, Membership]:
    return {m.subscriber_id: m for m in Membership.objects.filter(segment=segment)}


def test_refresh_stores_members_at_or_above_the_threshold():
    strong, weak, none = make_subscriber(), make_subscriber(), make_subscriber()
    make_affinity(strong, "laptops", 3.0)  # 0.75
    make_affinity(weak, "laptops", 1.0)    # 0.25
    segment = make_segment(LAPTOPS, threshold=0.5)
    result = refresh_segment(segment, NOW)
    assert set(members(segment)) == {strong.pk}
    assert members(segment)[strong.pk].degree == pytest.approx(0.75)
    assert (result.members, result.entered, result.left) == (1, 1, 0)
    segment.refresh_from_db()
    assert segment.member_count == 1 and segment.last_refreshed_at == NOW
    del none


def test_refresh_keeps_entered_at_for_stayers_and_removes_leavers():
    stayer, leaver, newcomer = make_subscriber(), make_subscriber(), make_subscriber()
    make_affinity(stayer, "laptops", 3.0)
    leaver_affinity = make_affinity(leaver, "laptops", 4.0)
    segment = make_segment(LAPTOPS, threshold=0.5)
    refresh_segment(segment, NOW)
    first = members(segment)

    later = NOW + timedelta(days=1)
    make_affinity(newcomer, "laptops", 4.0, updated_at=later)
    leaver_affinity.delete()
    stayer.tag_affinities.update(score=3.5, updated_at=later)
    result = refresh_segment(segment, later)

    now_members = members(segment)
    assert set(now_members) == {stayer.pk, newcomer.pk}
    assert now_members[stayer.pk].entered_at == first[stayer.pk].entered_at == NOW
    assert now_members[stayer.pk].updated_at == later
    assert now_members[stayer.pk].degree == pytest.approx(3.5 / 4)
    assert now_members[newcomer.pk].entered_at == later
    assert (result.members, result.entered, result.left) == (2, 1, 1)


def test_an_unchanged_degree_is_not_rewritten():
    sub = make_subscriber(browser="Firefox")
    segment = make_segment([block("browser", browsers=["Firefox"])])
    refresh_segment(segment, NOW)
    refresh_segment(segment, NOW + timedelta(hours=1))
    membership = members(segment)[sub.pk]
    assert (membership.degree, membership.entered_at, membership.updated_at) == (1.0, NOW, NOW)


def test_a_refresh_twice_at_the_same_moment_still_drops_leavers():
    sub = make_subscriber()
    affinity = make_affinity(sub, "laptops", 3.0)
    segment = make_segment(LAPTOPS)
    refresh_segment(segment, NOW)
    affinity.delete()
    refresh_segment(segment, NOW)
    assert members(segment) == {}


def test_refresh_is_a_few_statements_whatever_the_number_of_subscribers():
    for _ in range(30):
        make_affinity(make_subscriber(), "laptops", 3.0)
    segment = make_segment(LAPTOPS)
    with CaptureQueriesContext(connection) as queries:
        refresh_segment(segment, NOW)
    assert len(queries) <= 12
    assert segment.memberships.count() == 30


@freeze_time(NOW)
def test_refresh_defaults_to_now():
    make_affinity(make_subscriber(), "laptops", 3.0)
    segment = make_segment(LAPTOPS)
    refresh_segment(segment)
    assert segment.last_refreshed_at == NOW and segment.member_count == 1
    segment.refresh_from_db()
    assert segment.last_refreshed_at == NOW and segment.member_count == 1


def test_refresh_all_refreshes_dependencies_first():
    sub = make_subscriber(browser="Firefox")
    base = make_segment([block("browser", browsers=["Firefox"])], name="Firefox users",
                        active=False)
    # Created after "base" but with a lower name, so only the dependency orders them.
    built = make_segment([block("member_of", segment=base.pk)], name="A built on base")
    results = refresh_all(NOW)
    assert [r.segment_id for r in results] == [base.pk, built.pk]
    assert set(members(built)) == {sub.pk}


def test_refresh_all_skips_inactive_segments_nobody_uses_and_cycles():
    make_subscriber(browser="Firefox")
    idle = make_segment([block("browser", browsers=["Firefox"])], active=False)
    a = make_segment([block("browser", browsers=["Firefox"])])
    b = make_segment([block("member_of", segment=a.pk)])
    a.rules = [block("member_of", segment=b.pk)]  # bypasses validation: stored data may
    a.save()
    ok = make_segment([block("browser", browsers=["Firefox"])])
    assert [r.segment_id for r in refresh_all(NOW)] == [ok.pk]
    assert not members(idle)


def test_refresh_all_skips_a_segment_whose_stored_rules_cannot_be_read():
    broken = make_segment(LAPTOPS)
    fine = make_segment(LAPTOPS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Segment._meta.db_table} SET rules = %s WHERE id = %s",
            ['[{"type": "visit_regularity", "value": {"weeks": "many"}}]', broken.pk],
        )
    assert [r.segment_id for r in refresh_all(NOW)] == [fine.pk]


def test_the_task_refreshes_every_active_segment():
    make_segment(LAPTOPS)
    make_segment(LAPTOPS, active=False)
    assert tasks.refresh_segments() == 1


def test_the_refresh_schedule_runs_every_setting_minutes(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "SEGMENT_REFRESH_MINUTES": 15}
    ensure_schedules()
    schedule = Schedule.objects.get(name="wagtail_pushseg: refresh segments")
    assert schedule.func == "wagtail_pushseg.tasks.refresh_segments"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 15)
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "SEGMENT_REFRESH_MINUTES": 60}
    ensure_schedules()
    assert Schedule.objects.get(name="wagtail_pushseg: refresh segments").minutes == 60
