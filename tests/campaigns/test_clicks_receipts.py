"""Receipts from the service worker ("shown", "dismissed"): signed, same-origin, bounded, and
counted once however often they arrive."""

import json

import pytest
from django.core.cache import cache

from wagtail_pushseg.models import Delivery, Event

from .sent import payload_of


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def test_shown_is_recorded_once_however_often_it_arrives(sent, sandbox, site_client):
    _campaign, [first, second] = sent
    url = payload_of(sandbox, first)["data"]["receipt_url"]
    answers = [post(site_client, url, {"event": "shown"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json()["recorded"] for a in answers] == [True, False, False, False]
    delivery = Delivery.objects.get(subscriber=first)
    assert delivery.shown_at is not None and delivery.dismissed_at is None
    assert Event.objects.filter(kind=Event.Kind.SHOWN).count() == 1
    assert Delivery.objects.get(subscriber=second).shown_at is None


def test_dismissed_is_recorded_once_and_implies_shown(sent, sandbox, site_client):
    _campaign, [first, _second] = sent
    url = payload_of(sandbox, first)["data"]["receipt_url"]
    for _ in range(3):
        post(site_client, url, {"event": "dismissed"})
    delivery = Delivery.objects.get(subscriber=first)
    assert delivery.dismissed_at is not None
    assert delivery.shown_at == delivery.dismissed_at
    assert Event.objects.filter(kind=Event.Kind.DISMISSED).count() == 1
    # A late "shown" does not move the time already recorded.
    post(site_client, url, {"event": "shown"})
    assert Delivery.objects.get(subscriber=first).shown_at == delivery.shown_at


def test_receipts_need_a_valid_token_and_a_known_event(sent, sandbox, site_client):
    _campaign, [first, _second] = sent
    url = payload_of(sandbox, first)["data"]["receipt_url"]
    tampered = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
    answer = post(site_client, tampered, {"event": "shown"})
    assert answer.status_code == 400 and "not valid" in answer.json()["error"]
    answer = post(site_client, url, {"event": "clicked"})
    assert (answer.status_code, answer.json()["field"]) == (400, "event")
    answer = post(site_client, url, ["shown"])
    assert answer.status_code == 400
    assert not Delivery.objects.filter(shown_at__isnull=False).exists()
    assert not Event.objects.exclude(kind=Event.Kind.PAGE_VIEW).exists()


def test_receipts_are_same_origin_bounded_and_post_only(sent, sandbox, client, settings):
    _campaign, [first, _second] = sent
    url = payload_of(sandbox, first)["data"]["receipt_url"]
    assert post(client, url, {"event": "shown"}, HTTP_ORIGIN="https://evil.example"
                ).status_code == 403
    assert post(client, url, {"event": "shown"}).status_code == 403  # no Origin at all
    assert client.get(url, HTTP_ORIGIN="http://testserver").status_code == 405
    big = {"event": "shown", "padding": "x" * 20000}
    assert post(client, url, big, HTTP_ORIGIN="http://testserver").status_code == 413
    assert client.post(url, "event=shown", content_type="application/x-www-form-urlencoded",
                       HTTP_ORIGIN="http://testserver").status_code == 415
    assert Delivery.objects.get(subscriber=first).shown_at is None
    cache.clear()  # the refused requests above were counted too
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "RATE_LIMIT": "2/m"}
    codes = [post(client, url, {"event": "shown"}, HTTP_ORIGIN="http://testserver").status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_receipt_for_an_erased_subscriber_is_a_404(sent, sandbox, site_client):
    from wagtail_pushseg.subscribers.services import erase

    _campaign, [first, _second] = sent
    url = payload_of(sandbox, first)["data"]["receipt_url"]
    erase(first)
    assert post(site_client, url, {"event": "shown"}).status_code == 404
