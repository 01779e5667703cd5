from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from wagtail_pushseg.models import Event, Profile, Subscriber, TagAffinity
from wagtail_pushseg.tracking.describe import sale_share


pytestmark = pytest.mark.django_db

ARTICLE = "/magazine/best-laptops/"
OFFER = "/shop/headphones/"


def nothing_stored():
    return not (Event.objects.exists() or Profile.objects.exists() or TagAffinity.objects.exists())


def test_subscribed_visitors_view_updates_event_profile_and_affinities(pages, subscribed):
    client, subscriber = subscribed
    assert client.get(ARTICLE).status_code == 200

    event = Event.objects.get()
    assert (event.subscriber, event.kind, event.page_id) == (
        subscriber,
        "page_view",
        pages["article"].pk,
    )
    assert event.tags == ["laptops", "reviews"]
    profile = Profile.objects.get(subscriber=subscriber)
    assert profile.total_visits == 1
    assert profile.first_visit_at == profile.last_visit_at == event.occurred_at
    assert profile.recent_visits == pytest.approx(1.0)
    assert profile.recent_sale_visits == 0.0
    local_hour = event.occurred_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).hour
    assert profile.active_hours[local_hour] == 1 and sum(profile.active_hours) == 1
    assert {a.tag: a.score for a in TagAffinity.objects.all()} == {"laptops": 1.0, "reviews": 1.0}


def test_sale_share_counts_sale_tagged_views(pages, subscribed):
    client, subscriber = subscribed
    client.get(ARTICLE)
    client.get(OFFER)
    client.get(OFFER)
    profile = Profile.objects.get(subscriber=subscriber)
    assert profile.total_visits == 3
    assert sale_share(profile) == pytest.approx(2 / 3, rel=1e-3)


def test_unsubscribed_visitor_stores_nothing(pages):
    assert Client(HTTP_USER_AGENT="Mozilla/5.0 Firefox/133.0").get(ARTICLE).status_code == 200
    assert nothing_stored()


def test_visitor_cookie_of_an_unsubscribed_subscriber_stores_nothing(pages, subscribed):
    client, subscriber = subscribed
    Subscriber.objects.filter(pk=subscriber.pk).update(status="unsubscribed")
    client.get(ARTICLE)
    assert nothing_stored()


def test_forged_visitor_cookie_stores_nothing(pages, subscribed):
    stranger = Client(HTTP_USER_AGENT="Mozilla/5.0 Firefox/133.0")
    stranger.cookies["pushseg_vid"] = "0" * 32
    stranger.get(ARTICLE)
    stranger.cookies["pushseg_vid"] = "'; drop table"
    stranger.get(ARTICLE)
    assert nothing_stored()


@pytest.mark.parametrize(
    "user_agent",
    ["Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0", "python-requests/2.32", ""],
)
def test_bots_are_not_tracked(pages, subscribed, user_agent):
    client, _ = subscribed
    client.get(ARTICLE, HTTP_USER_AGENT=user_agent)
    assert nothing_stored()


def test_non_get_requests_are_not_tracked(pages, subscribed):
    client, _ = subscribed
    client.head(ARTICLE)
    client.post(ARTICLE)
    assert nothing_stored()


def test_previews_in_the_admin_are_not_tracked(pages, subscribed, admin_user):
    client, _ = subscribed
    client.force_login(admin_user)
    response = client.get(f"/admin/pages/{pages['article'].pk}/view_draft/")
    assert response.status_code == 200
    assert nothing_stored()


def test_tracking_can_be_turned_off(pages, subscribed, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "TRACK_PAGE_VIEWS": False}
    client, _ = subscribed
    client.get(ARTICLE)
    assert nothing_stored()


def test_affinity_decays_between_views_exactly(pages, subscribed):
    client, _subscriber = subscribed
    start = timezone.now()
    with freeze_time(start):
        client.get(ARTICLE)
    with freeze_time(start + timedelta(days=30)):
        client.get(ARTICLE)
    affinity = TagAffinity.objects.get(tag="laptops")
    assert affinity.score == pytest.approx(1.5, rel=1e-12)
    assert affinity.views == 2


def test_a_custom_tags_function_can_replace_taggit(pages, subscribed, settings):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG,
        "PAGE_TAGS_FUNCTION": "tests.tracking.tag_functions.by_slug",
    }
    client, _ = subscribed
    client.get(ARTICLE)
    assert Event.objects.get().tags == ["slug:best-laptops"]
