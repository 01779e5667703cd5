"""A/B wording: variants in the composer, an even random split at planning, each subscriber
gets its variant's wording (decrypted from the sandbox), results and a verdict per variant."""

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from wagtail_pushseg.campaigns.ab_test import compare_variants, lead_confidence, wilson_interval
from wagtail_pushseg.campaigns.results import campaign_report
from wagtail_pushseg.campaigns.variants import assign_variants
from wagtail_pushseg.models import CampaignVariant, Delivery

from .sent import language_segment, new_campaign, payload_of, send


pytestmark = pytest.mark.django_db


def test_wilson_interval_matches_the_textbook_values():
    low, high = wilson_interval(10, 100)
    assert (round(low, 4), round(high, 4)) == (0.0552, 0.1744)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and 0.15 < high < 0.17


def test_a_clear_lead_is_said_in_plain_words():
    verdict = compare_variants([("A", 10, 100), ("B", 20, 100)])
    # pooled 15 %, z = 0.1 / sqrt(.15 * .85 * .02) = 1.98 → 97.6 %
    assert verdict.leader == "B" and verdict.runner_up == "A"
    assert verdict.confidence == pytest.approx(0.976, abs=0.001)
    assert str(verdict) == "Variant B leads, 98% confidence"


def test_a_small_difference_is_no_clear_winner():
    verdict = compare_variants([("A", 11, 100), ("B", 10, 100), ("C", 2, 100)])
    assert (verdict.leader, verdict.runner_up) == ("A", "B")
    assert not verdict.clear
    assert str(verdict).startswith("No clear winner yet: variant A is ahead of B")
    assert compare_variants([("A", 3, 10), ("B", 0, 0)]) is None
    assert lead_confidence(5, 50, 5, 50) == pytest.approx(0.5)


@pytest.fixture
def composer(client, editor):
    client.force_login(editor)
    return client


def composer_data(targets, variants) -> dict:
    return nested_form_data({
        "title": "Winter sale", "body": "30% off", "page": "", "url": "/shop/", "icon": "",
        "image": "", "action1_title": "", "action1_url": "", "action2_title": "",
        "action2_url": "", "ttl": "86400", "urgency": "normal", "focus": "priority",
        "min_degree": "", "timing": "now", "send_at": "", "ab_test_share": "", "ab_test_wait": "60",
        "targets": inline_formset(targets), "variants": inline_formset(variants),
    })


def test_the_composer_offers_variants(composer):
    html = composer.get(reverse("wagtail_pushseg_campaigns:add")).content.decode()
    assert 'name="variants-TOTAL_FORMS"' in html
    assert "Wording variants (A/B test)" in html


def test_an_editor_adds_variants_to_a_target(composer):
    german, french = language_segment("de", "German"), language_segment("fr", "French")
    response = composer.post(reverse("wagtail_pushseg_campaigns:add"), composer_data(
        [{"segment": german.pk, "title": "Winterschlussverkauf", "body": ""},
         {"segment": french.pk, "title": "", "body": ""}],
        [{"segment": german.pk, "title": "Nur heute: 30%", "body": ""},
         {"segment": german.pk, "title": "Letzte Chance", "body": "Bis Mitternacht"}]))
    assert response.status_code == 302, response.context["form"].errors
    variants = list(CampaignVariant.objects.order_by("sort_order"))
    assert [(v.segment, v.title) for v in variants] == [
        (german, "Nur heute: 30%"), (german, "Letzte Chance")]


def test_at_most_four_wordings_per_target_and_only_for_targets(composer):
    german, french = language_segment("de", "German"), language_segment("fr", "French")
    variants = [{"segment": german.pk, "title": f"Variant {n}", "body": ""} for n in range(4)]
    variants.append({"segment": french.pk, "title": "Soldes", "body": ""})
    response = composer.post(reverse("wagtail_pushseg_campaigns:add"), composer_data(
        [{"segment": german.pk, "title": "", "body": ""}], variants))
    assert response.status_code == 200
    forms = response.context["form"].formsets["variants"].forms
    assert [bool(f.errors) for f in forms] == [False, False, False, True, True]
    assert "at most 4 wordings" in forms[3].errors["segment"][0]
    assert "target segments" in forms[4].errors["segment"][0]
    assert not CampaignVariant.objects.exists()


@pytest.fixture
def ab_campaign(make_sandbox_subscribers):
    german = make_sandbox_subscribers(13, language="de-DE")
    french = make_sandbox_subscribers(3, language="fr-FR")
    de, fr = language_segment("de", "German"), language_segment("fr", "French")
    campaign = new_campaign(de, fr, url="/shop/")
    CampaignVariant.objects.create(campaign=campaign, segment=de, title="B: Nur heute",
                                   sort_order=0)
    CampaignVariant.objects.create(campaign=campaign, segment=de, title="C: Letzte Chance",
                                   body="Bis Mitternacht", sort_order=1)
    return campaign, german, french


