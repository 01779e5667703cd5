"""The simulation's must-shows: the fade alert fires within 14 simulated days of the fade's
start, the stable control raises no alert, and the history is exact against the deliveries."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from wagtail_pushseg.insights.history import day_bounds
from wagtail_pushseg.insights.simulation import (
    ENDPOINT_PREFIX,
    FADE_DAY,
    NEW_GROUP_DAY,
    NEW_GROUP_TAGS,
    Simulation,
)
from wagtail_pushseg.models import (
    Delivery,
    Membership,
    SegmentAlert,
    SegmentDay,
    Subscriber,
    TagAffinity,
)


pytestmark = pytest.mark.django_db

END = date(2026, 10, 31)


@pytest.fixture
def simulated():
    simulation = Simulation(seed=7, days=90, subscribers=250, end=END)
    return simulation.run()


def test_fade_alert_within_14_days_and_none_for_the_control(simulated):
    fade_start = simulated.start + timedelta(days=FADE_DAY)
    bargain = simulated.segments["sim-bargain-hunters"]
    control = simulated.segments["sim-runners"]
    fade = SegmentAlert.objects.filter(segment_id=bargain, kind="ctr").order_by("opened_on")
    assert fade.exists()
    first = fade.first()
    assert fade_start < first.opened_on <= fade_start + timedelta(days=14)
    assert not SegmentAlert.objects.filter(segment_id=bargain, opened_on__lt=fade_start).exists()
    assert not SegmentAlert.objects.filter(segment_id=control).exists()
    assert "Bargain hunters (simulated) clicked" in first.message

    # History exact against the deliveries and memberships, for every segment and day.
    rows = SegmentDay.objects.filter(segment_id__in=simulated.segments.values())
    assert rows.count() == 90 * len(simulated.segments)
    for row in rows:
        start, end = day_bounds(row.day)
        sent = Delivery.objects.filter(status="sent", target__segment_id=row.segment_id,
                                       sent_at__gte=start, sent_at__lt=end)
        assert row.pushes == sent.count()
        assert row.clicks == sent.filter(clicked_at__isnull=False).count()
    for segment_id in simulated.segments.values():
        last = rows.get(segment_id=segment_id, day=END)
        assert last.members == Membership.objects.filter(segment_id=segment_id).count()

    # The new group: subscribers from day 60, reading both tags, in no simulated segment.
    newcomers = Subscriber.objects.filter(endpoint__startswith=ENDPOINT_PREFIX,
                                          created_at__gte=day_bounds(
                                              simulated.start + timedelta(days=NEW_GROUP_DAY))[0])
    assert newcomers.count() == round(0.15 * 250)
    both = TagAffinity.objects.filter(subscriber__in=newcomers, tag__in=NEW_GROUP_TAGS,
                                      score__gte=3).values("subscriber").distinct().count()
    assert both >= 0.8 * newcomers.count()
    assert not Membership.objects.filter(subscriber__in=newcomers,
                                         segment_id__in=simulated.segments.values()).exists()


def test_same_seed_same_history_and_a_rerun_replaces_the_simulation():
    def numbers():
        return sorted(SegmentDay.objects.filter(segment__slug__startswith="sim-").values_list(
            "segment__slug", "day", "members", "entered", "left", "pushes", "clicks"))

    call_command("pushseg_simulate", seed=3, days=8, subscribers=40, end=END, verbosity=0)
    first = numbers()
    call_command("pushseg_simulate", seed=3, days=8, subscribers=40, end=END, verbosity=0)
    assert numbers() == first and first
    assert Subscriber.objects.filter(endpoint__startswith=ENDPOINT_PREFIX).count() == 40
    call_command("pushseg_simulate", seed=4, days=8, subscribers=40, end=END, verbosity=0)
    assert numbers() != first


def test_bad_arguments_are_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--days"):
        call_command("pushseg_simulate", days=0, verbosity=0)
    assert not Subscriber.objects.exists()


def test_the_new_two_tag_group_is_suggested_within_14_days_of_appearing():
    """On the simulation: the cycling + camping readers who appear on day 60 are suggested as
    a two-tag segment within 14 simulated days, and not before they exist. The suggestion
    finder (which stores nothing) is asked at the end of each simulated day around then."""
    from wagtail_pushseg.insights.suggested_segments import find_groups

    simulation = Simulation(seed=7, days=NEW_GROUP_DAY + 15, subscribers=250, end=END)
    suggested_on: dict[int, bool] = {}

    def suggested(day: int) -> bool:
        return any(group.kind == "pair" and set(group.tags) == set(NEW_GROUP_TAGS)
                   for group in find_groups(simulation.at(day, 23.5)))

    def watch(days, total):
        # The simulation asks for day d + 1 only once day d is written: look at d then.
        previous = None
        for day in days:
            if previous is not None and previous >= NEW_GROUP_DAY - 5:
                suggested_on[previous] = suggested(previous)
            yield day
            previous = day
        suggested_on[previous] = suggested(previous)

    simulation.run(progress=watch)

    assert not any(found for day, found in suggested_on.items() if day < NEW_GROUP_DAY)
    first = min(day for day, found in suggested_on.items() if found)
    assert first - NEW_GROUP_DAY < 14, suggested_on
