"""The demo population's planted personas show up in the profiles segments will read."""

from datetime import timedelta

import pytest
from demo.demo_data import step_rng
from demo.demo_data.behaviour import PAIR_TAGS, plant_behaviour
from demo.models import ArticlePage, OfferPage
from django.core.management import call_command
from django.utils import timezone

from wagtail_pushseg.models import Profile, Subscriber
from wagtail_pushseg.tracking.activity import active_weeks, day_number
from wagtail_pushseg.tracking.describe import sale_share, top_affinities


pytestmark = pytest.mark.django_db


@pytest.fixture
def population(settings, tmp_path):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG,
        "ALLOWED_ENDPOINT_ORIGINS": ["http://127.0.0.1:8001"],
    }
    call_command(
        "load_demo_data",
        subscribers=80,
        sandbox_state=tmp_path / "s.json",
        verbosity=0,
        no_behaviour=True,
    )
    now = timezone.now()
    subscribers = list(Subscriber.objects.order_by("visitor_id"))
    result = plant_behaviour(
        step_rng(7, "behaviour"),
        subscribers,
        ArticlePage.objects.all(),
        OfferPage.objects.all(),
        now=now,
    )
    profiles = {p.subscriber.visitor_id: p for p in Profile.objects.select_related("subscriber")}
    return result, profiles, now


def by_persona(result, profiles, persona):
    chosen = [profiles[v] for v, p in result.personas.items() if p == persona and v in profiles]
    assert chosen, persona
    return chosen


def test_each_planted_persona_shows_in_the_profiles(population):
    result, profiles, now = population
    assert set(result.counts()) == {"loyal", "bargain", "lapsed", "fan", "new", "pair", "casual"}
    loyal_readers_come_back_most_weeks(result, profiles, now)
    bargain_hunters_only_visit_sale_pages(result, profiles, now)
    lapsed_subscribers_have_not_visited_for_seven_weeks(result, profiles, now)
    fans_top_tag_is_their_category(result, profiles, now)
    new_subscribers_joined_this_week(result, profiles, now)
    the_pair_group_reads_two_unrelated_tags_together(result, profiles, now)


def loyal_readers_come_back_most_weeks(result, profiles, now):
    for profile in by_persona(result, profiles, "loyal"):
        weeks = active_weeks(profile.active_weeks, profile.activity_day, day_number(now), 12)
        assert weeks >= 7
        assert sale_share(profile) == 0.0


def bargain_hunters_only_visit_sale_pages(result, profiles, now):
    for profile in by_persona(result, profiles, "bargain"):
        assert sale_share(profile) == pytest.approx(1.0)


def lapsed_subscribers_have_not_visited_for_seven_weeks(result, profiles, now):
    for profile in by_persona(result, profiles, "lapsed"):
        assert profile.last_visit_at < now - timedelta(days=49)
        assert profile.total_visits >= 8


def fans_top_tag_is_their_category(result, profiles, now):
    for profile in by_persona(result, profiles, "fan"):
        top_tag = top_affinities(profile.subscriber, now, limit=1)[0][0]
        assert top_tag == result.fan_tags[profile.subscriber.visitor_id]


def new_subscribers_joined_this_week(result, profiles, now):
    for profile in by_persona(result, profiles, "new"):
        assert profile.subscriber.created_at > now - timedelta(days=7)
        assert profile.first_visit_at >= profile.subscriber.created_at


def the_pair_group_reads_two_unrelated_tags_together(result, profiles, now):
    for profile in by_persona(result, profiles, "pair"):
        top_two = {tag for tag, _ in top_affinities(profile.subscriber, now, limit=2)}
        assert top_two == set(PAIR_TAGS)


def test_same_seed_same_population(population, settings):
    result, profiles, now = population
    again = plant_behaviour(
        step_rng(7, "behaviour"),
        list(Subscriber.objects.order_by("visitor_id")),
        ArticlePage.objects.all(),
        OfferPage.objects.all(),
        now=now,
    )
    assert again.personas == result.personas and again.views == result.views
    assert Profile.objects.count() == len(profiles)
