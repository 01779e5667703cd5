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
bodies = st.one_of(
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
