"""Subscribers who leave mid-campaign: deliveries planned for them are never sent, and a
subscriber erased while their push is in flight leaves only the ledger row behind."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.segments.conftest import block, make_segment
from wagtail_pushseg import tasks
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.campaigns.failures import failure_groups
from wagtail_pushseg.campaigns.results import funnels
from wagtail_pushseg.campaigns.sending import engine
from wagtail_pushseg.campaigns.sending.claim import claim_chunk
from wagtail_pushseg.models import Campaign, Delivery, Profile, Subscriber
from wagtail_pushseg.subscribers.services import erase, unsubscribe

from .conftest import target


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.fixture
def planned(make_sandbox_subscribers, django_capture_on_commit_callbacks):
    """A campaign planned for ten German subscribers, no sender started yet."""
    subscribers = make_sandbox_subscribers(10, language="de-DE")
    campaign = Campaign.objects.create(title="Winter sale", body="30% off", url="/shop/")
    target(campaign, make_segment([block("language", languages=["de"])], name="German"), 0)
    with django_capture_on_commit_callbacks(execute=False):
        services.send_now(campaign)
        services.plan(campaign.pk)
    assert Delivery.objects.filter(campaign=campaign, status="pending").count() == 10
    return campaign, subscribers


def send_all(campaign: Campaign, capture) -> Campaign:
    """The doorbell's task, with its on-commit rings run inline until the campaign is done."""
    with capture(execute=True):
        tasks.send_campaign_chunk(campaign.pk)
    campaign.refresh_from_db()
    return campaign


def test_subscribers_who_left_after_planning_are_not_pushed(
    planned, sandbox, settings, admin_client, django_capture_on_commit_callbacks
):
    # Chunks of four: the first chunk holds only departed subscribers' rows, so the doorbell
    # must ring again after a chunk that sent nothing but cancelled some.
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "DELIVERY_CHUNK_SIZE": 4}
    campaign, subscribers = planned
    gone_ones, erased, staying = subscribers[:3], subscribers[3], subscribers[4:]
    for subscriber in gone_ones:
        unsubscribe(subscriber)
    erased_endpoint = erased.endpoint
    erase(erased)

    campaign = send_all(campaign, django_capture_on_commit_callbacks)

    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 6
    assert all(len(sandbox.messages(s.endpoint)) == 1 for s in staying)
    for subscriber in gone_ones:
        assert sandbox.messages(subscriber.endpoint) == []
        delivery = Delivery.objects.get(campaign=campaign, subscriber=subscriber)
        assert (delivery.status, delivery.reason, delivery.sent_at) == (
            "cancelled", "subscriber unsubscribed", None)
    assert sandbox.messages(erased_endpoint) == []
    [anonymous] = Delivery.objects.filter(campaign=campaign, subscriber=None)
    assert (anonymous.status, anonymous.sent_at) == ("cancelled", None)
    # The results page counts them as not sent, and says why in words.
    funnel = funnels([campaign.pk])[campaign.pk]
    assert (funnel.planned, funnel.sent, funnel.cancelled, funnel.waiting) == (10, 6, 4, 0)
    [left] = [g for g in failure_groups(campaign) if g.kind == "left"]
    assert left.count == 4 and "unsubscribed" in left.explanation
    html = admin_client.get(
        reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk])).content.decode()
    assert 'data-failure-kind="left"' in html and "the subscriber left after" in html


@pytest.mark.parametrize("status", [Subscriber.Status.EXPIRED, Subscriber.Status.INVALID,
                                    Subscriber.Status.RETIRED])
def test_every_inactive_status_is_cancelled_with_its_reason(
    planned, sandbox, status, django_capture_on_commit_callbacks
):
    campaign, subscribers = planned
    Subscriber.objects.filter(pk=subscribers[0].pk).update(status=status)

    send_all(campaign, django_capture_on_commit_callbacks)

    assert sandbox.messages(subscribers[0].endpoint) == []
    delivery = Delivery.objects.get(campaign=campaign, subscriber=subscribers[0])
    assert (delivery.status, delivery.reason) == ("cancelled", f"subscriber {status}")
    assert len(sandbox.all_messages()) == 9


