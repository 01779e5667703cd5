"""Claiming a chunk: pending deliveries first, then retries that are due; never the others."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wagtail_pushseg.campaigns.sending.claim import claim
from wagtail_pushseg.models import Campaign, Delivery, Subscriber


pytestmark = pytest.mark.django_db


def subscriber(i: int) -> Subscriber:
    return Subscriber.objects.create(endpoint=f"https://push.example/s{i}", p256dh="p" * 87,
                                     auth="a" * 22)


def test_claim_takes_pending_then_due_retries_and_leaves_the_rest():
    now = timezone.now()
    campaign = Campaign.objects.create(title="Sale", url="/sale/",
                                       status=Campaign.Status.SENDING)
    made = {}
    for i, (status, wait) in enumerate([
        ("pending", None), ("retry", -60), ("pending", None), ("retry", 600), ("sent", None),
        ("pending", None), ("retry", -5), ("sending", None), ("failed", None),
    ]):
        made[i] = Delivery.objects.create(
            campaign=campaign, subscriber=subscriber(i), status=status,
            next_attempt_at=None if wait is None else now + timedelta(seconds=wait),
        ).pk
    pending = {made[0], made[2], made[5]}
    due_retries = {made[1], made[6]}

    first = claim(campaign.pk, 4, now)
    assert len(first) == 4 and pending < set(first) and set(first) - pending < due_retries
    second = claim(campaign.pk, 4, now)
    assert set(second) == due_retries - set(first)
    assert claim(campaign.pk, 4, now) == []  # the retry not yet due, sent, failed, leased: none
    leased = Delivery.objects.filter(status="sending").exclude(pk=made[7])
    assert set(leased.values_list("pk", flat=True)) == pending | due_retries
    assert all(d.lease_until > now for d in leased)
    assert Delivery.objects.get(pk=made[3]).status == "retry"
