"""Two real ``qcluster`` processes on django-q2's Redis broker and PostgreSQL send one campaign
together: every delivery is sent exactly once, every device gets the message once.

The clusters are separate processes (as on separate machines) sharing only the database, the
Redis queue and the push service. Bells are rung several times on purpose: duplicated tasks
must not double anything. Runs in the PostgreSQL pass (``DATABASE_URL=postgres://...``).
"""

import time
from collections import Counter

import pytest

from tests.campaigns import conftest as campaign_fixtures
from tests.segments.conftest import block, make_segment
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.models import Campaign, Delivery

from . import qcluster_support


# No django_db mark: ``committed_db`` (through ``redis_queue``) opens the test database in
# autocommit, so that the clusters see every row the moment it is written.
pytestmark = [pytest.mark.qcluster, pytest.mark.timeout(600)]

make_sandbox_subscribers = campaign_fixtures.make_sandbox_subscribers
committed_db = qcluster_support.committed_db
redis_queue = qcluster_support.redis_queue
start_qcluster = qcluster_support.start_qcluster

SUBSCRIBERS = 300
CHUNK = "wagtail_pushseg.tasks.send_campaign_chunk"


def english_campaign() -> Campaign:
    campaign = Campaign.objects.create(title="Flash sale", body="Today only", url="/shop/")
    campaign_fixtures.target(
        campaign, make_segment([block("language", languages=["en"])], name="English"), 0)
    return campaign


def wait_for(campaign: Campaign, status: str, timeout: float, clusters=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        campaign.refresh_from_db()
        if campaign.status == status:
            return
        time.sleep(0.25)
    ledger = Counter(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True))
    logs = "\n".join(c.output()[-2000:] for c in clusters)
    raise AssertionError(f"campaign {campaign.status}, not {status}: {ledger}\n{logs}")


def test_two_clusters_send_each_delivery_exactly_once(
    redis_queue, settings, sandbox, make_sandbox_subscribers, start_qcluster,
    django_capture_on_commit_callbacks,
):
    subscribers = make_sandbox_subscribers(SUBSCRIBERS, language="en-GB")
    # Slow answers keep chunks in flight long enough for both clusters to take some.
    sandbox.set_behaviour(None, delay_ms=100)
    pushseg = {**settings.WAGTAIL_PUSHSEG, "DELIVERY_CHUNK_SIZE": 20}
    clusters = [start_qcluster(pushseg), start_qcluster(pushseg)]

    campaign = english_campaign()
    services.send_now(campaign)  # after commit: plan_campaign into the Redis queue
    wait_for(campaign, Campaign.Status.SENDING, 120, clusters)
    for _ in range(5):  # more bells than needed: duplicates must be harmless
        redis_queue.ring(CHUNK, campaign.pk)
    wait_for(campaign, Campaign.Status.SENT, 300, clusters)

    rows = list(Delivery.objects.filter(campaign=campaign)
                .values_list("subscriber_id", "status", "attempts"))
    assert sorted(r[0] for r in rows) == sorted(s.pk for s in subscribers)
    assert Counter((r[1], r[2]) for r in rows) == {(Delivery.Status.SENT, 1): SUBSCRIBERS}

    tag = f"pushseg-c{campaign.pk}"
    for subscriber in subscribers:
        messages = sandbox.messages(subscriber.endpoint)
        assert [m.json()["tag"] for m in messages] == [tag], subscriber.endpoint
    assert sandbox.total_requests == SUBSCRIBERS  # not one POST more: nothing claimed twice

    # Both processes really sent: each one's monitor logged chunks it finished.
    assert all(cluster.processed(CHUNK) >= 1 for cluster in clusters), [
        cluster.processed(CHUNK) for cluster in clusters]
