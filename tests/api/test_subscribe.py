import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client

from wagtail_pushseg.models import Subscriber


pytestmark = pytest.mark.django_db

URL = "/pushseg/api/subscribe"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def fcm_subscription(**overrides):
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    data = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/" + b64(os.urandom(24)),
        "expirationTime": None,
        "keys": {
            "p256dh": b64(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
            "auth": b64(os.urandom(16)),
        },
    }
    data.update(overrides)
    return data


def post(client, data, **extra):
    body = data if isinstance(data, (bytes, str)) else json.dumps(data)
    return client.post(URL, body, content_type="application/json", **extra)


def test_subscribe_stores_subscriber_and_sets_visitor_cookie(site_client):
    data = fcm_subscription(timezone="Europe/Berlin", language="de-DE")
    response = post(
        site_client, data,
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    )
    assert response.status_code == 201, response.content
    subscriber = Subscriber.objects.get()
    assert subscriber.endpoint == data["endpoint"]
    assert subscriber.p256dh == data["keys"]["p256dh"]
    assert (subscriber.timezone, subscriber.language) == ("Europe/Berlin", "de-DE")
    assert (subscriber.browser, subscriber.platform) == ("Chrome", "Windows")
    assert subscriber.status == "active"
    cookie = response.cookies["pushseg_vid"]
    assert cookie.value == subscriber.visitor_id
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_subscribing_twice_is_idempotent_by_endpoint(site_client):
    data = fcm_subscription()
    assert post(site_client, data).status_code == 201
    again = post(site_client, data)
    assert again.status_code == 200
    assert json.loads(again.content) == {"status": "active", "created": False}
    assert Subscriber.objects.count() == 1


def test_resubscribing_reactivates_an_unsubscribed_endpoint(site_client):
    data = fcm_subscription()
    post(site_client, data)
    Subscriber.objects.update(status="unsubscribed")
    assert post(site_client, data).status_code == 200
    assert Subscriber.objects.get().status == "active"


def _bad_keys(**keys):
    data = fcm_subscription()
    data["keys"] = {**data["keys"], **keys}
    return data


def _point() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


BAD_SUBSCRIPTIONS = {
    "http endpoint on unlisted origin": (
        fcm_subscription(endpoint="http://fcm.googleapis.com/fcm/send/x"), "https"),
    "unlisted host": (fcm_subscription(endpoint="https://push.evil.test/x"), "not a known"),
    "private IP literal": (fcm_subscription(endpoint="https://192.168.1.10/x"), "private"),
    "loopback IP literal": (fcm_subscription(endpoint="https://127.0.0.1/x"), "private"),
    "look-alike host": (
        fcm_subscription(endpoint="https://fcm.googleapis.com.evil.test/x"), "not a known"),
    "userinfo": (
        fcm_subscription(endpoint="https://a:b@fcm.googleapis.com/fcm/send/x"), "user info"),
    "non-standard port": (
        fcm_subscription(endpoint="https://fcm.googleapis.com:444/fcm/send/x"), "port 444"),
    "5000-character URL": (
        fcm_subscription(endpoint="https://fcm.googleapis.com/" + "x" * 5000), "characters"),
    "p256dh of 64 bytes": (_bad_keys(p256dh=b64(_point()[:64])), "65 bytes"),
    "p256dh of 66 bytes": (_bad_keys(p256dh=b64(_point() + b"\x04")), "65 bytes"),
    "p256dh wrong first byte": (_bad_keys(p256dh=b64(b"\x02" + _point()[1:])), "0x04"),
    "p256dh off the curve": (_bad_keys(p256dh=b64(b"\x04" + b"\x07" * 64)), "curve"),
    "auth of 15 bytes": (_bad_keys(auth=b64(os.urandom(15))), "16 bytes"),
    "auth of 17 bytes": (_bad_keys(auth=b64(os.urandom(17))), "16 bytes"),
    "missing keys": (fcm_subscription(keys=None), "keys"),
    "unknown time zone": (fcm_subscription(timezone="Mars/Olympus"), "time zone"),
    "bad language": (fcm_subscription(language="<script>"), "language"),
    "not an object": ([1, 2, 3], "JSON object"),
}


@pytest.mark.parametrize("case", BAD_SUBSCRIPTIONS, ids=list(BAD_SUBSCRIPTIONS))
def test_bad_subscription_is_refused_with_a_message_and_nothing_stored(site_client, case):
    data, message = BAD_SUBSCRIPTIONS[case]
    response = post(site_client, data)
    assert response.status_code == 400
    assert message in json.loads(response.content)["error"]
    assert Subscriber.objects.count() == 0
    assert "pushseg_vid" not in response.cookies


def test_malformed_json_is_refused(site_client):
    response = post(site_client, b'{"endpoint": ')
    assert response.status_code == 400
    assert "not valid JSON" in json.loads(response.content)["error"]
    assert Subscriber.objects.count() == 0


def test_oversized_body_is_refused(site_client):
    data = fcm_subscription(padding="x" * 20_000)
    response = post(site_client, data)
    assert response.status_code == 413
    assert "limit" in json.loads(response.content)["error"]
    assert Subscriber.objects.count() == 0


def test_cross_origin_post_is_refused():
    evil = Client(HTTP_ORIGIN="https://evil.example")
    response = post(evil, fcm_subscription())
    assert response.status_code == 403
    assert "cross-origin" in json.loads(response.content)["error"]
    assert Subscriber.objects.count() == 0


def test_post_without_origin_or_fetch_metadata_is_refused():
    response = post(Client(), fcm_subscription())
    assert response.status_code == 403
    assert Subscriber.objects.count() == 0


def test_same_origin_fetch_metadata_without_origin_is_accepted():
    response = post(Client(HTTP_SEC_FETCH_SITE="same-origin"), fcm_subscription())
    assert response.status_code == 201


def test_form_post_is_refused_as_unsupported_media_type(site_client):
    response = site_client.post(URL, {"endpoint": "x"})
    assert response.status_code == 415
    assert Subscriber.objects.count() == 0


def test_get_is_not_allowed(site_client):
    response = site_client.get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_rate_limit_per_client(site_client, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "RATE_LIMIT": "3/m"}
    statuses = [post(site_client, fcm_subscription()).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    other = Client(HTTP_ORIGIN="http://testserver", REMOTE_ADDR="10.1.2.3")
    assert post(other, fcm_subscription()).status_code == 201
    assert Subscriber.objects.count() == 4


def test_vapid_public_key_endpoint(client, settings):
    response = client.get("/pushseg/api/vapid-public-key")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "publicKey": settings.WAGTAIL_PUSHSEG["VAPID_PUBLIC_KEY"]
    }
