"""A ``qcluster`` killed with SIGKILL in the middle of a campaign: after a new one starts, the
campaign completes with exact totals, and every device shows the message once.

The killed cluster leaves chunks leased (``sending``) and tasks lost with it (the Redis broker
has no acknowledgements). What brings them back is the one-minute schedule's task,
``tasks.ring_sending_campaigns``: it reclaims expired leases and rings again. The test enqueues
that same task into the Redis queue every two seconds instead of waiting for django-q2's
scheduler, which looks at schedules only every 30 seconds and cannot run one more often than
once a minute; the new cluster runs it like any scheduled run. The clusters get a 3-second
``DELIVERY_LEASE_SECONDS`` so that the killed cluster's leases run out quickly.
"""

import time
from collections import Counter

import pytest

from tests.campaigns import conftest as campaign_fixtures
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.models import Campaign, Delivery

from . import qcluster_support
from .test_sending_multiworker import CHUNK, english_campaign, wait_for


# No django_db mark: ``committed_db`` (through ``redis_queue``) opens the test database in
# autocommit, so that the clusters see every row the moment it is written.
pytestmark = [pytest.mark.qcluster, pytest.mark.timeout(600)]

make_sandbox_subscribers = campaign_fixtures.make_sandbox_subscribers
committed_db = qcluster_support.committed_db
redis_queue = qcluster_support.redis_queue
start_qcluster = qcluster_support.start_qcluster

SUBSCRIBERS = 200
RING = "wagtail_pushseg.tasks.ring_sending_campaigns"


def statuses(campaign) -> Counter:
    return Counter(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True))


def test_a_cluster_killed_mid_campaign_leaves_nothing_lost_or_doubled(
    redis_queue, settings, sandbox, make_sandbox_subscribers, start_qcluster,
):
    subscribers = make_sandbox_subscribers(SUBSCRIBERS, language="en-GB")
    # Half a second per answer: a chunk is in flight most of the time, so the kill lands in one.
    sandbox.set_behaviour(None, delay_ms=500)
    pushseg = {**settings.WAGTAIL_PUSHSEG, "DELIVERY_CHUNK_SIZE": 10,
               "DELIVERY_LEASE_SECONDS": 3}
    doomed = start_qcluster(pushseg)

    campaign = english_campaign()
    services.send_now(campaign)
    wait_for(campaign, Campaign.Status.SENDING, 120, [doomed])
    redis_queue.ring(CHUNK, campaign.pk)  # two chains: both workers busy

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = statuses(campaign)
        if now[Delivery.Status.SENT] >= 40 and now[Delivery.Status.SENDING]:
            break
        time.sleep(0.05)
    doomed.kill()
    at_kill = statuses(campaign)
    assert at_kill[Delivery.Status.SENDING] > 0, at_kill  # chunks were in flight: leases left
    assert at_kill[Delivery.Status.SENT] < SUBSCRIBERS

    # Nothing moves while no cluster runs: the leases are the killed cluster's.
    time.sleep(1)
    assert statuses(campaign) == at_kill

    rescuer = start_qcluster(pushseg)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        campaign.refresh_from_db()
        if campaign.status == Campaign.Status.SENT:
            break
        redis_queue.ring(RING)  # what the one-minute schedule does, sooner
        time.sleep(2)
    wait_for(campaign, Campaign.Status.SENT, 5, [doomed, rescuer])

    rows = list(Delivery.objects.filter(campaign=campaign)
                .values_list("subscriber_id", "status", "lease_until"))
    assert sorted(r[0] for r in rows) == sorted(s.pk for s in subscribers)
    assert statuses(campaign) == {Delivery.Status.SENT: SUBSCRIBERS}
    assert not any(r[2] for r in rows)
    assert rescuer.processed(RING) >= 1

    tag = f"pushseg-c{campaign.pk}"
    replaced = 0
    for subscriber in subscribers:
        messages = [m for m in sandbox.messages(subscriber.endpoint) if m.json()["tag"] == tag]
        shown = [m for m in messages if not m.replaced]
        assert len(shown) == 1, subscriber.endpoint
        # A message the killed cluster had already posted may arrive again; the second one
        # carries the same Topic and replaces the first on the device.
        assert len(messages) <= 2 and {m.topic for m in messages} == {tag}
        replaced += len(messages) - 1
    # Only deliveries that were in flight when the cluster died can have been sent twice.
    assert replaced <= at_kill[Delivery.Status.SENDING]
