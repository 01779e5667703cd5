"""Quiet hours in each subscriber's own time zone, with a frozen clock: deliveries due at night
wait (no attempt spent; pending, or retry for a retry) until the local morning, and then really
go out."""

import pytest

from wagtail_pushseg import tasks
from wagtail_pushseg.campaigns.sending.claim import claim
from wagtail_pushseg.campaigns.sending.controls import hold_back
from wagtail_pushseg.models import Campaign, Delivery

from .controls_helpers import campaign_for_everyone, frozen, people_in, plan_only, send, utc


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")


@pytest.fixture
def quiet_nights(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("21:00", "08:00")}


@pytest.fixture
def world(make_sandbox_subscribers, sandbox, quiet_nights):
    return people_in(make_sandbox_subscribers, *ZONES)


def delivery(campaign, subscriber) -> Delivery:
    return Delivery.objects.get(campaign=campaign, subscriber=subscriber)


def test_night_time_zones_wait_for_their_morning_and_then_get_the_push(
    world, sandbox, django_capture_on_commit_callbacks
):
    # 20:30 UTC on 15 June: 22:30 in Berlin and 05:30 in Tokyo (quiet), 16:30 in New York and
    # 08:30 in Auckland (awake).
    with frozen(utc(2026, 6, 15, 20, 30)) as clock:
        campaign = send(campaign_for_everyone(), django_capture_on_commit_callbacks)

        for zone in ("America/New_York", "Pacific/Auckland"):
            assert delivery(campaign, world[zone]).status == "sent"
            assert len(sandbox.messages(world[zone].endpoint)) == 1
        berlin, tokyo = delivery(campaign, world["Europe/Berlin"]), delivery(
            campaign, world["Asia/Tokyo"])
        assert (berlin.status, berlin.attempts) == ("pending", 0)
        assert berlin.next_attempt_at == utc(2026, 6, 16, 6, 0)  # 08:00 CEST
        assert (tokyo.status, tokyo.attempts) == ("pending", 0)
        assert tokyo.next_attempt_at == utc(2026, 6, 15, 23, 0)  # 08:00 JST
        assert sandbox.messages(world["Europe/Berlin"].endpoint) == []
        assert campaign.status == Campaign.Status.SENDING  # deferred, not done

        # The one-minute bell before the morning finds nothing due.
        clock.move_to(utc(2026, 6, 15, 22, 59))
        assert tasks.ring_sending_campaigns() == 0
        assert sandbox.messages(world["Asia/Tokyo"].endpoint) == []

        clock.move_to(utc(2026, 6, 15, 23, 0))
        assert tasks.ring_sending_campaigns() == 1
        assert delivery(campaign, world["Asia/Tokyo"]).status == "sent"
        assert len(sandbox.messages(world["Asia/Tokyo"].endpoint)) == 1
        assert delivery(campaign, world["Europe/Berlin"]).status == "pending"
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.SENDING

        clock.move_to(utc(2026, 6, 16, 6, 1))
        tasks.ring_sending_campaigns()
        berlin = delivery(campaign, world["Europe/Berlin"])
        assert (berlin.status, berlin.attempts) == ("sent", 1)
        assert len(sandbox.messages(world["Europe/Berlin"].endpoint)) == 1
        tasks.ring_sending_campaigns()  # nothing left: the bell finishes the campaign
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.SENT
    assert all(len(sandbox.messages(s.endpoint)) == 1 for s in world.values())


def test_quiet_hours_that_do_not_span_midnight(
    make_sandbox_subscribers, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("12:00", "14:00")}
    people = people_in(make_sandbox_subscribers, "Asia/Tokyo", "Europe/Berlin")
    with frozen(utc(2026, 1, 20, 3, 15)):  # 12:15 in Tokyo, 04:15 in Berlin
        campaign = send(campaign_for_everyone(), django_capture_on_commit_callbacks)
    assert delivery(campaign, people["Europe/Berlin"]).status == "sent"
    tokyo = delivery(campaign, people["Asia/Tokyo"])
    assert (tokyo.status, tokyo.next_attempt_at) == ("pending", utc(2026, 1, 20, 5, 0))


def test_urgent_campaign_ignores_quiet_hours(world, sandbox, django_capture_on_commit_callbacks):
    with frozen(utc(2026, 6, 15, 20, 30)):
        campaign = send(campaign_for_everyone(ignore_quiet_hours=True),
                        django_capture_on_commit_callbacks)
    assert campaign.status == Campaign.Status.SENT
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) == {
        "sent"}
    assert all(len(sandbox.messages(s.endpoint)) == 1 for s in world.values())


