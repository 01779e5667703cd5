"""A flaky push service: 20 % of requests fail with 500, 429 + Retry-After, a timeout or a TCP
reset. Every delivery still ends in exactly one terminal state and every device shows the
message once.

Real HTTP to the sandbox and the real engine; django-q2 runs inline, and the test rings the
doorbell itself the way the one-minute schedule does (``tasks.ring_sending_campaigns``), every
few tenths of a second instead of every minute, with backoff settings to match.
"""

import time
from collections import Counter

import pytest

from tests.campaigns import conftest as campaign_fixtures
from tests.segments.conftest import block, make_segment
from wagtail_pushseg import tasks
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.models import Campaign, Delivery


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]

# The campaign tests' fixtures: inline django-q2 tasks, real sandbox subscribers.
inline_tasks = campaign_fixtures.inline_tasks
make_sandbox_subscribers = campaign_fixtures.make_sandbox_subscribers
target = campaign_fixtures.target

SUBSCRIBERS = 150
MIX = {"500": 1, "429": 1, "timeout": 1, "reset": 1}


@pytest.fixture
def flaky_settings(settings, sandbox):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG,
        "DELIVERY_CHUNK_SIZE": 40,
        "PUSH_TIMEOUT": 0.5,  # the sandbox holds "timeout" requests longer than this
        "DELIVERY_RETRY_BASE_SECONDS": 0.05,
        "DELIVERY_RETRY_MAX_SECONDS": 0.3,
        # 0.2 ** 12: no delivery runs out of attempts by bad luck; failures are not under test.
        "DELIVERY_MAX_ATTEMPTS": 12,
    }
    return settings


def ring_until_finished(campaign: Campaign, deadline_seconds: float = 120) -> int:
    """What the schedule does, until the campaign is no longer sending; returns the rings."""
    rings = 0
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        campaign.refresh_from_db()
        if campaign.status != Campaign.Status.SENDING:
            return rings
        tasks.ring_sending_campaigns()
        rings += 1
        time.sleep(0.2)
    raise AssertionError(
        f"campaign still {campaign.status} after {rings} rings: "
        f"{Counter(Delivery.objects.filter(campaign=campaign).values_list('status', flat=True))}"
    )


def test_every_delivery_ends_once_and_every_device_shows_it_once(
    flaky_settings, sandbox, make_sandbox_subscribers, django_capture_on_commit_callbacks
):
    subscribers = make_sandbox_subscribers(SUBSCRIBERS, language="en-GB")
    campaign = Campaign.objects.create(title="Flash sale", body="Today only", url="/shop/")
    target(campaign, make_segment([block("language", languages=["en"])], name="English"), 0)
    sandbox.set_behaviour(None, fail_rate=0.2, fail_mix=MIX, retry_after=1, hang_ms=1500,
                          seed=6)

    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    ring_until_finished(campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    deliveries = list(Delivery.objects.filter(campaign=campaign)
                      .values_list("subscriber_id", "status", "attempts"))
    # One row per subscriber (the ledger's unique key), each in exactly one terminal state.
    assert sorted(row[0] for row in deliveries) == sorted(s.pk for s in subscribers)
    assert {row[1] for row in deliveries} == {Delivery.Status.SENT}
    assert max(row[2] for row in deliveries) > 1  # some needed more than one attempt

    tag = f"pushseg-c{campaign.pk}"
    for subscriber in subscribers:
        shown = [m for m in sandbox.messages(subscriber.endpoint)
                 if not m.replaced and m.json()["tag"] == tag]
        assert len(shown) == 1, subscriber.endpoint

    # The mix really happened: each kind of fault was injected.
    injected = Counter(r.reason if r.status == 0 else r.status for r in sandbox.rejections)
    assert {500, 429, "injected timeout", "injected reset"} <= set(injected), injected


def test_a_timeout_is_retried_and_delivered_once(flaky_settings, sandbox,
                                                 make_sandbox_subscribers,
                                                 django_capture_on_commit_callbacks):
    """A request the push service never answers is a retry, not a failure or a double."""
    [subscriber] = make_sandbox_subscribers(1, language="en-GB")
    campaign = Campaign.objects.create(title="Flash sale", url="/shop/")
    target(campaign, make_segment([block("language", languages=["en"])], name="English"), 0)
    sandbox.set_behaviour(subscriber.endpoint, fail_rate=1.0, fail_mix={"timeout": 1},
                          hang_ms=1500)

    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    delivery = Delivery.objects.get(campaign=campaign)
    assert (delivery.status, delivery.reason) == (Delivery.Status.RETRY, "timed out")
    # (The chained task may already have tried again once the short backoff was over.)
    timed_out = delivery.attempts
    assert timed_out >= 1

    sandbox.reset_behaviour(subscriber.endpoint)
    ring_until_finished(campaign)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, timed_out + 1)
    assert sandbox.request_count(subscriber.endpoint) == timed_out + 1  # each one a real POST
    assert len(sandbox.messages(subscriber.endpoint)) == 1


def test_a_reset_connection_is_retried(flaky_settings, sandbox, make_sandbox_subscribers,
                                       django_capture_on_commit_callbacks):
    [subscriber] = make_sandbox_subscribers(1, language="en-GB")
    campaign = Campaign.objects.create(title="Flash sale", url="/shop/")
    target(campaign, make_segment([block("language", languages=["en"])], name="English"), 0)
    sandbox.set_behaviour(subscriber.endpoint, fail_rate=1.0, fail_mix={"reset": 1})

    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    delivery = Delivery.objects.get(campaign=campaign)
    assert delivery.status == Delivery.Status.RETRY
    assert delivery.reason.startswith("connection failed")
    assert sandbox.messages(subscriber.endpoint) == []
