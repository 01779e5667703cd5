"""Subscribe through the public API with a sandbox subscription, send, and let the sandbox
verify VAPID and decrypt: real HTTP, real encryption, no mocks."""

import json

import pytest

from wagtail_pushseg.delivery.payload import build_payload
from wagtail_pushseg.delivery.results import Outcome
from wagtail_pushseg.models import Subscriber
from wagtail_pushseg.subscribers.direct import send_to_subscriber


pytestmark = pytest.mark.django_db


def subscribe(site_client, subscription) -> Subscriber:
    response = site_client.post(
        "/pushseg/api/subscribe",
        json.dumps({**subscription, "timezone": "Europe/London", "language": "en-GB"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return Subscriber.objects.get(endpoint=subscription["endpoint"])


def test_subscribe_send_and_the_sandbox_decrypts_exactly_what_was_sent(
    site_client, sandbox, sandbox_subscription, settings
):
    subscriber = subscribe(site_client, sandbox_subscription)
    payload = build_payload(
        title="Winter sale — 30 % off", body="Laptops and phones", url="/shop/winter-sale/",
        tag="campaign-7", actions=[{"action": "open", "title": "Shop now"}],
    )
    result = send_to_subscriber(subscriber, payload, ttl=600, urgency="high", topic="campaign7")

    assert result.outcome is Outcome.SENT and result.status == 201
    [message] = sandbox.messages(sandbox_subscription["endpoint"])
    assert message.json() == payload
    assert (message.ttl, message.urgency, message.topic) == (600, "high", "campaign7")
    assert message.vapid_claims["aud"] == sandbox.origin
    assert message.vapid_claims["sub"] == settings.WAGTAIL_PUSHSEG["VAPID_SUBJECT"]


def test_410_marks_the_subscriber_expired(site_client, sandbox, sandbox_subscription):
    subscriber = subscribe(site_client, sandbox_subscription)
    sandbox.set_behaviour(sandbox_subscription["endpoint"], status=410)
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.GONE and result.status == 410
    subscriber.refresh_from_db()
    assert subscriber.status == "expired" and subscriber.expired_at is not None
    assert sandbox.messages(sandbox_subscription["endpoint"]) == []


def test_429_gives_retry_later_with_retry_after(site_client, sandbox, sandbox_subscription):
    subscriber = subscribe(site_client, sandbox_subscription)
    sandbox.set_behaviour(sandbox_subscription["endpoint"], status=429, retry_after=120)
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.RETRY
    assert (result.status, result.retry_after) == (429, 120.0)
    subscriber.refresh_from_db()
    assert subscriber.status == "active"


def test_500_is_retry_later_and_leaves_the_subscriber_active(
    site_client, sandbox, sandbox_subscription
):
    subscriber = subscribe(site_client, sandbox_subscription)
    sandbox.set_behaviour(sandbox_subscription["endpoint"], status=500)
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.RETRY and result.status == 500
    assert Subscriber.objects.get().status == "active"


def test_slow_push_service_times_out_as_retry(site_client, sandbox, sandbox_subscription, settings):
    subscriber = subscribe(site_client, sandbox_subscription)
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "PUSH_TIMEOUT": 0.3}
    sandbox.set_behaviour(sandbox_subscription["endpoint"], delay_ms=1500)
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.RETRY
    assert "timed out" in result.reason


def test_wrong_vapid_key_is_refused_by_the_push_service(
    site_client, sandbox, sandbox_subscription, settings
):
    """A subscription made for another key: the sandbox checks the signature and says 403."""
    from wagtail_pushseg.delivery.vapid import generate_keys

    subscriber = subscribe(site_client, sandbox_subscription)
    private, public = generate_keys()
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG, "VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": public,
    }
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.FAILED and result.status == 403
    assert sandbox.messages(sandbox_subscription["endpoint"]) == []


def test_endpoint_is_rechecked_at_send_time(site_client, sandbox, sandbox_subscription, settings):
    subscriber = subscribe(site_client, sandbox_subscription)
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "ALLOWED_ENDPOINT_ORIGINS": []}
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.FAILED
    assert "endpoint refused" in result.reason
    assert sandbox.request_count(sandbox_subscription["endpoint"]) == 0


def test_corrupt_key_fails_that_message_only(site_client, sandbox, sandbox_subscription):
    subscriber = subscribe(site_client, sandbox_subscription)
    Subscriber.objects.filter(pk=subscriber.pk).update(p256dh="AAAA")
    subscriber.refresh_from_db()
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.FAILED
    assert "cannot encrypt" in result.reason
