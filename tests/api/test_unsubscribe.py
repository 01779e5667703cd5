import json

import pytest

from wagtail_pushseg.models import Subscriber

from .test_subscribe import fcm_subscription, post


pytestmark = pytest.mark.django_db

URL = "/pushseg/api/unsubscribe"


def unsubscribe(client, data):
    return client.post(URL, json.dumps(data), content_type="application/json")


def test_unsubscribe_needs_the_auth_secret(site_client):
    data = fcm_subscription()
    post(site_client, data)
    wrong = unsubscribe(site_client, {"endpoint": data["endpoint"], "keys": {"auth": "AAAA"}})
    assert wrong.status_code == 404
    assert Subscriber.objects.get().status == "active"
    right = unsubscribe(site_client, {"endpoint": data["endpoint"], "keys": data["keys"]})
    assert right.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "unsubscribed"
    assert subscriber.unsubscribed_at is not None


def test_unsubscribe_with_erase_deletes_the_row(site_client):
    data = fcm_subscription()
    post(site_client, data)
    response = unsubscribe(
        site_client, {"endpoint": data["endpoint"], "keys": data["keys"], "erase": True}
    )
    assert json.loads(response.content) == {"status": "erased"}
    assert not Subscriber.objects.exists()


def test_unsubscribe_without_fields_is_a_clear_400(site_client):
    response = unsubscribe(site_client, {"endpoint": "https://fcm.googleapis.com/x"})
    assert response.status_code == 400
    assert "auth" in json.loads(response.content)["error"]
