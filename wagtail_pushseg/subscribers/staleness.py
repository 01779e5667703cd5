"""Stale subscribers: retire the ones nobody can reach, purge the ones that ended.

Run daily by the "purge stale subscribers" schedule and by hand with ``pushseg_purge``. A purged
subscriber's events, profile, affinities and memberships go with the row; the deliveries stay
in the ledger with no subscriber, so a campaign's results and the segment history (both
counted from the ledger) keep their numbers.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ..conf import pushseg_settings
from ..models import Delivery, MembershipDay, Subscriber


#: Deliveries a sender may still work on: their subscriber waits until they are finished.
UNFINISHED = (Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.RETRY)


class ProgressBar(Protocol):
    def update(self, n: int) -> object: ...
    def close(self) -> None: ...


@dataclass
class PurgeReport:
    retired: int = 0
    purged: int = 0


def retirable(now: datetime | None = None) -> QuerySet[Subscriber]:
    """Active subscribers not seen (no visit, no subscribe) and not reachable (no push sent,
    no notification shown) for ``RETIRE_AFTER_DAYS``."""
    days = pushseg_settings.RETIRE_AFTER_DAYS
    if days is None:
        return Subscriber.objects.none()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    reached = Delivery.objects.filter(
        Q(sent_at__gte=cutoff) | Q(shown_at__gte=cutoff), subscriber=OuterRef("pk")
    )
    return Subscriber.objects.filter(
        status=Subscriber.Status.ACTIVE, created_at__lt=cutoff, last_seen_at__lt=cutoff,
    ).exclude(Exists(reached))


def purgeable(now: datetime | None = None) -> QuerySet[Subscriber]:
    """Subscribers that ended (expired, unsubscribed, retired, invalid) ``PURGE_AFTER_DAYS`` ago.

    Not while a delivery of theirs is unfinished (a sender may hold it), nor while a daily
    membership set still names them (the next snapshot compares with it); both clear up on
    their own, and the next run takes them.
    """
    days = pushseg_settings.PURGE_AFTER_DAYS
    if days is None:
        return Subscriber.objects.none()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    Status = Subscriber.Status
    ended = (Q(status=Status.EXPIRED, expired_at__lt=cutoff)
             | Q(status=Status.UNSUBSCRIBED, unsubscribed_at__lt=cutoff)
             | Q(status=Status.RETIRED, retired_at__lt=cutoff)
             | Q(status=Status.INVALID, expired_at__lt=cutoff))
    unfinished = Delivery.objects.filter(subscriber=OuterRef("pk"), status__in=UNFINISHED)
    in_a_set = MembershipDay.objects.filter(subscriber=OuterRef("pk"))
    return Subscriber.objects.filter(ended).exclude(Exists(unfinished)).exclude(Exists(in_a_set))


def retire_unreachable(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Mark the retirable subscribers retired (one UPDATE); returns how many."""
    now = now or timezone.now()
    rows = retirable(now)
    if dry_run:
        return rows.count()
    return rows.update(status=Subscriber.Status.RETIRED, retired_at=now)


def purge_ended(
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = 500,
    progress: Callable[[int], ProgressBar] | None = None,
) -> int:
    """Delete the purgeable subscribers in batches (each its own transaction, re-checked
    inside it, so a browser that subscribes again meanwhile stays); returns how many.
    ``progress(total)`` makes a bar (``tqdm``'s ``update``/``close``) told of each batch."""
    from .services import forget_audit_entries_of

    now = now or timezone.now()
    ids = list(purgeable(now).order_by("pk").values_list("pk", flat=True))
    if dry_run:
        return len(ids)
    bar = progress(len(ids)) if progress is not None else None
    purged = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start:start + batch_size]
        with transaction.atomic():
            still = list(purgeable(now).filter(pk__in=batch).values_list("pk", flat=True))
            forget_audit_entries_of(still)
            Subscriber.objects.filter(pk__in=still).delete()
        purged += len(still)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    return purged


def purge_stale(
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    progress: Callable[[int], ProgressBar] | None = None,
) -> PurgeReport:
    """Retire the unreachable, then purge the ended (the schedule and ``pushseg_purge``)."""
    now = now or timezone.now()
    retired = retire_unreachable(now, dry_run=dry_run)
    return PurgeReport(retired=retired, purged=purge_ended(now, dry_run=dry_run,
                                                           progress=progress))
