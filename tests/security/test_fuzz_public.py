"""The public endpoints fuzzed with hypothesis: whatever arrives, never a 500, and a refused
request stores nothing."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .public_urls import public_urls, row_counts


pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=80, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=80),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Near-misses of real bodies: the right keys with wrong, odd or hostile values.
b64ish = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/",
                 max_size=100)
endpoints = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["https://fcm.googleapis.com/fcm/send/x", "http://127.0.0.1:1/p",
                     "https://10.0.0.1/p", "https://fcm.googleapis.com.evil.test/x",
                     "https://user@fcm.googleapis.com/x", "javascript:alert(1)",
                     "https://fcm.googleapis.com:8443/x", "https://[::1]/x"]),
    st.builds(lambda s: "https://fcm.googleapis.com/fcm/send/" + s, st.text(max_size=40)),
)
subscription_like = st.fixed_dictionaries(
    {"endpoint": endpoints | json_values,
     "keys": st.fixed_dictionaries({"p256dh": b64ish | json_values, "auth": b64ish | json_values})
     | json_values},
    optional={"expirationTime": json_values, "timezone": st.text(max_size=70) | json_values,
              "language": st.text(max_size=40) | json_values, "erase": json_values},
)
event_like = st.fixed_dictionaries(
    {"event": st.text(max_size=70) | st.sampled_from(["add_to_cart", "page_view", "shown",
                                                      "<script>x</script>"]) | json_values},
    optional={"properties": json_values, "page": json_values},
)
# What the standard parser takes but the endpoints must refuse (strict_json): deep nesting,
# numbers beyond float or int, NaN, lone surrogates, duplicate keys.
hostile_json = st.one_of(
    st.integers(min_value=30, max_value=3000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=30, max_value=1500).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.sampled_from(["1e999999", "-1e999999", "9" * 5000, "NaN", "-Infinity",
                     '{"event":"x","event":"y"}']),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1,
            max_size=3).map(json.dumps),
)
bodies = st.one_of(
    hostile_json,
    json_values.map(json.dumps),
    subscription_like.map(json.dumps),
    event_like.map(json.dumps),
    st.binary(max_size=200),
    st.text(max_size=200),
)
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", ""])
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"])
user_agents = st.text(max_size=120) | st.sampled_from(["", "<script>alert(1)</script>",
                                                       "Mozilla/5.0 Chrome/131.0"])


def request(client: Client, method: str, url: str, body: bytes | str, content_type: str,
            user_agent: str):
    extra = {"HTTP_USER_AGENT": user_agent.encode("utf-8", "replace").decode("latin-1",
                                                                           "replace")}
    if method == "GET":
        return client.get(url, **extra)
    if method == "HEAD":
        return client.head(url, **extra)
    return client.generic(method, url, body, content_type=content_type, **extra)


def refused(status: int) -> bool:
    return status >= 400


@pytest.fixture
def no_rate_limit(settings):
    # The fuzzer sends hundreds of requests from one client; the limit has its own tests.
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "RATE_LIMIT": "0/m"}


@pytest.mark.parametrize("url", public_urls())
def test_fuzzed_requests_never_500_and_refusals_store_nothing(url, no_rate_limit):
    client = Client(HTTP_ORIGIN="http://testserver", raise_request_exception=False)

    @FUZZ
    @given(method=methods, body=bodies, content_type=content_types, user_agent=user_agents)
    def check(method, body, content_type, user_agent):
        before = row_counts()
        response = request(client, method, url, body, content_type, user_agent)
        assert response.status_code < 500, (method, body, response.content[:300])
        if refused(response.status_code):
            assert row_counts() == before, (method, body, response.status_code)
            if method != "HEAD" and response["Content-Type"].startswith("application/json"):
                assert "error" in json.loads(response.content)

    check()


def test_fuzzed_events_from_a_subscribed_browser(subscribed, no_rate_limit, pages):
    """With a real visitor cookie the track endpoint gets past the first checks: fuzz what
    follows (event names, properties, page ids)."""
    client, _subscriber = subscribed
    client.raise_request_exception = False

    @FUZZ
    @given(event=event_like, user_agent=user_agents)
    def check(event, user_agent):
        before = row_counts()
        response = request(client, "POST", "/pushseg/api/track", json.dumps(event),
                           "application/json", user_agent)
        assert response.status_code < 500, (event, response.content[:300])
        if refused(response.status_code):
            assert row_counts() == before, (event, response.status_code)
            assert "error" in response.json()

    check()


def test_fuzzed_unsubscribes_of_a_real_subscription(subscribed, no_rate_limit,
                                                   sandbox_subscription):
    """Near-misses of the real endpoint and auth secret never unsubscribe it."""
    client, subscriber = subscribed
    client.raise_request_exception = False
    real = sandbox_subscription

    @FUZZ
    @given(endpoint=st.sampled_from([real["endpoint"], real["endpoint"] + "x",
                                     real["endpoint"].upper()]) | endpoints,
           auth=st.sampled_from([real["keys"]["auth"][:-1], real["keys"]["auth"] + "A", ""])
           | b64ish | json_values)
    def check(endpoint, auth):
        response = request(client, "POST", "/pushseg/api/unsubscribe",
                           json.dumps({"endpoint": endpoint, "keys": {"auth": auth}}),
                           "application/json", "Mozilla/5.0")
        assert response.status_code < 500
        subscriber.refresh_from_db()
        assert subscriber.status == "active"

    check()


# --- hostile bodies, every public endpoint ---------------------------------------------------

KEYS = {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I"
                  "99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}
FCM = "https://fcm.googleapis.com/fcm/send/hostile"
HOSTILE_BODIES = {
    "deep arrays": b"[" * 950 + b"]" * 950,
    "deep objects": b'{"a":' * 600 + b"1" + b"}" * 600,
    "deep inside a subscription": json.dumps(
        {"endpoint": FCM, "keys": KEYS, "timezone": "UTC"})[:-1].encode()
    + b',"x":' + b"[" * 900 + b"]" * 900 + b"}",
    "deep event properties": b'{"event":"add_to_cart","properties":' + b"[" * 900
    + b"]" * 900 + b"}",
    "huge float": b'{"event":"add_to_cart","properties":{"n":1e999999}}',
    "huge negative float": b"[-1e999999]",
    "5000-digit integer": b'{"event":"add_to_cart","properties":{"n":' + b"9" * 5000 + b"}}",
    "5000-digit page id": b'{"event":"page_view","page":' + b"1" * 5000 + b"}",
    "NaN": b'{"event":"add_to_cart","properties":{"n":NaN}}',
    "Infinity": b'{"endpoint":"' + FCM.encode() + b'","expirationTime":Infinity}',
    "lone surrogate value": b'{"event":"add_to_cart","properties":{"n":"\\ud800"}}',
    "lone surrogate key": b'{"event":"add_to_cart","properties":{"\\udfff":1}}',
    "lone surrogate endpoint": json.dumps({"endpoint": FCM + "\\ud800", "keys": KEYS})
    .replace("\\\\ud800", "\\ud800").encode(),
    "lone surrogate timezone": json.dumps({"endpoint": FCM, "keys": KEYS})[:-1].encode()
    + b',"timezone":"\\ud800"}',
    "duplicate keys": b'{"event":"add_to_cart","event":"page_view"}',
    "duplicate endpoint": json.dumps({"endpoint": FCM, "keys": KEYS})[:-1].encode()
    + b',"endpoint":"https://10.0.0.1/x"}',
    "non-UTF-8": b'{"event":"\xff\xfe"}',
    "latin-1 text": '{"event":"caf\u00e9"}'.encode("latin-1"),
    "empty": b"",
    "whitespace": b" \n\t ",
    "null": b"null",
    "a list": b"[]",
    "a string": b'"subscribe"',
    "a number": b"1",
    "keys of wrong types": json.dumps({"endpoint": 1, "keys": [], "event": {}, "page": "x"})
    .encode(),
    "keys as a string": json.dumps({"endpoint": FCM, "keys": "p256dh"}).encode(),
    "auth as a list": json.dumps({"endpoint": FCM, "keys": {**KEYS, "auth": [1]}}).encode(),
    "event as an object": json.dumps({"event": {"name": "x"}, "properties": []}).encode(),
    "page as a float": json.dumps({"event": "page_view", "page": 1.5}).encode(),
    "page as a bool": json.dumps({"event": "page_view", "page": True}).encode(),
    "erase not a bool": json.dumps({"endpoint": FCM, "keys": {"auth": KEYS["auth"]},
                                    "erase": "yes"}).encode(),
    "NUL bytes": json.dumps({"event": "a\x00b", "endpoint": FCM + "\x00"}).encode(),
    "truncated": b'{"event":"add_to',
    "unbalanced brackets in a string": b'{"event":"[[[[{{{{"}',
}


def json_endpoints() -> list[str]:
    """Every public URL that takes a JSON body, plus a receipt URL whose token is genuinely
    signed (for a delivery that does not exist), so the body is read past the token check."""
    from wagtail_pushseg.campaigns.tokens import make_token

    urls = [url for url in public_urls() if "/api/" in url and "vapid-public-key" not in url]
    return [*urls, f"/pushseg/api/receipt/{make_token(999_999, 999_999)}"]


def post_json(client: Client, url: str, body: bytes):
    # The test client leaves the content type out of an empty body; a browser does not.
    return client.generic("POST", url, body, content_type="application/json",
                          CONTENT_TYPE="application/json")


def assert_json_refusal(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json", (what, response.content[:300])
        message = json.loads(response.content)["error"]
        assert isinstance(message, str) and message, what


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_hostile_bodies_are_refused_with_a_json_message_on_every_endpoint(
        name, subscribed, pages, no_rate_limit):
    """Anonymous and subscribed (the track endpoint then gets past its first checks): never a
    5xx, every refusal JSON with a message, nothing stored."""
    client, _subscriber = subscribed
    anonymous = Client(HTTP_ORIGIN="http://testserver", raise_request_exception=False)
    client.raise_request_exception = False
    body = HOSTILE_BODIES[name]
    for url in json_endpoints():
        for who, each in (("anonymous", anonymous), ("subscribed", client)):
            before = row_counts()
            response = post_json(each, url, body)
            assert_json_refusal(response, (name, url, who))
            assert response.status_code >= 400, (name, url, who, response.content[:300])
            assert row_counts() == before, (name, url, who)


@pytest.mark.parametrize("name, message", [
    ("deep arrays", "nested deeper than 32 levels"),
    ("huge float", "too large"),
    ("5000-digit integer", "5000 digits"),
    ("NaN", "NaN is not a JSON number"),
    ("lone surrogate value", "lone surrogate"),
    ("duplicate keys", "key 'event' appears twice"),
    ("non-UTF-8", "not UTF-8"),
    ("empty", "body is empty"),
])
def test_hostile_bodies_are_refused_saying_what_is_wrong(name, message, site_client,
                                                         no_rate_limit):
    response = post_json(site_client, "/pushseg/api/subscribe", HOSTILE_BODIES[name])
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_get_only_public_urls_never_500_on_hostile_bodies(no_rate_limit):
    """The service worker, the public key and the click link take no body: whatever is sent,
    no 5xx."""
    client = Client(HTTP_ORIGIN="http://testserver", raise_request_exception=False)
    for url in set(public_urls()) - set(json_endpoints()):
        for body in HOSTILE_BODIES.values():
            for method in ("POST", "GET"):
                response = client.generic(method, url, body, content_type="application/json")
                assert response.status_code < 500, (url, method, body[:60])
