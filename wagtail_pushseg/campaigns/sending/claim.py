"""Claiming work: lease a chunk of due deliveries, take back the leases of dead workers, and
say whether a campaign has work now or at all.

A chunk is claimed by flipping due rows to ``sending`` with a lease, re-checking their status
in the UPDATE, so two workers never send the same row; a worker that dies leaves rows whose
lease runs out, and the one-minute bell makes them pending again.

A row whose subscriber left after planning (unsubscribed, expired, invalid, retired, or erased
and so no longer linked) is not sent: the claim that finds it cancels it with a reason, in
the same transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ...conf import pushseg_settings
from ...models import Delivery, Subscriber


#: The start of the reason a delivery is cancelled with when its subscriber left before it
#: went out ("subscriber unsubscribed", "subscriber erased", ...; ``failures.py`` groups them).
SUBSCRIBER_LEFT = "subscriber "


def _due(now: datetime) -> Q:
    # Pending rows may wait for a time too: a local delivery time, or the end of quiet hours.
    waiting_for_nothing = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (Q(status=Delivery.Status.PENDING) & waiting_for_nothing) | Q(
        status=Delivery.Status.RETRY, next_attempt_at__lte=now
    )


@dataclass
class Claimed:
    """What one claim took: the rows leased to send, and how many it cancelled instead."""

    ids: list[int] = field(default_factory=list)
    #: Due rows whose subscriber left after planning: cancelled, not sent.
    cancelled: int = 0


def claim(campaign_id: int, limit: int, now: datetime | None = None) -> list[int]:
    """Atomically lease up to ``limit`` due deliveries of a campaign; returns their ids."""
    return claim_chunk(campaign_id, limit, now).ids


def claim_chunk(campaign_id: int, limit: int, now: datetime | None = None) -> Claimed:
    """:func:`claim`, also saying how many due rows it cancelled for departed subscribers."""
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
        cancelled = 0
        for part in (Q(status=Delivery.Status.PENDING, next_attempt_at__isnull=True),
                     Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now),
                     Q(status=Delivery.Status.RETRY, next_attempt_at__lte=now)):
            if len(ids) < limit:
                ids += _lock(part, campaign_id, limit - len(ids))
        if ids:
            cancelled = _cancel_for_the_departed(due, ids, now)
            # Re-checking the status in the UPDATE keeps a racing worker (SQLite) from doubling.
            Delivery.objects.filter(due, pk__in=ids).update(
                status=Delivery.Status.SENDING, lease_until=lease
            )
            ids = list(Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING,
                                               lease_until=lease).values_list("pk", flat=True))
    return Claimed(ids, cancelled)


def _cancel_for_the_departed(due: Q, ids: list[int], now: datetime) -> int:
    """Cancel the locked rows whose subscriber is no longer active: one query to find them
    (usually none), then one UPDATE per kind of departure."""
    departed: dict[str, list[int]] = {}
    for pk, status in Delivery.objects.filter(pk__in=ids).exclude(
        subscriber__status=Subscriber.Status.ACTIVE
    ).values_list("pk", "subscriber__status"):
        # No subscriber at all: erased (or purged) since planning.
        departed.setdefault(status or "erased", []).append(pk)
    return sum(
        Delivery.objects.filter(due, pk__in=pks).update(
            status=Delivery.Status.CANCELLED, next_attempt_at=None, lease_until=None,
            reason=f"{SUBSCRIBER_LEFT}{status}", attempted_at=now,
        )
        for status, pks in departed.items()
    )


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