@pytest.mark.usefixtures("inline_tasks")
def test_variants_are_split_evenly_at_random_and_each_gets_its_wording(
    ab_campaign, sandbox, django_capture_on_commit_callbacks
):
    campaign, german, french = ab_campaign
    send(campaign, django_capture_on_commit_callbacks)
    german_target = campaign.targets.get(segment__name="German")
    split = Counter(Delivery.objects.filter(target=german_target).values_list("variant",
                                                                              flat=True))
    assert sorted(split.values()) == [4, 4, 5] and set(split) == {0, 1, 2}
    assert set(Delivery.objects.filter(subscriber__in=french).values_list(
        "variant", flat=True)) == {0}
    titles = {0: "Winter sale", 1: "B: Nur heute", 2: "C: Letzte Chance"}
    bodies = {0: "30% off", 1: "30% off", 2: "Bis Mitternacht"}
    for subscriber in german:
        variant = Delivery.objects.get(subscriber=subscriber).variant
        payload = payload_of(sandbox, subscriber)
        assert (payload["title"], payload["body"]) == (titles[variant], bodies[variant])
    # Clicks on B only: the results count them on B, exactly.
    b_subscribers = [s for s in german
                     if Delivery.objects.get(subscriber=s).variant == 1]
    for subscriber in b_subscribers[:3]:
        Client().get(payload_of(sandbox, subscriber)["data"]["click_url"])
    report = campaign_report(campaign)
    german_result = next(t for t in report.targets if t.name == "German")
    by_letter = {v.letter: v for v in german_result.variants}
    assert {k: v.funnel.sent for k, v in by_letter.items()} == {
        letter: split[n] for n, letter in enumerate("ABC")}
    assert {k: v.funnel.clicked for k, v in by_letter.items()} == {"A": 0, "B": 3, "C": 0}
    assert by_letter["C"].title == "C: Letzte Chance"
    assert german_result.verdict.leader == "B"
    assert german_result.funnel.sent == 13


def plan(campaign) -> None:
    from wagtail_pushseg.campaigns.planning import plan_deliveries
    from wagtail_pushseg.campaigns.services import refresh_campaign_segments

    refresh_campaign_segments(campaign)
    assert plan_deliveries(campaign) == 16


def test_the_split_is_random_not_by_id(ab_campaign):
    campaign, _german, _french = ab_campaign
    plan(campaign)
    german_target = campaign.targets.get(segment__name="German")
    orders = set()
    for _ in range(5):
        assign_variants(campaign)
        deal = tuple(Delivery.objects.filter(target=german_target).order_by("pk")
                     .values_list("variant", flat=True))
        assert sorted(Counter(deal).values()) == [4, 4, 5]
        orders.add(deal)
    # 13 subscribers dealt 3 ways: five identical deals in a row would be a 1 in 10^18 fluke.
    assert len(orders) > 1


def test_variants_are_not_redealt_once_sent(ab_campaign):
    campaign, _german, _french = ab_campaign
    plan(campaign)
    assert assign_variants(campaign) == 13
    Delivery.objects.update(status="sent", attempts=1)
    before = list(Delivery.objects.order_by("pk").values_list("variant", flat=True))
    assert assign_variants(campaign) == 0
    assert list(Delivery.objects.order_by("pk").values_list("variant", flat=True)) == before


def test_a_test_send_includes_every_variant(client, moderator, make_sandbox_subscribers,
                                           sandbox):
    [subscriber] = make_sandbox_subscribers(1, language="de-DE")
    de = language_segment("de", "German")
    campaign = new_campaign(de, url="/shop/")
    CampaignVariant.objects.create(campaign=campaign, segment=de, title="B: Nur heute")
    client.force_login(moderator)
    client.post(reverse("wagtail_pushseg_campaigns:test_send", args=[campaign.pk]),
                {"recipients": "one", "subscriber": str(subscriber.pk)})
    assert [m.json()["title"] for m in sandbox.messages(subscriber.endpoint)] == [
        "Winter sale", "B: Nur heute"]
    assert not Delivery.objects.exists()  # test pushes are not deliveries


@pytest.mark.usefixtures("inline_tasks")
def test_the_details_page_shows_each_variant_and_the_verdict(
    ab_campaign, sandbox, client, moderator, django_capture_on_commit_callbacks
):
    campaign, german, _french = ab_campaign
    send(campaign, django_capture_on_commit_callbacks)
    for delivery in Delivery.objects.filter(subscriber__in=german, variant=2):
        Client().get(payload_of(sandbox, delivery.subscriber)["data"]["click_url"])
    german_result = next(t for t in campaign_report(campaign).targets if t.name == "German")
    assert german_result.verdict.leader == "C" and german_result.verdict.clear
    client.force_login(moderator)
    html = client.get(reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk])
                      ).content.decode()
    assert str(german_result.verdict) in html
    assert "C: Letzte Chance" in html and "B: Nur heute" in html
