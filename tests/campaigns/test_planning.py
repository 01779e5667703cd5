"""Planning: one delivery per targeted subscriber, for the target that won focus."""

import pytest

from tests.segments.conftest import block, make_member, make_segment, make_subscriber
from wagtail_pushseg.campaigns.planning import audience_counts, plan_deliveries
from wagtail_pushseg.models import Campaign, Delivery

from .conftest import target


pytestmark = pytest.mark.django_db


@pytest.fixture
def overlap():
    """Two segments sharing a subscriber who is stronger in the second one."""
    bargain = make_segment([block("browser", browsers=["Firefox"])], name="Bargain hunters")
    loyal = make_segment([block("browser", browsers=["Chrome"])], name="Loyal")
    only_bargain, both, only_loyal = (make_subscriber() for _ in range(3))
    make_member(bargain, only_bargain, 0.9)
    make_member(bargain, both, 0.6)
    make_member(loyal, both, 0.8)
    make_member(loyal, only_loyal, 1.0)
    return bargain, loyal, only_bargain, both, only_loyal


def planned(campaign) -> dict[int, int]:
    return dict(
        Delivery.objects.filter(campaign=campaign).values_list("subscriber_id", "target_id")
    )


@pytest.mark.parametrize("focus", [Campaign.Focus.PRIORITY, Campaign.Focus.STRONGEST])
def test_subscriber_in_two_targeted_segments_gets_one_delivery(overlap, focus):
    bargain, loyal, only_bargain, both, only_loyal = overlap
    campaign = Campaign.objects.create(title="Sale", focus=focus)
    first = target(campaign, bargain, 0, title="Bargains for you")
    second = target(campaign, loyal, 1, title="For our regulars")

    assert plan_deliveries(campaign) == 3
    winner_for_both = first if focus == Campaign.Focus.PRIORITY else second
    assert planned(campaign) == {
        only_bargain.pk: first.pk,
        both.pk: winner_for_both.pk,
        only_loyal.pk: second.pk,
    }
    delivery = Delivery.objects.get(campaign=campaign, subscriber=both)
    assert delivery.degree == (0.6 if focus == Campaign.Focus.PRIORITY else 0.8)


def test_strongest_focus_breaks_ties_by_order(overlap):
    bargain, loyal, _, both, _ = overlap
    bargain.memberships.filter(subscriber=both).update(degree=0.8)
    campaign = Campaign.objects.create(title="Sale", focus=Campaign.Focus.STRONGEST)
    second = target(campaign, loyal, 1)
    first = target(campaign, bargain, 0)
    plan_deliveries(campaign)
    assert planned(campaign)[both.pk] == first.pk
    del second


def test_excluded_segments_get_none(overlap):
    bargain, loyal, only_bargain, _both, _only_loyal = overlap
    campaign = Campaign.objects.create(title="Sale")
    target(campaign, bargain, 0)
    campaign.excluded_segments.add(loyal)
    plan_deliveries(campaign)
    assert set(planned(campaign)) == {only_bargain.pk}


def test_minimum_degree_is_honoured_above_the_threshold(overlap):
    bargain, loyal, only_bargain, _both, only_loyal = overlap
    campaign = Campaign.objects.create(title="Sale", min_degree=0.85)
    target(campaign, bargain, 0)
    target(campaign, loyal, 1)
    plan_deliveries(campaign)
    assert set(planned(campaign)) == {only_bargain.pk, only_loyal.pk}


def test_minimum_degree_below_the_threshold_evaluates_the_rules():
    segment = make_segment([block("language", languages=["de"])], threshold=1.0)
    german = make_subscriber(language="de-DE")
    make_subscriber(language="fr-FR")
    campaign = Campaign.objects.create(title="Hallo", min_degree=0.5)
    target(campaign, segment, 0)
    plan_deliveries(campaign)  # no memberships stored: the rules are evaluated afresh
    assert set(planned(campaign)) == {german.pk}


def test_inactive_subscribers_are_not_planned(overlap):
    bargain, _, only_bargain, both, _ = overlap
    both.status = "expired"
    both.save()
    campaign = Campaign.objects.create(title="Sale")
    target(campaign, bargain, 0)
    plan_deliveries(campaign)
    assert set(planned(campaign)) == {only_bargain.pk}


def test_planning_twice_adds_nothing(overlap):
    bargain, loyal, *_ = overlap
    campaign = Campaign.objects.create(title="Sale")
    target(campaign, bargain, 0)
    target(campaign, loyal, 1)
    assert plan_deliveries(campaign) == 3
    assert plan_deliveries(campaign) == 0
    assert Delivery.objects.filter(campaign=campaign).count() == 3


def test_audience_counts_per_target_after_focus(overlap):
    bargain, loyal, *_ = overlap
    campaign = Campaign.objects.create(title="Sale")
    first = target(campaign, bargain, 0)
    second = target(campaign, loyal, 1)
    assert audience_counts(campaign) == {first.pk: 2, second.pk: 1}
    assert not Delivery.objects.exists()
