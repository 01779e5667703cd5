"""One push address, one spelling: case, a trailing dot and the default port do not make a
second subscriber, and the VAPID ``aud`` is the canonical origin (issue 14, item 4)."""

import json
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.api.test_subscribe import fcm_subscription, post
from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.delivery.endpoint_policy import (
    EndpointRejected,
    canonical_endpoint,
    check_endpoint,
    origin_of,
)
from wagtail_pushseg.delivery.headers import push_headers
from wagtail_pushseg.delivery.payload import build_payload
from wagtail_pushseg.delivery.results import Outcome
from wagtail_pushseg.delivery.vapid import configured_signer
from wagtail_pushseg.models import Subscriber, endpoint_hash
from wagtail_pushseg.subscribers.direct import send_to_subscriber
from wagtail_pushseg.testing.keys import b64url_decode
from wagtail_pushseg.testing.vapid_check import parse_authorization, verify_jwt


FCM = "https://fcm.googleapis.com/fcm/send/AbC-d_9?x=Y%2F&z"


@pytest.mark.parametrize("spelling", [
    FCM,
    "https://FCM.GOOGLEAPIS.COM./fcm/send/AbC-d_9?x=Y%2F&z",
    "https://fcm.googleapis.com:443/fcm/send/AbC-d_9?x=Y%2F&z",
    "https://fcm.googleapis.com:0443/fcm/send/AbC-d_9?x=Y%2F&z",
    "HTTPS://Fcm.GoogleApis.Com.:00443/fcm/send/AbC-d_9?x=Y%2F&z",
])
def test_spellings_of_one_push_address_have_one_canonical_form(spelling):
    assert canonical_endpoint(spelling) == FCM
    assert check_endpoint(spelling) == FCM
    assert origin_of(spelling) == "https://fcm.googleapis.com"


@pytest.mark.parametrize(("given", "canonical"), [
    # Path and query are the push service's: kept byte for byte, case and escapes included.
    ("https://push.example/A/%7e?", "https://push.example/A/%7e?"),
    ("https://push.example", "https://push.example"),
    ("https://push.example:8443/x", "https://push.example:8443/x"),
    ("https://push.example:08443/x", "https://push.example:8443/x"),
    ("https://push.example:0/x", "https://push.example:0/x"),
    ("http://push.example:80/x", "http://push.example/x"),
    ("http://push.example:443/x", "http://push.example:443/x"),
    ("https://BÜCHER.example./x", "https://xn--bcher-kva.example/x"),
    ("https://[2001:DB8:0:0::1]:443/x", "https://[2001:db8::1]/x"),
])
def test_canonical_form_keeps_path_and_query_and_normalises_the_authority(given, canonical):
    assert canonical_endpoint(given) == canonical


@pytest.mark.parametrize("bad", [
    "", None, "https://", "https:///x", "https://./x", "https:fcm.googleapis.com/x",
    "https://fcm.googleapis.com:99999/x", "https://xn--a.example/x".replace("xn--a", "a\u200db"),
])
def test_unreadable_endpoints_are_refused_with_a_reason(bad):
    with pytest.raises(EndpointRejected):
        canonical_endpoint(bad)


def test_a_non_default_port_is_still_refused_after_canonicalisation():
    with pytest.raises(EndpointRejected, match="port 8443"):
        check_endpoint("https://fcm.googleapis.com:08443/x")


@pytest.mark.django_db
def test_three_spellings_posted_make_one_subscriber_stored_canonically(site_client):
    data = fcm_subscription(endpoint="https://fcm.googleapis.com/fcm/send/Zz9")
    answers = [
        post(site_client, {**data, "endpoint": endpoint}).status_code
        for endpoint in (
            "https://FCM.GOOGLEAPIS.COM./fcm/send/Zz9",
            "https://fcm.googleapis.com:443/fcm/send/Zz9",
            "https://fcm.googleapis.com:0443/fcm/send/Zz9",
        )
    ]
    assert answers == [201, 200, 200]
    subscriber = Subscriber.objects.get()
    assert subscriber.endpoint == "https://fcm.googleapis.com/fcm/send/Zz9"
    assert subscriber.endpoint_hash == endpoint_hash(subscriber.endpoint)

    # What the sender signs for that row: the canonical origin, no dot, no port.
    token, _key = parse_authorization(push_headers(configured_signer(), subscriber.endpoint, 60)
                                      ["Authorization"])
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(pushseg_settings.VAPID_PUBLIC_KEY)
    )
    assert verify_jwt(token, public)["aud"] == "https://fcm.googleapis.com"


def test_the_sender_signs_for_the_canonical_origin_whatever_the_spelling():
    header = push_headers(configured_signer(), "https://FCM.GOOGLEAPIS.COM.:0443/x", 60)
    token, _key = parse_authorization(header["Authorization"])
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(pushseg_settings.VAPID_PUBLIC_KEY)
    )
    assert verify_jwt(token, public)["aud"] == "https://fcm.googleapis.com"


@pytest.mark.django_db
def test_unsubscribe_finds_the_subscriber_by_another_spelling(site_client):
    data = fcm_subscription(endpoint="https://fcm.googleapis.com/fcm/send/Un1")
    assert post(site_client, data).status_code == 201
    response = site_client.post(
        "/pushseg/api/unsubscribe",
        json.dumps({"endpoint": "https://Fcm.Googleapis.Com.:443/fcm/send/Un1",
                    "keys": {"auth": data["keys"]["auth"]}}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Subscriber.objects.get().status == "unsubscribed"


@pytest.mark.django_db
def test_a_sandbox_subscription_spelt_oddly_is_stored_canonically_and_receives(
    site_client, sandbox, sandbox_subscription
):
    # The sandbox checks the JWT's aud against its own origin, as a real push service does.
    parts = urlsplit(sandbox_subscription["endpoint"])
    odd = f"HTTP://{parts.hostname}.:0{parts.port}{parts.path}"
    response = post(site_client, {**sandbox_subscription, "endpoint": odd})
    assert response.status_code == 201, response.content
    subscriber = Subscriber.objects.get()
    assert subscriber.endpoint == sandbox_subscription["endpoint"]

    result = send_to_subscriber(subscriber, build_payload(title="Hello"))

    assert result.outcome is Outcome.SENT, result.reason
    [message] = sandbox.messages(sandbox_subscription["endpoint"])
    assert message.vapid_claims["aud"] == sandbox.origin
