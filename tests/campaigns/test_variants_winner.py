"""A test share first, the winner to the rest: real sends to the sandbox, clicks through the
click links, the one-minute schedule's task releases the held deliveries with the winning
wording. django-q2 runs inline (``sync``)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from wagtail_pushseg import tasks
from wagtail_pushseg.campaigns.ab_winner import release_winners
from wagtail_pushseg.campaigns.variants import FALLBACK_AFTER, HELD
from wagtail_pushseg.models import Campaign, CampaignVariant, Delivery

from .sent import language_segment, new_campaign, payload_of, send


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.fixture
def tested(make_sandbox_subscribers, sandbox, django_capture_on_commit_callbacks):
    """20 Germans (A or B, half of them first, 30 minutes to click) and 3 French (no variants,
    sent at once)."""
    german = make_sandbox_subscribers(20, language="de-DE")
    french = make_sandbox_subscribers(3, language="fr-FR")
    de, fr = language_segment("de", "German"), language_segment("fr", "French")
    campaign = new_campaign(de, fr, url="/shop/", ab_test_share=50, ab_test_wait=30)
    CampaignVariant.objects.create(campaign=campaign, segment=de, title="B: Nur heute")
    send(campaign, django_capture_on_commit_callbacks)
    return campaign, german, french


def test_only_the_test_share_goes_first_and_the_rest_is_held(tested, sandbox):
    campaign, german, french = tested
    assert campaign.status == Campaign.Status.SENDING  # the held rest is still to go
    assert campaign.ab_test_until is not None
    german_rows = Delivery.objects.filter(subscriber__in=german)
    assert german_rows.filter(status="sent").count() == 10
    assert Counter(german_rows.filter(status="sent").values_list("variant", flat=True)) == {
        0: 5, 1: 5}
    held = german_rows.filter(status="retry", reason=HELD)
    assert held.count() == 10
    # Due a week after the test (should the winner never be picked), not before.
    assert {d.next_attempt_at for d in held} == {campaign.ab_test_until + FALLBACK_AFTER}
    assert Delivery.objects.filter(subscriber__in=french, status="sent").count() == 3
    assert len(sandbox.all_messages()) == 13
    # The one-minute bell neither sends the held ones nor finishes the campaign.
    tasks.ring_sending_campaigns()
    assert len(sandbox.all_messages()) == 13
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING


def test_after_the_wait_the_winner_goes_to_the_rest(tested, sandbox):
    campaign, german, _french = tested
    sent_b = Delivery.objects.filter(subscriber__in=german, status="sent", variant=1)
    for delivery in sent_b[:3]:
        Client().get(payload_of(sandbox, delivery.subscriber)["data"]["click_url"])
    sent_a = Delivery.objects.filter(subscriber__in=german, status="sent", variant=0).first()
    Client().get(payload_of(sandbox, sent_a.subscriber)["data"]["click_url"])

    assert release_winners() == []  # not yet: the test share still has time
    with freeze_time(campaign.ab_test_until + timedelta(seconds=1)):
        assert tasks.release_ab_winners() == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    held_later = Delivery.objects.filter(subscriber__in=german).exclude(
        pk__in=[d.pk for d in Delivery.objects.filter(subscriber__in=german,
                                                      sent_at__lt=campaign.ab_test_until)])
    assert held_later.count() == 10
    assert set(held_later.values_list("status", "variant")) == {("sent", 1)}
    for delivery in held_later:
        assert payload_of(sandbox, delivery.subscriber)["title"] == "B: Nur heute"
    assert len(sandbox.all_messages()) == 23
    with freeze_time(timezone.now() + timedelta(hours=1)):
        assert tasks.release_ab_winners() == 0  # nothing is held any more


def test_with_no_clicks_at_all_the_targets_own_wording_wins(tested, sandbox):
    campaign, german, _french = tested
    with freeze_time(campaign.ab_test_until + timedelta(minutes=5)):
        assert release_winners() == [campaign.pk]
    assert Delivery.objects.filter(subscriber__in=german, status="pending").count() == 10
    assert set(Delivery.objects.filter(subscriber__in=german, status="pending")
               .values_list("variant", "next_attempt_at", "reason")) == {(0, None, "")}


def test_a_cancelled_test_releases_nothing(tested, sandbox):
    from wagtail_pushseg.campaigns.services import cancel

    campaign, _german, _french = tested
    assert cancel(campaign) == 10
    with freeze_time(campaign.ab_test_until + timedelta(minutes=5)):
        assert release_winners() == []
    assert len(sandbox.all_messages()) == 13


def test_the_release_runs_every_minute_on_a_django_q_schedule():
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("migrate", verbosity=0)
    schedule = Schedule.objects.get(name="wagtail_pushseg: release A/B test winners")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "wagtail_pushseg.tasks.release_ab_winners", Schedule.MINUTES, 1)


def test_if_no_winner_is_ever_picked_the_rest_still_goes_out_a_week_later(tested, sandbox):
    campaign, german, _french = tested
    with freeze_time(campaign.ab_test_until + FALLBACK_AFTER + timedelta(minutes=1)):
        tasks.ring_sending_campaigns()  # the winner schedule never ran
    assert Delivery.objects.filter(subscriber__in=german, status="sent").count() == 20
    assert len(sandbox.all_messages()) == 23
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT
