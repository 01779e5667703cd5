""""Deliver at local time" and "most active hour", fixed at planning with a frozen clock:
each subscriber's delivery waits for the moment in their own time zone, the bell sends it
when it comes due, and the campaign finishes only when nothing is left."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.segments.conftest import make_profile
from wagtail_pushseg import tasks
from wagtail_pushseg.campaigns.timing import best_hour, schedule_send_times
from wagtail_pushseg.models import Campaign, Delivery

from .controls_helpers import campaign_for_everyone, frozen, people_in, plan_only, send, utc


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")


def next_attempts(campaign, people) -> dict:
    rows = dict(Delivery.objects.filter(campaign=campaign).values_list(
        "subscriber_id", "next_attempt_at"))
    return {zone: rows[subscriber.pk] for zone, subscriber in people.items()}


def sent_zones(campaign, people) -> set:
    sent = set(Delivery.objects.filter(campaign=campaign, status="sent").values_list(
        "subscriber_id", flat=True))
    return {zone for zone, subscriber in people.items() if subscriber.pk in sent}


def test_nine_oclock_local_time_in_four_zones_goes_out_zone_by_zone(
    make_sandbox_subscribers, sandbox, django_capture_on_commit_callbacks
):
    people = people_in(make_sandbox_subscribers, *ZONES)
    campaign = campaign_for_everyone(send_time=Campaign.SendTime.LOCAL_TIME,
                                     local_time=time(9, 0))
    with frozen(utc(2026, 1, 15, 12, 0)) as clock:  # winter in the north, summer in Auckland
        campaign = send(campaign, django_capture_on_commit_callbacks)
        assert next_attempts(campaign, people) == {
            "Europe/Berlin": utc(2026, 1, 16, 8, 0),      # 13:00 CET now: tomorrow 09:00
            "America/New_York": utc(2026, 1, 15, 14, 0),  # 07:00 EST now: today 09:00
            "Asia/Tokyo": utc(2026, 1, 16, 0, 0),         # 21:00 JST now: tomorrow 09:00
            "Pacific/Auckland": utc(2026, 1, 15, 20, 0),  # 01:00 NZDT now: today 09:00
        }
        assert sent_zones(campaign, people) == set()
        assert campaign.status == Campaign.Status.SENDING
        assert sandbox.all_messages() == []

        expected = set()
        for moment, zone in [(utc(2026, 1, 15, 14, 0), "America/New_York"),
                             (utc(2026, 1, 15, 20, 0), "Pacific/Auckland"),
                             (utc(2026, 1, 16, 0, 0), "Asia/Tokyo"),
                             (utc(2026, 1, 16, 8, 0), "Europe/Berlin")]:
            clock.move_to(moment)
            tasks.ring_sending_campaigns()
            expected.add(zone)
            assert sent_zones(campaign, people) == expected
            assert len(sandbox.messages(people[zone].endpoint)) == 1
            campaign.refresh_from_db()
            if zone != "Europe/Berlin":
                assert campaign.status == Campaign.Status.SENDING

        tasks.ring_sending_campaigns()
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.SENT
    assert Delivery.objects.filter(campaign=campaign, attempts=1, status="sent").count() == 4


def test_local_time_follows_daylight_saving_changes(make_sandbox_subscribers, sandbox):
    people = people_in(make_sandbox_subscribers, "Pacific/Auckland", "Europe/Berlin")
    campaign = campaign_for_everyone(send_time=Campaign.SendTime.LOCAL_TIME,
                                     local_time=time(9, 0))
    # Midnight in Auckland on 27 September 2026, the night its clocks go forward at 02:00:
    # 09:00 that morning is NZDT (UTC+13), not the NZST (UTC+12) of now.
    with frozen(utc(2026, 9, 26, 12, 0)):
        plan_only(campaign)
        assert schedule_send_times(campaign) == 2
    assert next_attempts(campaign, people) == {
        "Pacific/Auckland": utc(2026, 9, 26, 20, 0),
        "Europe/Berlin": utc(2026, 9, 27, 7, 0),
    }


def test_a_local_time_skipped_by_the_clock_change_goes_out_when_it_would_have_been(
    make_sandbox_subscribers, sandbox
):
    people = people_in(make_sandbox_subscribers, "Europe/Berlin")
    campaign = campaign_for_everyone(send_time=Campaign.SendTime.LOCAL_TIME,
                                     local_time=time(2, 30))
    # Berlin has no 02:30 on 29 March 2026 (02:00 CET jumps to 03:00 CEST).
    with frozen(utc(2026, 3, 28, 12, 0)):
        plan_only(campaign)
        schedule_send_times(campaign)
    assert next_attempts(campaign, people) == {"Europe/Berlin": utc(2026, 3, 29, 1, 30)}


def test_local_time_is_one_update_per_time_zone(make_sandbox_subscribers, sandbox):
    for zone in ZONES:
        make_sandbox_subscribers(3, language="en-GB", timezone=zone)
    campaign = campaign_for_everyone(send_time=Campaign.SendTime.LOCAL_TIME,
                                     local_time=time(9, 0))
    plan_only(campaign)
    with CaptureQueriesContext(connection) as queries:
        assert schedule_send_times(campaign) == 12
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == len(ZONES)
    assert len(queries.captured_queries) == len(ZONES) + 1  # + reading the distinct zones


# Send-time optimisation ------------------------------------------------------------------

def hours(**counts) -> list[int]:
    """A profile's 24 hourly visit counts from h7=3, h19=5, ..."""
    profile = [0] * 24
    for key, n in counts.items():
        profile[int(key[1:])] = n
    return profile


