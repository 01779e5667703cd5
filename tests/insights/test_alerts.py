"""Drift alerts on hand-built histories: a gradual fall raises one, one bad day does not, and
an alert stays open (not repeated) while its condition holds and resolves when it stops."""

from datetime import date, timedelta

import pytest

from wagtail_pushseg.insights import cusum, drift
from wagtail_pushseg.insights.alerts import open_alerts, run_alerts
from wagtail_pushseg.models import SegmentAlert, SegmentDay, SegmentTagDay, SegmentTransition

from .conftest import DAY, at, make_segment


pytestmark = pytest.mark.django_db

START = DAY - timedelta(days=120)


def history(segment, rates, pushes=100, members=None, first=START):
    """One SegmentDay per rate, from ``first``; clicks = rate × pushes."""
    members = members or [100] * len(rates)
    SegmentDay.objects.bulk_create(
        SegmentDay(segment=segment, day=first + timedelta(days=i), members=members[i],
                   pushes=pushes, clicks=round(rate * pushes), taken_at=at(first))
        for i, rate in enumerate(rates)
    )


def day(i):
    return START + timedelta(days=i)


def gradual(n=100, start=60, fall=20):
    """20% click-through until ``start``, falling to 6% over ``fall`` days."""
    return [0.2 if i < start else max(0.06, 0.2 - 0.14 * (i - start + 1) / fall)
            for i in range(n)]


def test_gradual_fall_in_click_through_opens_an_alert_with_its_numbers():
    bargain = make_segment("Bargain hunters")
    history(bargain, gradual())
    run_alerts(day(59), now=at(day(59)))
    assert not SegmentAlert.objects.exists()
    for i in range(60, 75):
        run_alerts(day(i), now=at(day(i)))
    alert = SegmentAlert.objects.get()
    assert alert.kind == "ctr" and alert.is_open
    assert day(60) < alert.opened_on <= day(74)
    assert alert.numbers["cusum"] >= cusum.H
    assert alert.numbers["baseline_rate"] == pytest.approx(0.2, abs=0.005)
    assert day(58) <= date.fromisoformat(alert.numbers["began"]) <= alert.opened_on
    assert alert.message.startswith("Bargain hunters clicked ")
    assert "down from 20% over the eight weeks before: more than chance explains" in \
        alert.message
    assert alert.checked_on == day(74)  # updated every day, never duplicated


def test_one_bad_day_raises_no_alert():
    steady = make_segment("Steady")
    history(steady, [0.2] * 80)
    # A campaign that went badly: ten times the usual pushes, nobody clicked.
    SegmentDay.objects.filter(segment=steady, day=day(75)).update(pushes=1000, clicks=0)
    for i in range(70, 80):
        run_alerts(day(i), now=at(day(i)))
    assert not SegmentAlert.objects.exists()
    recent = {d: drift.Rates(1000 if d == day(75) else 100, 0 if d == day(75) else 20)
              for d in (day(i) for i in range(80))}
    # Without the leave-one-out check the plain z-test would have fired.
    assert drift.z_two_proportions(drift.Rates(2300, 260), drift.Rates(4200, 840)) < -3
    assert drift.click_through_fall(recent, day(79)) is None


def test_noise_around_a_steady_rate_raises_no_alert():
    import random

    rng = random.Random(3)
    steady = make_segment("Steady")
    history(steady, [0.2 + rng.uniform(-0.05, 0.05) for _ in range(100)])
    for i in range(56, 100):
        run_alerts(day(i), now=at(day(i)))
    assert not SegmentAlert.objects.exists()


def test_alert_resolves_when_the_fall_stops_and_opens_anew_if_it_returns():
    bargain = make_segment("Bargain hunters")
    history(bargain, gradual(n=120, fall=10))
    for i in range(60, 120):
        run_alerts(day(i), now=at(day(i)))
    alert = SegmentAlert.objects.get()
    # Once the six weeks before are as low as the last two, nothing falls any more.
    assert alert.resolved_on is not None and alert.opened_on < alert.resolved_on <= day(119)
    assert open_alerts() == []


def test_fast_shrinking_segment_raises_a_size_alert_and_a_stable_one_does_not():
    shrinking, stable = make_segment("Shrinking"), make_segment("Stable")
    sizes = [200] * 31 + [200 - 8 * i for i in range(1, 15)]
    history(shrinking, [0.2] * 45, members=sizes)
    history(stable, [0.2] * 45, members=[200 + (i % 3) for i in range(45)])
    run_alerts(day(44), now=at(day(44)))
    alert = SegmentAlert.objects.get()
    assert (alert.segment, alert.kind) == (shrinking, "size")
    assert alert.message == "Shrinking shrank from 200 to 96 members (-52%) in two weeks."


def test_members_moving_to_another_segment_raise_a_migration_alert():
    cooks, runners = make_segment("Cooks"), make_segment("Runners")
    history(cooks, [0.2] * 40)
    history(runners, [0.2] * 40)
    SegmentTransition.objects.bulk_create(
        SegmentTransition(day=day(i), source=cooks, target=runners, count=2)
        for i in range(30, 40)
    )
    run_alerts(day(39), now=at(day(39)))
    alert = SegmentAlert.objects.get()
    assert (alert.segment, alert.kind, alert.key) == (cooks, "migration", str(runners.pk))
    assert alert.message == ("20 members of Cooks moved to Runners in the last two weeks "
                             "(20% of its members two weeks ago).")
    SegmentTransition.objects.all().delete()
    run_alerts(day(40), now=at(day(40)))
    assert SegmentAlert.objects.get().resolved_on == day(40)


def test_a_tag_the_segment_stops_clicking_raises_a_tag_alert():
    bargain = make_segment("Bargain hunters")
    rates = gradual(n=90, start=60, fall=10)
    # Pushes about "camping" fall; "audio" pushes stay at 20%: the segment as a whole falls
    # by less, so only the tag alert should say it.
    SegmentDay.objects.bulk_create(
        SegmentDay(segment=bargain, day=day(i), members=100, pushes=200,
                   clicks=round(rate * 100) + 20, taken_at=at(day(i)))
        for i, rate in enumerate(rates)
    )
    SegmentTagDay.objects.bulk_create(
        [SegmentTagDay(segment=bargain, day=day(i), tag="camping", pushes=100,
                       clicks=round(rate * 100)) for i, rate in enumerate(rates)]
        + [SegmentTagDay(segment=bargain, day=day(i), tag="audio", pushes=100, clicks=20)
           for i in range(90)]
    )
    run_alerts(day(89), now=at(day(89)))
    kinds = {(a.kind, a.key) for a in SegmentAlert.objects.all()}
    assert ("tag", "camping") in kinds
    assert ("tag", "audio") not in kinds
    alert = SegmentAlert.objects.get(kind="tag")
    assert "pushes about “camping”" in alert.message and "held at 20%" in alert.message


def test_open_alerts_lists_the_newest_first_with_a_limit():
    a, b = make_segment("A"), make_segment("B")
    for i, segment in enumerate((a, b)):
        SegmentAlert.objects.create(segment=segment, kind="size", message=f"m{i}",
                                    opened_on=day(i), opened_at=at(day(i)), checked_on=day(i))
    SegmentAlert.objects.create(segment=a, kind="ctr", message="old", opened_on=day(0),
                                opened_at=at(day(0)), checked_on=day(0),
                                resolved_on=day(1), resolved_at=at(day(1)))
    assert [x.message for x in open_alerts()] == ["m1", "m0"]
    assert [x.message for x in open_alerts(limit=1)] == ["m1"]
