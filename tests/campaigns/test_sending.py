"""From "send" to the sandbox: plan, chunked tasks, results in the ledger. django-q2 runs its
tasks inline here (``sync``); real clusters are in test_sending_multiworker.py and
test_sending_sigkill.py."""

import pytest

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.models import Campaign, Delivery, Profile, Subscriber

from .conftest import target


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.fixture
def languages(make_sandbox_subscribers):
    german = make_sandbox_subscribers(3, language="de-DE")
    french = make_sandbox_subscribers(2, language="fr-FR")
    return german, french


def language_campaign(**fields) -> Campaign:
    campaign = Campaign.objects.create(title="Winter sale", body="30% off", url="/shop/", **fields)
    target(
        campaign,
        make_segment([block("language", languages=["de"])], name="German"),
        0,
        title="Winterschlussverkauf",
    )
    target(campaign, make_segment([block("language", languages=["fr"])], name="French"), 1)
    return campaign


def test_send_now_reaches_each_subscriber_once_with_its_targets_wording(
    languages, sandbox, django_capture_on_commit_callbacks
):
    german, french = languages
    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert Delivery.objects.filter(campaign=campaign, status="sent").count() == 5
    for subscriber in german:
        [message] = sandbox.messages(subscriber.endpoint)
        assert message.json()["title"] == "Winterschlussverkauf"
        assert message.topic == f"pushseg-c{campaign.pk}"
        assert message.json()["tag"] == f"pushseg-c{campaign.pk}"
    for subscriber in french:
        [message] = sandbox.messages(subscriber.endpoint)
        assert message.json()["title"] == "Winter sale"
        assert message.json()["body"] == "30% off"
    assert set(Profile.objects.values_list("pushes_received", flat=True)) == {1}


def test_gone_subscription_expires_and_a_500_waits_to_retry(
    languages, sandbox, django_capture_on_commit_callbacks
):
    german, french = languages
    sandbox.set_behaviour(german[0].endpoint, status=410)
    sandbox.set_behaviour(french[0].endpoint, status=503, retry_after=60)
    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)

    assert Delivery.objects.get(subscriber=german[0]).status == "expired"
    assert Subscriber.objects.get(pk=german[0].pk).status == "expired"
    retry = Delivery.objects.get(subscriber=french[0])
    assert (retry.status, retry.status_code, retry.attempts) == ("retry", 503, 1)
    assert retry.next_attempt_at is not None
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING  # work is left: not "sent" yet
    assert Delivery.objects.filter(status="sent").count() == 3


def test_a_repeated_task_sends_nothing_twice(
    languages, sandbox, django_capture_on_commit_callbacks
):
    from wagtail_pushseg import tasks

    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    assert tasks.plan_campaign(campaign.pk) == 0
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    assert tasks.send_campaign_chunk(campaign.pk) == 0
    assert len(sandbox.all_messages()) == 5


def test_cancel_stops_all_unsent_deliveries(languages, sandbox, django_capture_on_commit_callbacks):
    campaign = language_campaign()
    from wagtail_pushseg import tasks

    with django_capture_on_commit_callbacks(execute=False):
        services.send_now(campaign)  # queued, the planning task not run yet
        services.plan(campaign.pk)  # deliveries written, the senders not started
    campaign.refresh_from_db()
    assert services.cancel(campaign) == 5
    assert tasks.send_campaign_chunk(campaign.pk) == 0
    assert sandbox.all_messages() == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(services.CampaignStateError):
        services.cancel(campaign)


def test_a_sent_campaign_cannot_be_sent_again(languages, django_capture_on_commit_callbacks):
    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    with pytest.raises(services.CampaignStateError):
        services.send_now(campaign)


def test_a_scheduled_campaign_is_queued_when_its_time_comes(
    languages, sandbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from freezegun import freeze_time

    from wagtail_pushseg import tasks

    campaign = language_campaign()
    when = timezone.now() + timedelta(hours=1)
    services.schedule(campaign, when)
    assert tasks.dispatch_scheduled_campaigns() == 0
    with freeze_time(when + timedelta(seconds=30)):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.dispatch_scheduled_campaigns() == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 5


def test_dispatch_runs_every_minute_on_a_django_q_schedule():
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("migrate", verbosity=0)
    schedule = Schedule.objects.get(name="wagtail_pushseg: send scheduled campaigns")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "wagtail_pushseg.tasks.dispatch_scheduled_campaigns", Schedule.MINUTES, 1,
    )