def test_a_subscriber_deleted_without_erase_is_not_sent_to(
    planned, sandbox, django_capture_on_commit_callbacks
):
    # A plain delete (the ORM, a cascade) does not cancel the row as erase() does: the claim
    # finds it pending with no subscriber, and there is nobody to send it to.
    campaign, subscribers = planned
    Subscriber.objects.filter(pk=subscribers[0].pk).delete()

    campaign = send_all(campaign, django_capture_on_commit_callbacks)

    assert campaign.status == Campaign.Status.SENT
    [anonymous] = Delivery.objects.filter(campaign=campaign, subscriber=None)
    assert (anonymous.status, anonymous.reason) == ("cancelled", "subscriber erased")
    assert len(sandbox.all_messages()) == 9


def test_a_subscriber_erased_while_their_push_is_in_flight(
    planned, sandbox, monkeypatch, django_capture_on_commit_callbacks
):
    """Erased between the claim and the results: the chunk does not crash, the ledger row
    stays (sent, anonymous) and nothing else is written for them (no profile)."""
    campaign, subscribers = planned
    victim = subscribers[0]
    real_send = engine.send_many_sync

    # The sandbox answers from its own server and cannot touch this test's database
    # transaction, so the erase happens in a wrapper around the real send: the pushes really
    # go out, and the subscriber is gone when the engine writes the results.
    def send_then_erase(*args, **kwargs):
        answers = real_send(*args, **kwargs)
        for subscriber in Subscriber.objects.filter(pk=victim.pk):  # the first chunk only
            erase(subscriber)
        return answers

    monkeypatch.setattr(engine, "send_many_sync", send_then_erase)
    campaign = send_all(campaign, django_capture_on_commit_callbacks)

    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 10
    [anonymous] = Delivery.objects.filter(campaign=campaign, subscriber=None)
    assert anonymous.status == "sent"
    assert not Profile.objects.filter(subscriber_id=victim.pk).exists()
    assert Profile.objects.filter(pushes_received=1).count() == 9
    connection.check_constraints()  # no row points at the erased subscriber


def test_a_subscriber_erased_between_claim_and_send(
    planned, sandbox, monkeypatch, django_capture_on_commit_callbacks
):
    """Erased after their row was leased (erase cancels only rows not yet leased): nothing
    is sent to an address the engine no longer has, and the chunk goes on."""
    campaign, subscribers = planned
    victim = subscribers[0]
    real_hold_back = engine.hold_back

    # The only point between the claim and reading the chunk's rows is the controls call:
    # a wrapper runs the real controls, then erases, as a concurrent request could.
    def hold_back_then_erase(*args, **kwargs):
        held = real_hold_back(*args, **kwargs)
        for subscriber in Subscriber.objects.filter(pk=victim.pk):  # the first chunk only
            erase(subscriber)
        return held

    monkeypatch.setattr(engine, "hold_back", hold_back_then_erase)
    campaign = send_all(campaign, django_capture_on_commit_callbacks)

    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 9
    [anonymous] = Delivery.objects.filter(campaign=campaign, subscriber=None)
    assert (anonymous.status, anonymous.reason) == ("cancelled", "subscriber erased")


def test_the_claim_cancels_departed_rows_in_a_fixed_number_of_statements(
    make_sandbox_subscribers
):
    """Set-based: one query finds the departed among the claimed rows, one UPDATE per kind of
    departure; never a statement per row, however many left."""
    def statements_to_claim(n: int) -> int:
        subscribers = make_sandbox_subscribers(n + 2, language="de-DE")
        campaign = Campaign.objects.create(title="Sale", body="-", url="/shop/",
                                           status=Campaign.Status.SENDING)
        Delivery.objects.bulk_create(
            [Delivery(campaign=campaign, subscriber=s) for s in subscribers])
        Subscriber.objects.filter(pk__in=[s.pk for s in subscribers[:n]]).update(
            status=Subscriber.Status.UNSUBSCRIBED)
        Subscriber.objects.filter(pk=subscribers[n].pk).delete()
        with CaptureQueriesContext(connection) as queries:
            claimed = claim_chunk(campaign.pk, 100)
        assert (len(claimed.ids), claimed.cancelled) == (1, n + 1)
        return len(queries)

    assert statements_to_claim(2) == statements_to_claim(12)
