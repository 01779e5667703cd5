"""After an A/B test: each target's winning variant, and the release of the held rest.

Planning (``variants.assign_variants``) sends a test share first and holds the rest; once the
campaign's test wait is over, the one-minute schedule gives the held deliveries the wording
with the best click-through so far and makes them due.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Campaign, Delivery
from .results import funnels_by_target_and_variant
from .variants import HELD


def held(campaign_id: int):
    return Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.RETRY,
                                   reason=HELD)


def winner(campaign_id: int, target_id: int) -> int:
    """The variant of a target with the best click-through of sent so far (ties: the one
    sent most, then the lowest number, so A when nothing was clicked)."""
    tried = [(funnel.ctr_sent or 0.0, funnel.sent, -variant)
             for (target, variant), funnel in funnels_by_target_and_variant(campaign_id).items()
             if target == target_id and funnel.sent]
    return -max(tried)[2] if tried else 0


def release_winners(now: datetime | None = None) -> list[int]:
    """For every sending campaign whose test time is up, give each target's held deliveries
    the winning wording and make them due; returns the campaigns released (ring them)."""
    now = now or timezone.now()
    due = (Delivery.objects.filter(status=Delivery.Status.RETRY, reason=HELD,
                                   campaign__status=Campaign.Status.SENDING,
                                   campaign__ab_test_until__lte=now)
           .order_by().values_list("campaign_id", flat=True).distinct())
    released = []
    for campaign_id in list(due):
        with transaction.atomic():
            targets = set(held(campaign_id).order_by().values_list("target_id", flat=True)
                          .distinct())
            for target_id in targets:
                # A conditional UPDATE: a second run finds nothing held.
                held(campaign_id).filter(target_id=target_id).update(
                    status=Delivery.Status.PENDING, variant=winner(campaign_id, target_id),
                    reason="", next_attempt_at=None)
        released.append(campaign_id)
    return released
