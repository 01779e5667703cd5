"""A/B wording: which variants each target has, and the even random split at planning.

A target's own wording is variant 0 (A); the campaign's variants for the target's segment,
in their order, are 1, 2, 3 (B, C, D). Planning numbers each target's pending deliveries in a
random order and deals the variants out round-robin: one UPDATE per target with variants, so
the split is random and as even as it can be (counts differ by at most one).
"""

from collections import defaultdict

from django.db import connection

from ..models import Campaign, CampaignTarget, CampaignVariant, Delivery


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


def assign_variants(campaign: Campaign) -> int:
    """Split each target's unsent deliveries evenly at random among its wordings; returns how
    many deliveries were dealt a variant (A included)."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    shuffle = "RANDOM()"  # both SQLite and PostgreSQL
    changed = 0
    with connection.cursor() as cursor:
        for target_id, variants in variants_by_target(campaign).items():
            cursor.execute(
                f"UPDATE {table} SET variant = dealt.v FROM ("
                f"SELECT id, (ROW_NUMBER() OVER (ORDER BY {shuffle}) - 1) %% %s AS v "
                f"FROM {table} WHERE campaign_id = %s AND target_id = %s AND status = %s "
                "AND attempts = 0"
                f") dealt WHERE {table}.id = dealt.id",
                [len(variants) + 1, campaign.pk, target_id, Delivery.Status.PENDING],
            )
            changed += max(cursor.rowcount, 0)
    return changed
