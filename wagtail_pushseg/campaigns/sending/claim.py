"""Claiming work: lease a chunk of due deliveries, take back the leases of dead workers, and
say whether a campaign has work now or at all.

A chunk is claimed by flipping due rows to ``sending`` with a lease, re-checking their status
in the UPDATE, so two workers never send the same row; a worker that dies leaves rows whose
lease runs out, and the one-minute bell makes them pending again.
"""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ...conf import pushseg_settings
from ...models import Delivery


def _due(now: datetime) -> Q:
    # Pending rows may wait for a time too: a local delivery time, or the end of quiet hours.
    waiting_for_nothing = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (Q(status=Delivery.Status.PENDING) & waiting_for_nothing) | Q(
        status=Delivery.Status.RETRY, next_attempt_at__lte=now
    )


def claim(campaign_id: int, limit: int, now: datetime | None = None) -> list[int]:
    """Atomically lease up to ``limit`` due deliveries of a campaign; returns their ids."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=pushseg_settings.DELIVERY_LEASE_SECONDS)
    due = _due(now)
    with transaction.atomic():
        # Pending rows waiting for nothing, then pending rows whose time has come (local time,
        # quiet hours), then due retries: each a plain LIMIT over the (campaign, status,
        # next_attempt_at) index. One query with the ORs (and an ORDER BY) reads every pending
        # row's index entry per chunk, which grows with the campaign (48 ms a chunk at 100,000
        # on PostgreSQL).
        ids: list[int] = []
        for part in (Q(status=Delivery.Status.PENDING, next_attempt_at__isnull=True),
                     Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now),
                     Q(status=Delivery.Status.RETRY, next_attempt_at__lte=now)):
            if len(ids) < limit:
                ids += _lock(part, campaign_id, limit - len(ids))
        if ids:
            # Re-checking the status in the UPDATE keeps a racing worker (SQLite) from doubling.
            Delivery.objects.filter(due, pk__in=ids).update(
                status=Delivery.Status.SENDING, lease_until=lease
            )
            ids = list(Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING,
                                               lease_until=lease).values_list("pk", flat=True))
    return ids


def _lock(due: Q, campaign_id: int, limit: int) -> list[int]:
    candidates = Delivery.objects.filter(due, campaign_id=campaign_id)
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True)
    return list(candidates.values_list("pk", flat=True)[:limit])


def unfinished(campaign_id: int) -> int:
    """Deliveries that still need work (pending, leased, or waiting to retry)."""
    return Delivery.objects.filter(
        campaign_id=campaign_id,
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.RETRY],
    ).count()


def reclaim_expired_leases(now: datetime | None = None) -> int:
    """Chunks whose worker died (lease run out while ``sending``) become pending again.

    A worker that was only slow may still finish some of them; a duplicate that slips through
    replaces itself on the device (same Topic header and notification tag).
    """
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING, lease_until__lt=now
    ).update(status=Delivery.Status.PENDING, lease_until=None)


def due_work(campaign_id: int, now: datetime | None = None) -> bool:
    """Is there a delivery a worker could claim right now?"""
    now = now or timezone.now()
    return Delivery.objects.filter(_due(now), campaign_id=campaign_id).exists()
