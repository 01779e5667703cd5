"""The sandbox plays the reader: it shows and clicks delivered pushes at given rates, through
the receipt and click links in the payload, so a campaign's results fill in (real site over
HTTP, real sandbox, real sender)."""

import json

import pytest
from django.core.management import call_command

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.models import Campaign, Delivery
from wagtail_pushseg.segments.starter import install_starter_segments
from wagtail_pushseg.testing.faults import Behaviour


# serialized_rollback, like every transactional test here: a plain flush afterwards would empty
# what the migrations made (content types, Wagtail's root page) for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def subscribe(site_client, sandbox, n: int) -> None:
    for _ in range(n):
        subscription = sandbox.subscribe(pushseg_settings.VAPID_PUBLIC_KEY)
        response = site_client.post("/pushseg/api/subscribe", json.dumps(subscription),
                                    content_type="application/json")
        assert response.status_code == 201, response.content


def test_shown_and_clicked_at_the_given_rates_reach_the_campaign_results(
        live_server, sandbox, site_client):
    subscribe(site_client, sandbox, 12)
    install_starter_segments(fan_tags=[], refresh=True)  # "New subscribers": all twelve
    sandbox.set_behaviour(show_rate=0.75, click_rate=0.25, seed=5, site_url=live_server.url)
    # SQLite's in-memory test database takes one writer at a time: receipts after the send.
    sandbox.pause_reader()

    call_command("pushseg_send", title="Back in stock", url="/", segment=["new-subscribers"],
                 no_progress=True, verbosity=0)
    sandbox.wait_for_reader()

    deliveries = Delivery.objects.filter(campaign=Campaign.objects.get(title="Back in stock"))
    assert deliveries.filter(status="sent").count() == 12
    log = sandbox.reader_log
    shown = [url for what, url, status in log if what == "shown" and status == 200]
    clicked = [url for what, url, status in log if what == "click" and status == 302]
    dismissed = [url for what, url, status in log if what == "dismissed" and status == 200]
    assert len(log) == len(shown) + len(clicked) + len(dismissed)  # nothing refused
    assert 0 < len(clicked) < len(shown) < 12  # the rates, drawn from the seed
    assert len(dismissed) == len(shown) - len(clicked)
    assert deliveries.filter(shown_at__isnull=False).count() == len(shown)
    assert deliveries.filter(clicked_at__isnull=False).count() == len(clicked)
    assert deliveries.filter(dismissed_at__isnull=False).count() == len(dismissed)


def test_a_pushed_message_without_links_is_only_stored(sandbox):
    sandbox.set_behaviour(show_rate=1.0, click_rate=1.0, site_url="http://127.0.0.1:9")
    from pywebpush import webpush

    subscription = sandbox.subscribe(pushseg_settings.VAPID_PUBLIC_KEY)
    webpush(subscription, json.dumps({"title": "Hi"}),
            vapid_private_key=pushseg_settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": "mailto:t@example.com"})
    sandbox.wait_for_reader()
    assert len(sandbox.messages(subscription["endpoint"])) == 1
    assert sandbox.reader_log == []


@pytest.mark.parametrize("data, message", [
    ({"show_rate": 0.5}, "needs site_url"),
    ({"show_rate": 0.2, "click_rate": 0.5, "site_url": "http://x"}, "at most show_rate"),
    ({"show_rate": 1.5, "site_url": "http://x"}, "within [0, 1]"),
])
def test_bad_reader_settings_are_refused(data, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Behaviour.from_json(data)
