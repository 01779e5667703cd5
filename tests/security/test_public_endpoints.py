"""Every public endpoint of the plugin is rate-limited and refuses cross-origin posts, storing
nothing; the endpoints are walked from the URL resolver, so new ones are covered too."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from .public_urls import public_urls, row_counts


pytestmark = pytest.mark.django_db

EVIL = "https://evil.example"


def call(client: Client, method: str, url: str):
    if method == "get":
        return client.get(url)
    return client.post(url, "{}", content_type="application/json")


def test_the_walk_finds_the_public_endpoints():
    urls = public_urls()
    assert {"/pushseg-sw.js", "/pushseg/api/subscribe", "/pushseg/api/unsubscribe",
            "/pushseg/api/track", "/pushseg/api/vapid-public-key"} <= set(urls)


#: Limited without a 429: a reader following a notification's click link over the limit still
#: lands on the page, only the click is not counted (proved by the named test).
LIMITED_UNCOUNTED = {
    reverse("wagtail_pushseg:click", kwargs={"token": "x"}):
        "tests/campaigns/test_clicks.py::test_clicks_over_the_rate_limit_still_lead_to_the_page_uncounted",
}


@pytest.mark.parametrize("url", [u for u in public_urls() if u not in LIMITED_UNCOUNTED])
def test_every_public_endpoint_is_rate_limited(url, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "RATE_LIMIT": "3/m"}
    client = Client(HTTP_ORIGIN="http://testserver")
    limited = []
    for method in ("get", "post"):
        cache.clear()
        statuses = [
            call(client, method, url).status_code for _ in range(4)
        ]
        if statuses[-1] == 429:
            assert 429 not in statuses[:3], f"{method} {url}: limited too early {statuses}"
            limited.append(method)
    assert limited, f"{url} answered without a limit to both GET and POST"


@pytest.mark.parametrize("url", [u for u in public_urls() if u not in LIMITED_UNCOUNTED])
def test_the_limit_counts_per_client(url, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "RATE_LIMIT": "1/m"}
    one = Client(HTTP_ORIGIN="http://testserver", REMOTE_ADDR="203.0.113.1")
    other = Client(HTTP_ORIGIN="http://testserver", REMOTE_ADDR="203.0.113.2")
    for method in ("get", "post"):
        cache.clear()
        if call(one, method, url).status_code == 405:
            continue
        assert call(one, method, url).status_code == 429
        assert call(other, method, url).status_code != 429


@pytest.mark.parametrize(("first", "second", "shared"), [
    ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),   # the same /64: one household
    ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
    ("::ffff:203.0.113.5", "203.0.113.5", True),          # IPv4 written as IPv6
    ("203.0.113.5", "203.0.113.6", False),
])
def test_ipv6_clients_are_counted_by_their_64(first, second, shared, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "RATE_LIMIT": "1/m"}
    url = "/pushseg/api/vapid-public-key"
    assert Client(REMOTE_ADDR=first).get(url).status_code == 200
    limited = Client(REMOTE_ADDR=second).get(url).status_code == 429
    assert limited is shared


@pytest.mark.parametrize("url", public_urls())
@pytest.mark.parametrize("headers", [
    {"HTTP_ORIGIN": EVIL},
    {"HTTP_ORIGIN": "null"},
    {"HTTP_ORIGIN": "http://testserver.evil.example"},
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
    {},  # neither Origin nor Fetch Metadata
])
def test_cross_origin_posts_are_refused_and_store_nothing(url, headers, sandbox,
                                                          sandbox_subscription):
    """Even a well-formed subscription (which the site's own origin would store) is refused."""
    before = row_counts()
    response = Client(**headers).post(url, json.dumps(sandbox_subscription),
                                      content_type="application/json")
    assert response.status_code in (403, 405), (url, response.status_code)
    if response.status_code == 403:
        assert "error" in response.json()
    assert row_counts() == before


def test_the_same_subscription_from_the_sites_origin_is_stored(site_client, sandbox,
                                                               sandbox_subscription):
    """Control for the test above: it is the origin that was refused, not the body."""
    before = row_counts()
    response = site_client.post("/pushseg/api/subscribe", json.dumps(sandbox_subscription),
                                content_type="application/json")
    assert response.status_code == 201
    assert row_counts()["Subscriber"] == before["Subscriber"] + 1


def test_a_cross_origin_form_post_is_refused(sandbox, sandbox_subscription):
    """What a hostile page can send without a CORS preflight: a form, no JSON type."""
    before = row_counts()
    response = Client(HTTP_ORIGIN=EVIL).post("/pushseg/api/subscribe", {
        "endpoint": sandbox_subscription["endpoint"], "keys": json.dumps(sandbox_subscription)
    })
    assert response.status_code == 403
    assert row_counts() == before