def test_unknown_time_zone_keeps_the_sites_quiet_hours(
    make_sandbox_subscribers, sandbox, settings, quiet_nights, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "Asia/Tokyo"
    [lost] = make_sandbox_subscribers(1, language="en-GB", timezone="Mars/Olympus_Mons")
    [blank] = make_sandbox_subscribers(1, language="en-GB", timezone="")
    with frozen(utc(2026, 6, 15, 20, 30)):  # 05:30 in Tokyo
        campaign = send(campaign_for_everyone(), django_capture_on_commit_callbacks)
    for subscriber in (lost, blank):
        row = delivery(campaign, subscriber)
        assert (row.status, row.next_attempt_at) == ("pending", utc(2026, 6, 15, 23, 0))
        assert sandbox.messages(subscriber.endpoint) == []


def test_no_quiet_hours_setting_sends_at_night(
    make_sandbox_subscribers, sandbox, django_capture_on_commit_callbacks
):
    people = people_in(make_sandbox_subscribers, "Europe/Berlin")
    with frozen(utc(2026, 6, 15, 1, 0)):  # 03:00 in Berlin, no QUIET_HOURS
        campaign = send(campaign_for_everyone(), django_capture_on_commit_callbacks)
    assert delivery(campaign, people["Europe/Berlin"]).status == "sent"


def test_a_retry_that_falls_in_quiet_hours_waits_as_a_retry_and_a_fresh_row_as_pending(
    make_sandbox_subscribers, sandbox, quiet_nights, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    people = people_in(make_sandbox_subscribers, "Europe/Berlin", "Asia/Tokyo")
    berlin, tokyo = people["Europe/Berlin"], people["Asia/Tokyo"]
    mornings = {berlin: utc(2026, 6, 16, 6, 0), tokyo: utc(2026, 6, 15, 23, 0)}  # 08:00 local
    # 10:00 UTC: 12:00 in Berlin, 19:00 in Tokyo; the push service fails everything once.
    sandbox.set_behaviour(None, status=500)
    with frozen(utc(2026, 6, 15, 10, 0)) as clock:
        retried = send(campaign_for_everyone("Retried"), capture)
        first_try = {s: delivery(retried, s) for s in people.values()}
        assert {(d.status, d.attempts) for d in first_try.values()} == {("retry", 1)}
        assert all(d.reason for d in first_try.values())
        sandbox.set_behaviour(None)

        # 20:00 UTC: 22:00 in Berlin, 05:00 in Tokyo, both quiet. The retries come due and a
        # new campaign starts: neither goes out, each waits as what it was.
        clock.move_to(utc(2026, 6, 15, 20, 0))
        fresh = send(campaign_for_everyone("Fresh"), capture)
        tasks.ring_sending_campaigns()
        for subscriber, morning in mornings.items():
            row = delivery(retried, subscriber)
            assert (row.status, row.attempts, row.reason, row.next_attempt_at, row.lease_until) \
                == ("retry", 1, first_try[subscriber].reason, morning, None)
            row = delivery(fresh, subscriber)
            assert (row.status, row.attempts, row.reason, row.next_attempt_at) == (
                "pending", 0, "", morning)
        assert sandbox.total_requests == 2  # only the failed first tries

        clock.move_to(utc(2026, 6, 15, 22, 59))
        assert tasks.ring_sending_campaigns() == 0

        # Tokyo's morning: claim takes the retry and the pending row alike.
        clock.move_to(utc(2026, 6, 15, 23, 0))
        tasks.ring_sending_campaigns()
        assert (delivery(retried, tokyo).status, delivery(retried, tokyo).attempts) == ("sent", 2)
        assert (delivery(fresh, tokyo).status, delivery(fresh, tokyo).attempts) == ("sent", 1)
        assert delivery(retried, berlin).status == "retry"
        assert delivery(fresh, berlin).status == "pending"

        clock.move_to(utc(2026, 6, 16, 6, 1))
        tasks.ring_sending_campaigns()
        assert (delivery(retried, berlin).status, delivery(retried, berlin).attempts) == (
            "sent", 2)
        assert (delivery(fresh, berlin).status, delivery(fresh, berlin).attempts) == ("sent", 1)
    for subscriber in people.values():
        titles = sorted(m.json()["title"] for m in sandbox.messages(subscriber.endpoint))
        assert titles == ["Fresh", "Retried"]


def test_a_delivery_its_push_service_deferred_stays_a_retry_through_quiet_hours(
    make_sandbox_subscribers, sandbox, quiet_nights
):
    # Never tried (a 429 for the origin held it back), so no attempt spent, but a retry.
    [tokyo] = people_in(make_sandbox_subscribers, "Asia/Tokyo").values()
    deferred = "deferred: https://push.example answered HTTP 429, not sent"
    with frozen(utc(2026, 6, 15, 20, 0)):  # 05:00 in Tokyo
        campaign = campaign_for_everyone()
        plan_only(campaign)
        Delivery.objects.filter(campaign=campaign).update(
            status="retry", attempts=0, reason=deferred, next_attempt_at=utc(2026, 6, 15, 19, 0))
        ids = claim(campaign.pk, 10)
        assert hold_back(campaign, ids).deferred == 1
    row = delivery(campaign, tokyo)
    assert (row.status, row.attempts, row.reason, row.next_attempt_at) == (
        "retry", 0, deferred, utc(2026, 6, 15, 23, 0))
