import json

import pytest
from django.test import Client

from wagtail_pushseg.models import Event, Profile


pytestmark = pytest.mark.django_db

URL = "/pushseg/api/track"


def track(client, data):
    body = data if isinstance(data, (bytes, str)) else json.dumps(data)
    return client.post(URL, body, content_type="application/json")


def test_custom_event_is_recorded(subscribed):
    client, subscriber = subscribed
    response = track(client, {"event": "add_to_cart", "properties": {"sku": "HP-1", "qty": 2}})
    assert response.status_code == 201
    event = Event.objects.get()
    assert (event.subscriber, event.kind, event.name) == (subscriber, "custom", "add_to_cart")
    assert event.properties == {"sku": "HP-1", "qty": 2}


def test_page_view_reported_by_the_script_on_cached_sites(pages, subscribed):
    client, subscriber = subscribed
    response = track(client, {"event": "page_view", "page": pages["offer"].pk})
    assert response.status_code == 201
    assert Event.objects.get().tags == ["audio", "sale"]
    assert Profile.objects.get(subscriber=subscriber).total_visits == 1


BAD = {
    "name with spaces": ({"event": "add to cart"}, 400, "slug"),
    "upper case": ({"event": "Purchase"}, 400, "slug"),
    "too long": ({"event": "a" * 65}, 400, "slug"),
    "missing name": ({"properties": {}}, 400, "slug"),
    "reserved name": ({"event": "clicked"}, 400, "recorded by the plugin"),
    "properties not an object": ({"event": "buy", "properties": [1]}, 400, "object"),
    "properties too big": ({"event": "buy", "properties": {"x": "y" * 3000}}, 400, "limit"),
    "page view without page": ({"event": "page_view"}, 400, "page"),
    "page view of unknown page": ({"event": "page_view", "page": 999999}, 404, "no live"),
    "malformed JSON": (b"{nope", 400, "JSON"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_track_requests_are_refused_and_nothing_stored(subscribed, pages, case):
    client, _ = subscribed
    data, status, message = BAD[case]
    response = track(client, data)
    assert response.status_code == status
    assert message in json.loads(response.content)["error"]
    assert not Event.objects.exists()


def test_visitor_who_has_not_subscribed_gets_403_and_nothing_stored():
    response = track(Client(HTTP_ORIGIN="http://testserver"), {"event": "buy"})
    assert response.status_code == 403
    assert "not subscribed" in json.loads(response.content)["error"]
    assert not Event.objects.exists()


def test_cross_origin_track_is_refused(subscribed):
    client, _ = subscribed
    response = client.post(URL, json.dumps({"event": "buy"}), content_type="application/json",
                           HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_unsubscribing_stops_tracking_at_once(subscribed, sandbox_subscription, pages):
    client, _ = subscribed
    visitor_cookie = client.cookies["pushseg_vid"].value
    response = client.post("/pushseg/api/unsubscribe", json.dumps(sandbox_subscription),
                           content_type="application/json")
    assert response.status_code == 200
    # Even a browser that kept the cookie is no longer tracked.
    client.cookies["pushseg_vid"] = visitor_cookie
    assert track(client, {"event": "buy"}).status_code == 403
    client.get("/magazine/best-laptops/")
    assert not Event.objects.exists()