def test_throttled_push_service_defers_without_spending_attempts(
    make_sandbox_subscribers, sandbox, settings, django_capture_on_commit_callbacks
):
    """A 429 holds back the rest of that service's messages; those were never tried."""
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "SEND_CONCURRENCY_PER_HOST": 1}
    make_sandbox_subscribers(4, language="de-DE")
    sandbox.set_behaviour(None, status=429, retry_after=30)  # the whole service throttles
    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    attempts = sorted(Delivery.objects.values_list("attempts", flat=True))
    assert sandbox.total_requests == 1
    assert attempts == [0, 0, 0, 1]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"retry"}


def test_retries_are_sent_when_due_by_the_one_minute_bell(
    languages, sandbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from freezegun import freeze_time

    from wagtail_pushseg import tasks

    german, french = languages
    sandbox.set_behaviour(french[0].endpoint, status=503, retry_after=60)
    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    sandbox.reset_behaviour()
    assert tasks.ring_sending_campaigns() == 0  # not due yet
    with freeze_time(timezone.now() + timedelta(seconds=61)):
        assert tasks.ring_sending_campaigns() == 1
        assert tasks.ring_sending_campaigns() == 0  # the last ring found it finished
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.messages(french[0].endpoint)) == 1
    assert Delivery.objects.get(subscriber=french[0]).attempts == 2


def test_a_dead_workers_chunk_is_taken_back_and_sent_once(
    languages, sandbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from freezegun import freeze_time

    from wagtail_pushseg import tasks
    from wagtail_pushseg.campaigns.sending.claim import claim

    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        services.send_now(campaign)
        services.plan(campaign.pk)  # planned; no sender started
    leased = claim(campaign.pk, 3)  # a worker claims three, then dies
    assert len(leased) == 3
    assert tasks.ring_sending_campaigns() == 1  # the other two are still pending
    assert Delivery.objects.filter(status="sending").count() == 3
    with freeze_time(timezone.now() + timedelta(minutes=6)):  # lease (300 s) has run out
        tasks.ring_sending_campaigns()
        tasks.ring_sending_campaigns()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 5
    assert sorted(len(sandbox.messages(d.subscriber.endpoint)) for d in Delivery.objects.all()) == [
        1, 1, 1, 1, 1,
    ]


def test_a_403_storm_pauses_the_campaign_and_expires_nobody(
    languages, sandbox, settings, django_capture_on_commit_callbacks
):
    from wagtail.models import ModelLogEntry

    first = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(first)  # they have all received from us once
    sandbox.clear_messages()
    # Every push refused, subscriptions that received before included: our VAPID problem
    # (subscriptions that never received cannot pause anything: test_vapid_refusals.py).
    sandbox.set_behaviour(None, status=403)
    campaign = Campaign.objects.create(title="Again", url="/shop/")
    for order, old in enumerate(first.targets.all()):
        target(campaign, old.segment, order)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "VAPID" in campaign.status_reason
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) \
        == {"pending"}
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"active"}
    assert ModelLogEntry.objects.filter(action="wagtail_pushseg.pause_campaign").exists()

    sandbox.reset_behaviour()  # the site builder fixes the keys
    with django_capture_on_commit_callbacks(execute=True):
        services.resume(campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 5


def test_a_few_403s_among_successes_fail_only_those(
    make_sandbox_subscribers, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "DELIVERY_RETRY_BASE_SECONDS": 0}
    subscribers = make_sandbox_subscribers(4, language="de-DE")
    sandbox.set_behaviour(subscribers[0].endpoint, status=403)
    campaign = language_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    # Refused alone twice (a retry) while the others were accepted: that subscription's fault.
    assert Delivery.objects.get(subscriber=subscribers[0]).status == "failed"
    assert Subscriber.objects.get(pk=subscribers[0].pk).status == Subscriber.Status.INVALID
    assert Delivery.objects.filter(status="sent").count() == 3
