"""The VAPID breaker against the real sandbox, which checks every signature as a push service
does: our wrong key pauses a campaign; subscriptions anyone can post, made for another
application server key, do not, and end invalid."""

import pytest
from wagtail.models import ModelLogEntry

from wagtail_pushseg.delivery.vapid import generate_keys
from wagtail_pushseg.models import Campaign, Delivery, Subscriber
from wagtail_pushseg.subscribers.services import parse_subscription, subscribe

from .sent import language_segment, new_campaign, send


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.fixture
def hostile_subscribers(sandbox):
    """Subscriptions a browser made for another site's key, posted to ours (anyone can)."""
    _private, other_public = generate_keys()

    def make(n: int) -> list[Subscriber]:
        made = []
        for _ in range(n):
            subscriber, _ = subscribe(parse_subscription(sandbox.subscribe(other_public)))
            subscriber.language = "de-DE"
            subscriber.save()
            made.append(subscriber)
        return made

    return make


@pytest.fixture
def retry_at_once(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "DELIVERY_RETRY_BASE_SECONDS": 0}


def paused_logged() -> bool:
    return ModelLogEntry.objects.filter(action="wagtail_pushseg.pause_campaign").exists()


def test_50_hostile_subscriptions_among_1000_do_not_pause_and_end_invalid(
    make_sandbox_subscribers, hostile_subscribers, sandbox, retry_at_once,
    django_capture_on_commit_callbacks,
):
    real, hostile = [], []
    for _ in range(50):  # interleaved: hostile rows spread over the chunk, as over time
        real += make_sandbox_subscribers(19, language="de-DE")
        hostile += hostile_subscribers(1)
    campaign = send(new_campaign(language_segment("de", "German"), url="/shop/"),
                    django_capture_on_commit_callbacks)

    assert campaign.status == Campaign.Status.SENT and not paused_logged()
    assert Delivery.objects.filter(campaign=campaign, status="sent").count() == 950
    assert len(sandbox.all_messages()) == 950
    refused = Delivery.objects.filter(campaign=campaign, subscriber__in=hostile)
    assert set(refused.values_list("status", "status_code", "attempts")) == {("failed", 403, 2)}
    invalid = Subscriber.objects.filter(status=Subscriber.Status.INVALID)
    assert set(invalid.values_list("pk", flat=True)) == {s.pk for s in hostile}
    assert all("refused alone" in reason and "HTTP 403" in reason
               for reason in invalid.values_list("status_reason", flat=True))
    assert not invalid.filter(expired_at=None).exists()  # the purge counts from then
    assert Subscriber.objects.filter(status=Subscriber.Status.ACTIVE).count() == 950

    # The next campaign leaves them out: planning takes active subscribers only.
    sandbox.clear_messages()
    second = send(new_campaign(language_segment("de", "Deutsch"), url="/shop/"),
                  django_capture_on_commit_callbacks)
    assert second.status == Campaign.Status.SENT
    assert Delivery.objects.filter(campaign=second).count() == 950


def test_a_wrong_vapid_key_on_our_side_pauses_and_spends_nothing(
    make_sandbox_subscribers, hostile_subscribers, sandbox, settings, retry_at_once,
    django_capture_on_commit_callbacks,
):
    make_sandbox_subscribers(30, language="de-DE")
    hostile_subscribers(3)
    german = language_segment("de", "German")
    first = send(new_campaign(german, url="/shop/"), django_capture_on_commit_callbacks)
    assert first.status == Campaign.Status.SENT  # they have received from us before

    assert Subscriber.objects.filter(status=Subscriber.Status.INVALID).count() == 3
    good = dict(settings.WAGTAIL_PUSHSEG)
    private, public = generate_keys()  # the site builder swaps in the wrong keys
    settings.WAGTAIL_PUSHSEG = {**good, "VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": public}
    sandbox.clear_messages()
    second = send(new_campaign(german, url="/shop/"), django_capture_on_commit_callbacks)

    assert second.status == Campaign.Status.PAUSED and "VAPID" in second.status_reason
    assert paused_logged()
    assert sandbox.all_messages() == []
    assert Delivery.objects.filter(campaign=second, status="pending").count() == 30
    # Our fault is nobody's: no subscriber is judged for it.
    assert Subscriber.objects.filter(status=Subscriber.Status.ACTIVE).count() == 30

    from wagtail_pushseg.campaigns import services

    settings.WAGTAIL_PUSHSEG = good  # fixed
    with django_capture_on_commit_callbacks(execute=True):
        services.resume(second)
    second.refresh_from_db()
    assert second.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 30


def test_subscriptions_that_never_received_cannot_pause_even_alone_in_a_campaign(
    hostile_subscribers, sandbox, django_capture_on_commit_callbacks,
):
    """A segment an attacker filled: nothing accepted, nothing known refused. The campaign
    fails (every delivery did) but pauses nothing, and nobody is judged on no evidence."""
    hostile_subscribers(25)
    campaign = send(new_campaign(language_segment("de", "German"), url="/shop/"),
                    django_capture_on_commit_callbacks)
    assert campaign.status == Campaign.Status.FAILED and not paused_logged()
    assert "HTTP 403" in campaign.status_reason
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"active"}
