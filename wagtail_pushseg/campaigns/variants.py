"""A/B wording: which variants each target has, and the even random split at planning.

A target's own wording is variant 0 (A); the campaign's variants for the target's segment,
in their order, are 1, 2, 3 (B, C, D). Planning numbers each target's pending deliveries in a
random order and deals the variants out round-robin: one UPDATE per target with variants, so
the split is random and as even as it can be (counts differ by at most one).

With a test share, only that share of each such target is dealt and sent first; the rest is
held, and ``ab_winner.release_winners`` (a one-minute schedule) gives it the wording with the
best click-through once the campaign's test wait is over.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from ..models import Campaign, CampaignTarget, CampaignVariant, Delivery
from ..sql import table


LETTERS = "ABCD"


def letter(variant: int) -> str:
    """The name editors see for a variant number (0 → "A")."""
    return LETTERS[variant] if 0 <= variant < len(LETTERS) else str(variant)


def variants_by_target(campaign: Campaign) -> dict[int, list[CampaignVariant]]:
    """Target id → its extra wordings (variant 1 first); targets without any are left out."""
    by_segment: dict[int, list[CampaignVariant]] = defaultdict(list)
    for variant in CampaignVariant.objects.filter(campaign=campaign).order_by("sort_order", "pk"):
        by_segment[variant.segment_id].append(variant)
    return {
        target_id: by_segment[segment_id][: CampaignVariant.MAX_WORDINGS - 1]
        for target_id, segment_id in CampaignTarget.objects.filter(campaign=campaign)
        .values_list("pk", "segment_id")
        if by_segment.get(segment_id)
    }


#: The reason a delivery waits for the A/B test's winner. Held deliveries are "retry", due
#: only a week after the test ends: no sender claims them meanwhile, the campaign is not
#: finished while they wait, and should the winner never be picked they still go out then
#: (with the target's own wording).
HELD = "held for the A/B test winner"

#: How long after the test the held rest goes out anyway.
FALLBACK_AFTER = timedelta(days=7)


def assign_variants(campaign: Campaign, now: datetime | None = None) -> int:
    """Split each target's unsent deliveries evenly at random among its wordings; returns how
    many deliveries were dealt a variant (A included).

    With a test share, only that share (rounded up) of each target with variants is dealt;
    the rest is held until ``ab_winner.release_winners`` gives it the winning wording.
    """
    rows = table(Delivery)
    share = campaign.ab_test_share or 100
    variants = variants_by_target(campaign)
    until = (now or timezone.now()) + timedelta(minutes=campaign.ab_test_wait)
    fallback = connection.ops.adapt_datetimefield_value(until + FALLBACK_AFTER)
    dealt = 0
    with connection.cursor() as cursor:
        for target_id, extra in variants.items():
            # r < n * share / 100, in integers: the first ceil(n * share %) of a random order.
            cursor.execute(
                f"UPDATE {rows} SET "
                "variant = CASE WHEN dealt.r * 100 < dealt.n * %s THEN dealt.r %% %s ELSE 0 END, "
                "status = CASE WHEN dealt.r * 100 < dealt.n * %s THEN %s ELSE %s END, "
                "reason = CASE WHEN dealt.r * 100 < dealt.n * %s THEN '' ELSE %s END, "
                "next_attempt_at = CASE WHEN dealt.r * 100 < dealt.n * %s THEN NULL ELSE %s END "
                "FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY RANDOM()) - 1 AS r, "
                f"COUNT(*) OVER () AS n FROM {rows} WHERE campaign_id = %s AND target_id = %s "
                "AND attempts = 0 AND (status = %s OR (status = %s AND reason = %s))"
                f") dealt WHERE {rows}.id = dealt.id",
                [share, len(extra) + 1, share, Delivery.Status.PENDING, Delivery.Status.RETRY,
                 share, HELD, share, fallback, campaign.pk, target_id,
                 Delivery.Status.PENDING, Delivery.Status.RETRY, HELD],
            )
            dealt += max(cursor.rowcount, 0)
    if variants and campaign.ab_test_share:
        Campaign.objects.filter(pk=campaign.pk).update(ab_test_until=until)
        campaign.ab_test_until = until
    return dealt
