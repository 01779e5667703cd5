"""Stale subscribers are retired and purged, and the numbers they were part of stay right
(issue 14, item 9)."""

import os
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from tests.api.test_subscribe import fcm_subscription, post
from wagtail_pushseg import tasks
from wagtail_pushseg.campaigns.results import funnels
from wagtail_pushseg.insights.history import take_snapshot
from wagtail_pushseg.models import (
    Campaign,
    CampaignTarget,
    Delivery,
    Event,
    Profile,
    Segment,
    SegmentDay,
    Subscriber,
)
from wagtail_pushseg.schedules import ensure_schedules


pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def subscriber(status="active", *, ended_days=None, seen_days=1, created_days=400, **fields):
    endpoint = f"https://fcm.googleapis.com/fcm/send/{os.urandom(8).hex()}"
    ended = {} if ended_days is None else {
        {"expired": "expired_at", "unsubscribed": "unsubscribed_at",
         "retired": "retired_at", "invalid": "expired_at"}[status]: ago(ended_days)}
    return Subscriber.objects.create(
        endpoint=endpoint, p256dh="k", auth="a", status=status, created_at=ago(created_days),
        last_seen_at=ago(seen_days), **ended, **fields,
    )


@pytest.fixture
def stale_settings(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "PURGE_AFTER_DAYS": 30,
                                "RETIRE_AFTER_DAYS": 270}


@pytest.fixture
def campaign():
    segment = Segment.objects.create(name="Everyone", slug="everyone")
    campaign = Campaign.objects.create(title="Sale", status=Campaign.Status.SENT)
    target = CampaignTarget.objects.create(campaign=campaign, sort_order=0, segment=segment)
    return campaign, target


def deliver(campaign, target, subscriber, *, days, clicked=False, status="sent"):
    return Delivery.objects.create(
        campaign=campaign, target=target, subscriber=subscriber, status=status,
        sent_at=ago(days) if status == "sent" else None,
        shown_at=ago(days) if status == "sent" else None,
        clicked_at=ago(days) if clicked else None,
    )


def test_ended_subscribers_are_purged_after_the_grace_period_and_results_keep_their_counts(
    stale_settings, campaign
):
    campaign, target = campaign
    expired_long_ago = subscriber("expired", ended_days=31)
    unsubscribed_long_ago = subscriber("unsubscribed", ended_days=45)
    expired_lately = subscriber("expired", ended_days=29)
    active = subscriber()
    for s in (expired_long_ago, unsubscribed_long_ago, expired_lately, active):
        deliver(campaign, target, s, days=60, clicked=s is unsubscribed_long_ago)
        Event.objects.create(subscriber=s, kind="page_view", occurred_at=ago(60))
        Profile.objects.create(subscriber=s, total_visits=1)
    before = funnels([campaign.pk])[campaign.pk]

    with freeze_time(NOW):
        report = tasks.purge_stale_subscribers()

    assert report == {"retired": 0, "purged": 2}
    assert set(Subscriber.objects.all()) == {expired_lately, active}
    assert Event.objects.count() == Profile.objects.count() == 2
    # The ledger keeps their rows, without them: the finished campaign reads as before.
    assert Delivery.objects.filter(subscriber=None).count() == 2
    after = funnels([campaign.pk])[campaign.pk]
    assert after == before
    assert (after.sent, after.clicked) == (4, 1)


def test_segment_history_counted_again_after_a_purge_is_unchanged(stale_settings, campaign):
    campaign, target = campaign
    gone = [subscriber("unsubscribed", ended_days=40) for _ in range(3)]
    for s in gone:
        deliver(campaign, target, s, days=50, clicked=True)
    day = ago(50).date()
    with freeze_time(ago(49)):
        take_snapshot(day, capture=False)
    before = SegmentDay.objects.get(day=day)

    with freeze_time(NOW):
        tasks.purge_stale_subscribers()
        take_snapshot(day, capture=False)  # the daily job re-counts past days

    assert not Subscriber.objects.exists()
    after = SegmentDay.objects.get(day=day)
    assert (before.pushes, before.clicks) == (after.pushes, after.clicks) == (3, 3)


def test_subscribers_not_seen_and_not_reached_are_retired_then_purged(stale_settings, campaign):
    campaign, target = campaign
    unreachable = subscriber(seen_days=300)
    pushed_lately = subscriber(seen_days=300)
    deliver(campaign, target, pushed_lately, days=10)
    failed_lately = subscriber(seen_days=300)
    deliver(campaign, target, failed_lately, days=10, status="failed")
    visited_lately = subscriber(seen_days=200)
    new = subscriber(seen_days=300, created_days=100)

    with freeze_time(NOW):
        assert tasks.purge_stale_subscribers() == {"retired": 2, "purged": 0}

    retired = set(Subscriber.objects.filter(status="retired"))
    assert retired == {unreachable, failed_lately}
    assert Subscriber.objects.get(pk=unreachable.pk).retired_at == NOW
    assert set(Subscriber.objects.active()) == {pushed_lately, visited_lately, new}

    with freeze_time(NOW + timedelta(days=29)):
        assert tasks.purge_stale_subscribers()["purged"] == 0
    with freeze_time(NOW + timedelta(days=31)):
        assert tasks.purge_stale_subscribers()["purged"] == 2
    assert not Subscriber.objects.filter(pk__in=[unreachable.pk, failed_lately.pk]).exists()


