"""The signed click link: real sends to the sandbox, the decrypted payload's click_url followed
with the Django client. django-q2 runs inline here (``sync``)."""

import pytest
from django.test import Client

from wagtail_pushseg.campaigns.tokens import make_token, read_token
from wagtail_pushseg.models import Delivery, Event, Profile

from .sent import language_segment, new_campaign, payload_of, send


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


def test_payload_carries_a_click_link_and_receipt_url_signed_for_its_own_delivery(sent, sandbox):
    campaign, subscribers = sent
    for subscriber in subscribers:
        data = payload_of(sandbox, subscriber)["data"]
        delivery = Delivery.objects.get(subscriber=subscriber)
        token = data["click_url"].rsplit("/", 1)[1]
        assert data["click_url"] == f"/pushseg/c/{token}"
        assert data["receipt_url"] == f"/pushseg/api/receipt/{token}"
        ref = read_token(token)
        assert (ref.campaign_id, ref.delivery_id) == (campaign.pk, delivery.pk)


def test_following_the_click_link_records_once_and_redirects_to_the_page(sent, sandbox, pages):
    _campaign, [first, second] = sent
    click_url = payload_of(sandbox, first)["data"]["click_url"]
    client = Client()
    for _ in range(3):
        response = client.get(click_url)
        assert response.status_code == 302
        assert response["Location"] == pages["article"].get_full_url()
    delivery = Delivery.objects.get(subscriber=first)
    assert delivery.clicked_at is not None
    # No "shown" receipt came first: the click counts as shown too.
    assert delivery.shown_at == delivery.clicked_at
    profile = Profile.objects.get(subscriber=first)
    assert (profile.pushes_clicked, profile.pushes_ignored_since_click) == (1, 0)
    assert profile.last_click_at == delivery.clicked_at
    [event] = Event.objects.filter(kind=Event.Kind.CLICKED)
    assert (event.subscriber_id, event.page_id) == (first.pk, pages["article"].pk)
    assert event.properties["delivery"] == delivery.pk
    # The other subscriber did not click.
    other = Delivery.objects.get(subscriber=second)
    assert other.clicked_at is None
    assert Profile.objects.get(subscriber=second).pushes_clicked == 0


def test_a_click_keeps_an_earlier_shown_time(sent, sandbox, site_client):
    _campaign, [first, _second] = sent
    data = payload_of(sandbox, first)["data"]
    site_client.post(data["receipt_url"], {"event": "shown"}, content_type="application/json")
    shown = Delivery.objects.get(subscriber=first).shown_at
    Client().get(data["click_url"])
    delivery = Delivery.objects.get(subscriber=first)
    assert delivery.shown_at == shown < delivery.clicked_at


def test_next_parameters_are_ignored(sent, sandbox, pages):
    _campaign, [first, _second] = sent
    click_url = payload_of(sandbox, first)["data"]["click_url"]
    for query in ("?next=//evil.example", "?next=https://evil.example/",
                  "?url=https://evil.example/", "?redirect_to=//evil.example&next=%2F%2Fevil"):
        response = Client().get(click_url + query)
        assert response.status_code == 302
        assert response["Location"] == pages["article"].get_full_url()


def assert_stays_on_site(response):
    """Either no redirect at all, or one to a path / host of this site."""
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
    assert "evil.example" not in response.get("Location", "")


def test_a_tampered_token_redirects_home_and_records_nothing(sent, sandbox):
    campaign, [first, second] = sent
    token = payload_of(sandbox, first)["data"]["click_url"].rsplit("/", 1)[1]
    value, signature = token.rsplit(":", 1)
    other = Delivery.objects.get(subscriber=second)
    forged = [
        f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # bad signature
        f"{value.split('.')[0]}.{other.pk}:{signature}",  # someone else's delivery
        value,  # no signature
        "garbage",
        "x" * 5000,
        make_token(campaign.pk, first.pk).replace(":", ":x"),
    ]
    for bad in forged:
        response = Client().get(f"/pushseg/c/{bad}?next=//evil.example")
        assert response.status_code == 302, bad
        assert response["Location"] == "/", bad
    assert not Delivery.objects.filter(clicked_at__isnull=False).exists()
    assert not Event.objects.filter(kind=Event.Kind.CLICKED).exists()


