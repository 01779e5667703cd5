"""The doorbell: after a chunk, ring again for the next one while work is left and finish the
campaign when none is; behind it, a one-minute bell for whatever a lost or late task missed.

``tasks.py`` calls these; each ring is one django-q2 task sending one chunk.
"""

from collections.abc import Iterable

from ...models import Campaign
from ..services import finish_if_done
from .claim import due_work, reclaim_expired_leases
from .engine import send_chunk


#: The django-q2 task that sends one chunk of a campaign.
CHUNK_TASK = "wagtail_pushseg.tasks.send_campaign_chunk"


def ring(campaign_ids: Iterable[int]) -> int:
    """Enqueue one chunk task per campaign; returns how many were rung."""
    # Looked up at call time, so a test may swap the queue.
    from django_q.tasks import async_task

    rung = 0
    for campaign_id in campaign_ids:
        async_task(CHUNK_TASK, campaign_id)
        rung += 1
    return rung


def send_and_ring(campaign_id: int) -> int:
    """Send one chunk; ring again while work is left, mark the campaign sent when none is.
    Returns how many deliveries were claimed."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return 0
    result = send_chunk(campaign_id)
    # A chunk made only of departed subscribers' rows sent nothing, but more may be waiting.
    if result.claimed or result.cancelled or result.throttled:
        ring([campaign_id])
    else:
        finish_if_done(campaign)
    return result.claimed


def ring_sending_campaigns() -> int:
    """The safety net behind the doorbell (a one-minute schedule): take back the chunks of
    workers that died, ring again for campaigns with work that is due (retries included), and
    finish campaigns with none left. Returns how many campaigns were rung."""
    reclaim_expired_leases()
    rung = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.SENDING):
        if due_work(campaign.pk):
            rung += ring([campaign.pk])
        else:
            finish_if_done(campaign)
    return rung