def test_best_hour_is_the_busiest_hour_inside_the_window():
    assert best_hour(hours(h3=9, h19=5, h10=2), 8, 22) == 19
    assert best_hour(hours(h3=9, h10=2), 8, 22) == 10  # 03:00 is outside the window
    assert best_hour(hours(h9=4, h17=4), 8, 22) == 9   # a tie goes to the earlier hour
    assert best_hour(hours(h3=9), 8, 22) == 8          # no visits inside: the window's start
    assert best_hour([], 8, 22) == 8
    assert best_hour(None, 0, 24) == 0


def test_each_subscriber_gets_their_most_active_local_hour_within_the_window(
    make_sandbox_subscribers, sandbox, django_capture_on_commit_callbacks
):
    people = people_in(make_sandbox_subscribers, *ZONES)
    [night_owl] = make_sandbox_subscribers(1, language="en-GB", timezone="Europe/Berlin")
    make_profile(people["Europe/Berlin"], active_hours=hours(h19=5, h8=1))
    make_profile(night_owl, active_hours=hours(h3=9, h10=2))
    make_profile(people["Asia/Tokyo"], active_hours=hours(h21=3))
    make_profile(people["Pacific/Auckland"], active_hours=hours(h9=4, h17=4))
    # New York has no profile: the window's start.
    campaign = campaign_for_everyone(send_time=Campaign.SendTime.BEST_HOUR,
                                     window_start_hour=8, window_end_hour=22)
    with frozen(utc(2026, 1, 15, 12, 0)):
        campaign = send(campaign, django_capture_on_commit_callbacks)
        assert next_attempts(campaign, people) == {
            "Europe/Berlin": utc(2026, 1, 15, 18, 0),     # 19:00 CET, later today
            "America/New_York": utc(2026, 1, 15, 13, 0),  # 08:00 EST, the window's start
            "Asia/Tokyo": utc(2026, 1, 15, 12, 0),        # 21:00 JST: this very hour
            "Pacific/Auckland": utc(2026, 1, 15, 20, 0),  # 09:00 NZDT (tie with 17:00)
        }
        # 10:00 CET has passed today (13:00 now): tomorrow's, within the next 24 hours.
        assert Delivery.objects.get(subscriber=night_owl).next_attempt_at == utc(
            2026, 1, 16, 9, 0)
        # Tokyo's hour is now: it went out straight away, nobody else's has come.
        assert sent_zones(campaign, people) == {"Asia/Tokyo"}
        assert len(sandbox.messages(people["Asia/Tokyo"].endpoint)) == 1


def test_best_hour_updates_are_grouped_by_zone_and_hour(make_sandbox_subscribers, sandbox):
    made = make_sandbox_subscribers(6, language="en-GB", timezone="Asia/Tokyo")
    for subscriber in made[:3]:
        make_profile(subscriber, active_hours=hours(h20=2))
    campaign = campaign_for_everyone(send_time=Campaign.SendTime.BEST_HOUR,
                                     window_start_hour=8, window_end_hour=22)
    plan_only(campaign)
    with CaptureQueriesContext(connection) as queries:
        assert schedule_send_times(campaign) == 6
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2  # (Tokyo, 20:00) and (Tokyo, 08:00), not one per subscriber


def test_best_hour_skips_quiet_hours_unless_the_whole_window_is_quiet():
    night = frozenset(range(21, 24)) | frozenset(range(0, 8))
    assert best_hour(hours(h23=9, h19=2), 0, 24, night) == 19
    assert best_hour(None, 0, 24, night) == 8  # no history: the first hour that is not quiet
    assert best_hour(hours(h22=3), 21, 24, night) == 22  # nothing but quiet hours to pick


def test_most_active_hour_in_quiet_hours_is_not_chosen(
    make_sandbox_subscribers, sandbox, settings
):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("21:00", "08:00")}
    owl, = make_sandbox_subscribers(1, language="en-GB", timezone="Asia/Tokyo")
    make_profile(owl, active_hours=hours(h23=9, h19=2))
    for ignore, expected in ((False, utc(2026, 1, 16, 10, 0)),   # 19:00 JST
                             (True, utc(2026, 1, 15, 14, 0))):   # 23:00 JST
        campaign = campaign_for_everyone(send_time=Campaign.SendTime.BEST_HOUR,
                                         ignore_quiet_hours=ignore)
        with frozen(utc(2026, 1, 15, 12, 0)):  # 21:00 in Tokyo
            plan_only(campaign)
            schedule_send_times(campaign)
        assert Delivery.objects.get(campaign=campaign).next_attempt_at == expected


def test_visits_of_a_subscriber_without_a_known_zone_count_in_the_sites_hours(settings):
    """Profiles record active hours in the zone the send-time controls read them in."""
    from wagtail_pushseg.models import Profile, Subscriber
    from wagtail_pushseg.tracking.recorder import fold_visit

    settings.TIME_ZONE = "Asia/Tokyo"
    for name in ("", "Atlantis/Capital"):
        subscriber = Subscriber(timezone=name)
        profile = Profile()
        fold_visit(profile, subscriber, utc(2026, 1, 15, 12, 0), [])  # 21:00 in Tokyo
        assert profile.active_hours == hours(h21=1)