def test_a_subscriber_with_an_unfinished_delivery_waits_for_it(stale_settings, campaign):
    campaign, target = campaign
    waiting = subscriber("unsubscribed", ended_days=40)
    delivery = deliver(campaign, target, waiting, days=0, status="retry")

    with freeze_time(NOW):
        assert tasks.purge_stale_subscribers()["purged"] == 0
    Delivery.objects.filter(pk=delivery.pk).update(status="failed")
    with freeze_time(NOW):
        assert tasks.purge_stale_subscribers()["purged"] == 1


def test_settings_of_none_never_retire_or_purge(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "PURGE_AFTER_DAYS": None,
                                "RETIRE_AFTER_DAYS": None}
    subscriber("expired", ended_days=4000)
    subscriber(seen_days=4000)
    with freeze_time(NOW):
        assert tasks.purge_stale_subscribers() == {"retired": 0, "purged": 0}
    assert Subscriber.objects.count() == 2


def test_a_retired_browser_that_subscribes_again_is_active(stale_settings, site_client):
    data = fcm_subscription()
    assert post(site_client, data).status_code == 201
    Subscriber.objects.update(status="retired", retired_at=ago(5))
    assert post(site_client, data).status_code == 200
    row = Subscriber.objects.get()
    assert (row.status, row.retired_at) == ("active", None)


def test_pushseg_purge_dry_run_changes_nothing_then_the_real_run_purges(stale_settings):
    subscriber("expired", ended_days=31)
    subscriber("unsubscribed", ended_days=31)
    subscriber(seen_days=300)
    out = StringIO()

    with freeze_time(NOW):
        call_command("pushseg_purge", "--dry-run", "--no-progress", stdout=out)
    assert "1 subscribers would be retired" in out.getvalue()
    assert "2 would be purged" in out.getvalue()
    assert Subscriber.objects.count() == 3
    assert not Subscriber.objects.filter(status="retired").exists()

    out = StringIO()
    with freeze_time(NOW):
        call_command("pushseg_purge", stdout=out)
    assert "Retired 1 subscribers, purged 2." in out.getvalue()
    assert list(Subscriber.objects.values_list("status", flat=True)) == ["retired"]


def test_the_purge_runs_daily():
    from django_q.models import Schedule

    ensure_schedules()
    schedule = Schedule.objects.get(name="wagtail_pushseg: purge stale subscribers")
    assert (schedule.func, schedule.schedule_type) == (
        "wagtail_pushseg.tasks.purge_stale_subscribers", Schedule.DAILY)


def test_receipts_of_a_purged_subscribers_delivery_are_ignored(stale_settings, campaign):
    from wagtail_pushseg.campaigns.tokens import DeliveryRef
    from wagtail_pushseg.tracking.receipts import record_click, record_receipt

    campaign, target = campaign
    gone = subscriber("unsubscribed", ended_days=40)
    delivery = deliver(campaign, target, gone, days=50)
    with freeze_time(NOW):
        tasks.purge_stale_subscribers()
    ref = DeliveryRef(campaign.pk, delivery.pk)

    # A late click or "dismissed" from the purged browser: nothing recorded, no error.
    assert record_click(ref) is None
    assert record_receipt(ref, "dismissed") is None
    assert Delivery.objects.get(pk=delivery.pk).clicked_at is None
    assert not Event.objects.exists()


def test_erasing_keeps_the_ledger_and_cancels_what_was_still_to_go(campaign):
    from wagtail_pushseg.subscribers.services import erase

    campaign, target = campaign
    person = subscriber()
    done = deliver(campaign, target, person, days=3, clicked=True)
    other = Campaign.objects.create(title="Later", status=Campaign.Status.SENDING)
    waiting = Delivery.objects.create(campaign=other, subscriber=person, status="pending")

    erase(person)

    done.refresh_from_db()
    waiting.refresh_from_db()
    assert (done.subscriber_id, done.status, done.clicked_at) == (None, "sent", ago(3))
    assert (waiting.subscriber_id, waiting.status) == (None, "cancelled")


def test_invalid_subscribers_are_purged_after_the_grace_period_too(stale_settings):
    """Refused alone by their push service (campaigns/sending/refusals.py), stamped in
    expired_at."""
    long_ago, lately = subscriber("invalid", ended_days=31), subscriber("invalid", ended_days=2)
    with freeze_time(NOW):
        assert tasks.purge_stale_subscribers() == {"retired": 0, "purged": 1}
    assert list(Subscriber.objects.all()) == [lately] and long_ago.pk is not None