def test_a_token_signed_with_another_salt_is_refused(sent):
    from django.core import signing

    campaign, _subscribers = sent
    delivery = Delivery.objects.filter(campaign=campaign).first()
    value = make_token(campaign.pk, delivery.pk).rsplit(":", 1)[0]
    other_salt = signing.Signer(salt="something-else").sign(value)
    response = Client().get(f"/pushseg/c/{other_salt}")
    assert response["Location"] == "/"
    assert Delivery.objects.get(pk=delivery.pk).clicked_at is None


@pytest.mark.parametrize("path", [
    "/pushseg/c///evil.example",
    "/pushseg/c/%2F%2Fevil.example",
    "/pushseg/c/http:%2F%2Fevil.example",
    "/pushseg/c/%5C%5Cevil.example",
    "/pushseg/c/https://evil.example/",
])
def test_off_site_looking_links_never_redirect_off_site(sent, path):
    assert_stays_on_site(Client().get(path))


def test_a_campaign_link_off_this_site_leads_home_instead(
    make_sandbox_subscribers, sandbox, pages, django_capture_on_commit_callbacks
):
    """Defence in depth: even a stored link that leaves the site is not followed."""
    [subscriber] = make_sandbox_subscribers(1, language="de-DE")
    campaign = new_campaign(language_segment("de", "German"), url="//evil.example/x")
    send(campaign, django_capture_on_commit_callbacks)
    response = Client().get(payload_of(sandbox, subscriber)["data"]["click_url"])
    assert response["Location"] == "/"
    # ...but the click itself was real and is counted.
    assert Delivery.objects.get(subscriber=subscriber).clicked_at is not None


def test_a_link_for_a_path_on_the_site_redirects_there(
    make_sandbox_subscribers, sandbox, django_capture_on_commit_callbacks
):
    [subscriber] = make_sandbox_subscribers(1, language="de-DE")
    campaign = new_campaign(language_segment("de", "German"), url="/shop/?utm=push")
    send(campaign, django_capture_on_commit_callbacks)
    response = Client().get(payload_of(sandbox, subscriber)["data"]["click_url"])
    assert response["Location"] == "/shop/?utm=push"


def test_head_requests_and_other_methods_do_not_count(sent, sandbox):
    _campaign, [first, _second] = sent
    click_url = payload_of(sandbox, first)["data"]["click_url"]
    assert Client().head(click_url).status_code == 302
    assert Client().post(click_url).status_code == 405
    assert Delivery.objects.get(subscriber=first).clicked_at is None


def test_clicks_over_the_rate_limit_still_lead_to_the_page_uncounted(sent, sandbox, settings,
                                                                      pages):
    _campaign, [first, second] = sent
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "RATE_LIMIT": "1/m"}
    client = Client()
    client.get(payload_of(sandbox, first)["data"]["click_url"])
    response = client.get(payload_of(sandbox, second)["data"]["click_url"])
    assert response["Location"] == pages["article"].get_full_url()
    assert Delivery.objects.get(subscriber=first).clicked_at is not None
    assert Delivery.objects.get(subscriber=second).clicked_at is None


def test_a_click_after_the_subscriber_was_erased_still_leads_to_the_page(sent, sandbox, pages):
    from wagtail_pushseg.subscribers.services import erase

    _campaign, [first, _second] = sent
    click_url = payload_of(sandbox, first)["data"]["click_url"]
    erase(first)
    response = Client().get(click_url)
    assert response["Location"] == pages["article"].get_full_url()
    assert not Event.objects.filter(kind=Event.Kind.CLICKED).exists()
