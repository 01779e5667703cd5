"""The statistical alerts of issue 16: a slow fade found by the CUSUM before the old
two-window rule, no size alert from a small segment's ordinary churn, and a segment that
slowly loses a third of its members told where they went."""

import random
from datetime import timedelta

import pytest

from wagtail_pushseg.insights import cohorts, cusum, drift
from wagtail_pushseg.insights.alerts import run_alerts
from wagtail_pushseg.models import Membership, SegmentAlert, SegmentDay, SegmentMembersWeek

from .conftest import DAY, at, make_segment, make_subscribers


pytestmark = pytest.mark.django_db

START = DAY - timedelta(days=120)


def day(i):
    return START + timedelta(days=i)


def first_day(found, days):
    return next((i for i in days if found(i)), None)


def test_slow_six_week_fade_is_flagged_before_the_old_two_window_rule():
    rng = random.Random(5)
    daily = {}
    for i in range(140):
        # 300 pushes a day at 15%, fading by a third over six weeks from day 70.
        rate = 0.15 * (1 - 0.33 * min(1.0, max(0, i - 69) / 42))
        daily[day(i)] = drift.Rates(300, sum(rng.random() < rate for _ in range(300)))
    new = first_day(lambda i: cusum.click_through_cusum(daily, day(i)), range(60, 140))
    old = first_day(lambda i: drift.click_through_fall(daily, day(i)), range(60, 140))
    assert new is not None and new < 112  # within the six weeks
    assert old is None or new < old
    assert cusum.click_through_cusum(daily, day(60)) is None  # nothing before the fade


def test_small_segment_with_ordinary_churn_raises_no_size_alert():
    rng = random.Random(8)
    small = make_segment("Small")
    sizes = [60] * 31 + [77, 78, 76]
    SegmentDay.objects.bulk_create(
        SegmentDay(segment=small, day=day(i), members=n, entered=rng.randint(3, 7),
                   left=rng.randint(3, 7), taken_at=at(day(i)))
        for i, n in enumerate(sizes)
    )
    last = day(len(sizes) - 1)
    # The old rule alone (every one of the last three days 25% past two weeks before) fires.
    members = {day(i): n for i, n in enumerate(sizes)}
    assert drift.size_change(members, last) is not None
    run_alerts(last, now=at(last))
    assert not SegmentAlert.objects.filter(kind="size").exists()


def test_segment_slowly_losing_a_third_gets_a_loss_alert_naming_where_they_went():
    loyal, bargain = make_segment("Loyal"), make_segment("Bargain hunters")
    people = make_subscribers(90)
    start, today = day(0), day(70)
    # Loyal had 90 members eight weeks ago; a third left over six weeks (20 to Bargain
    # hunters, 10 to no segment); one came and one went each day as usual.
    sizes = [90] * 14 + [round(90 - 30 * min(1, i / 42)) for i in range(57)]
    SegmentDay.objects.bulk_create(
        SegmentDay(segment=loyal, day=start + timedelta(days=i), members=n, entered=1, left=1,
                   taken_at=at(start))
        for i, n in enumerate(sizes)
    )
    SegmentMembersWeek.objects.create(segment=loyal, day=today - timedelta(weeks=8),
                                      members=90, packed_ids=cohorts.pack(p.pk for p in people))
    Membership.objects.bulk_create(
        [Membership(segment=loyal, subscriber=p, degree=1, entered_at=at(start),
                    updated_at=at(start)) for p in people[:60]]
        + [Membership(segment=bargain, subscriber=p, degree=1, entered_at=at(start),
                      updated_at=at(start)) for p in people[60:80]]
    )
    run_alerts(today, now=at(today))
    alert = SegmentAlert.objects.get(segment=loyal, kind="loss")
    assert alert.numbers["weeks"] == 8 and alert.numbers["loss"] == pytest.approx(1 / 3)
    assert alert.message == (
        "Loyal has 60 members, down from 90 8 weeks ago (-33%). Of the members then: "
        "22% now in Bargain hunters, 11% in no segment."
    )


def test_trends_page_shows_where_members_of_four_weeks_ago_went(admin_client):
    from django.utils import timezone

    from wagtail_pushseg.admin.segments.history import history_url

    loyal, bargain = make_segment("Loyal"), make_segment("Bargain hunters")
    people = make_subscribers(10)
    SegmentMembersWeek.objects.create(
        segment=loyal, day=timezone.localdate() - timedelta(weeks=4), members=10,
        packed_ids=cohorts.pack(p.pk for p in people))
    Membership.objects.bulk_create(
        [Membership(segment=loyal, subscriber=p, degree=1, entered_at=at(START),
                    updated_at=at(START)) for p in people[:6]]
        + [Membership(segment=bargain, subscriber=p, degree=1, entered_at=at(START),
                      updated_at=at(START)) for p in people[6:]])
    SegmentDay.objects.create(segment=loyal, day=timezone.localdate(), members=6,
                              taken_at=timezone.now())
    response = admin_client.get(history_url(loyal.pk))
    chart = response.context["cohort_chart"]
    assert chart["type"] == "bar" and chart["options"]["scales"]["y"]["stacked"]
    data = {d["label"]: d["data"] for d in chart["data"]["datasets"]}
    assert data["Still members"] == [6] and data["Now in Bargain hunters"] == [4]
    assert "Where members went" in response.content.decode()
