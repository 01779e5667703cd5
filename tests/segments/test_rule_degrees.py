"""Each rule type's degree below, at, between, at the end of and above its ramp, set-based and by
the reference evaluator (``degree_of`` checks both agree)."""

from datetime import timedelta

import pytest

from wagtail_pushseg.tracking.activity import day_number

from .conftest import (
    NOW,
    block,
    degree_of,
    make_affinity,
    make_event,
    make_member,
    make_profile,
    make_segment,
    make_subscriber,
)


pytestmark = pytest.mark.django_db


def ago(days: float):
    return NOW - timedelta(days=days)


@pytest.mark.parametrize("score, expected", [
    (0.5, 0.0), (1.0, 0.0), (2.0, 0.5), (3.0, 1.0), (7.5, 1.0),
])
def test_tag_interest_ramps_from_starts_counting_to_fully_counts(score, expected):
    sub = make_subscriber()
    make_affinity(sub, "laptops", score, updated_at=NOW)
    rules = [block("tag_interest", tags=["laptops"], match="any", starts_at=1, full_at=3)]
    assert degree_of(sub, rules) == pytest.approx(expected)


def test_tag_interest_reads_the_score_decayed_to_now():
    sub = make_subscriber()
    make_affinity(sub, "laptops", 4.0, updated_at=ago(30))  # half-life 30 days: 2.0 now
    rules = [block("tag_interest", tags=["laptops"], starts_at=1, full_at=3)]
    assert degree_of(sub, rules) == pytest.approx(0.5)


def test_tag_interest_any_takes_the_strongest_tag_and_all_the_weakest():
    sub = make_subscriber()
    make_affinity(sub, "laptops", 3.0)
    make_affinity(sub, "audio", 2.0)
    tags = ["laptops", "audio", "tv"]  # no affinity to tv: 0
    assert degree_of(sub, [block("tag_interest", tags=tags, match="any",
                                 starts_at=1, full_at=3)]) == 1.0
    assert degree_of(sub, [block("tag_interest", tags=tags[:2], match="all",
                                 starts_at=1, full_at=3)]) == pytest.approx(0.5)
    assert degree_of(sub, [block("tag_interest", tags=tags, match="all",
                                 starts_at=1, full_at=3)]) == 0.0


def test_tag_interest_falling_ramp_counts_low_interest():
    sub = make_subscriber()
    make_affinity(sub, "laptops", 1.5)
    rules = [block("tag_interest", tags=["laptops"], starts_at=2, full_at=1)]
    assert degree_of(sub, rules) == pytest.approx(0.5)


def test_tag_names_are_matched_lower_cased():
    sub = make_subscriber()
    make_affinity(sub, "home office", 3.0)
    rules = [block("tag_interest", tags=["Home Office"], starts_at=1, full_at=3)]
    assert degree_of(sub, rules) == 1.0


def _weeks_mask(*weeks_ago: int) -> int:
    return sum(1 << w for w in weeks_ago)


@pytest.mark.parametrize("active, expected", [
    ((0,), 0.0),                      # 1 week: below "starts counting at 2"
    ((0, 3), 0.0),                    # 2: at the start
    ((0, 1, 5, 7), 0.5),              # 4: between
    ((0, 1, 2, 3, 4, 5), 1.0),        # 6: fully
    ((0, 1, 2, 3, 4, 5, 6, 7), 1.0),  # 8: above
])
def test_visit_regularity_counts_active_weeks_in_the_window(active, expected):
    sub = make_subscriber()
    make_profile(sub, activity_day=day_number(NOW), active_weeks=_weeks_mask(*active, 8, 20))
    rules = [block("visit_regularity", weeks=8, starts_at=2, full_at=6)]
    assert degree_of(sub, rules) == pytest.approx(expected)


def test_visit_regularity_shifts_an_old_mask_to_now():
    sub = make_subscriber()
    # Last active three weeks ago, in that week and the four before it.
    make_profile(sub, activity_day=day_number(ago(21)), active_weeks=_weeks_mask(0, 1, 2, 3, 4))
    rules = [block("visit_regularity", weeks=6, starts_at=0, full_at=3)]
    assert degree_of(sub, rules) == 1.0  # weeks 3, 4, 5 back are inside the last 6
    rules = [block("visit_regularity", weeks=4, starts_at=0, full_at=3)]
    assert degree_of(sub, rules) == pytest.approx(1 / 3)  # only week 3 back


def test_visit_regularity_read_before_the_anchor_looks_back_from_now():
    sub = make_subscriber()
    make_profile(sub, activity_day=day_number(NOW + timedelta(days=14)),
                 active_weeks=_weeks_mask(0, 2, 4))
    rules = [block("visit_regularity", weeks=2, starts_at=0, full_at=2)]
    # Two weeks before the anchor is this week: bit 2 counts, bit 4 is out of the window.
    assert degree_of(sub, rules) == pytest.approx(0.5)


def test_no_profile_means_no_visits():
    sub = make_subscriber()
    for rule, expected in [
        (block("visit_regularity", weeks=8, starts_at=0, full_at=1), 0.0),
        (block("recent_visit", starts_at=30, full_at=7), 0.0),
        (block("lapsed", starts_at=30, full_at=60), 1.0),
        (block("sale_share", starts_at=0, full_at=0), 1.0),  # 0 % is "at least 0 %"
        (block("click_through", starts_at=1, full_at=5), 0.0),
        (block("clicked_recently", starts_at=30, full_at=7), 0.0),
        (block("ignored_pushes", starts_at=1, full_at=1), 0.0),
    ]:
        assert degree_of(sub, [rule]) == expected, rule["type"]


@pytest.mark.parametrize("days, expected", [
    (3, 1.0), (7, 1.0), (18.5, 0.5), (30, 0.0), (45, 0.0),
])
def test_recent_visit_falls_from_fully_to_not_at_all(days, expected):
    sub = make_subscriber()
    make_profile(sub, last_visit_at=ago(days))
    rules = [block("recent_visit", starts_at=30, full_at=7)]
    assert degree_of(sub, rules) == pytest.approx(expected)


def test_recent_visit_with_one_number_means_at_most_that_many_days():
    sub = make_subscriber()
    make_profile(sub, last_visit_at=ago(7))
    assert degree_of(sub, [block("recent_visit", starts_at=7, full_at=7)]) == 1.0
    assert degree_of(sub, [block("recent_visit", starts_at=6.9, full_at=6.9)]) == 0.0


@pytest.mark.parametrize("days, expected", [
    (10, 0.0), (30, 0.0), (45, 0.5), (60, 1.0), (400, 1.0),
])
def test_lapsed_rises_with_days_without_a_visit(days, expected):
    sub = make_subscriber()
    make_profile(sub, last_visit_at=ago(days))
    rules = [block("lapsed", starts_at=30, full_at=60)]
    assert degree_of(sub, rules) == pytest.approx(expected)


def test_lapsed_with_one_number_means_at_least_that_many_days():
    sub = make_subscriber()
    make_profile(sub, last_visit_at=ago(45))
    assert degree_of(sub, [block("lapsed", starts_at=45, full_at=45)]) == 1.0
    assert degree_of(sub, [block("lapsed", starts_at=46, full_at=46)]) == 0.0


@pytest.mark.parametrize("sale, expected", [
    (1.0, 0.0), (3.0, 0.0), (4.5, 0.5), (6.0, 1.0), (9.0, 1.0),
])
def test_sale_share_is_the_share_of_recent_visits_to_sale_pages(sale, expected):
    sub = make_subscriber()
    make_profile(sub, recent_visits=10.0, recent_sale_visits=sale, recent_at=NOW)
    rules = [block("sale_share", starts_at=30, full_at=60)]
    assert degree_of(sub, rules) == pytest.approx(expected)


@pytest.mark.parametrize("clicked, received, expected", [
    (0, 0, 0.0), (1, 20, 0.0), (5, 40, 0.5), (1, 5, 1.0), (3, 4, 1.0),
])
def test_click_through_is_clicked_over_received(clicked, received, expected):
    sub = make_subscriber()
    make_profile(sub, pushes_clicked=clicked, pushes_received=received)
    rules = [block("click_through", starts_at=5, full_at=20)]
    assert degree_of(sub, rules) == pytest.approx(expected)


@pytest.mark.parametrize("days, expected", [(13.9, 1.0), (14, 1.0), (14.1, 0.0), (None, 0.0)])
def test_clicked_within_n_days(days, expected):
    sub = make_subscriber()
    make_profile(sub, last_click_at=None if days is None else ago(days))
    assert degree_of(sub, [block("clicked_recently", starts_at=14, full_at=14)]) == expected


def test_clicked_recently_ramp():
    sub = make_subscriber()
    make_profile(sub, last_click_at=ago(20))
    rules = [block("clicked_recently", starts_at=30, full_at=10)]
    assert degree_of(sub, rules) == pytest.approx(0.5)


@pytest.mark.parametrize("ignored, expected", [(1, 0.0), (3, 0.0), (4, 1 / 3), (6, 1.0), (9, 1.0)])
def test_ignored_pushes_in_a_row(ignored, expected):
    sub = make_subscriber()
    make_profile(sub, pushes_received=10, pushes_ignored_since_click=ignored)
    rules = [block("ignored_pushes", starts_at=3, full_at=6)]
    assert degree_of(sub, rules) == pytest.approx(expected)


def test_ignored_the_last_k_pushes_is_a_step():
    sub = make_subscriber()
    make_profile(sub, pushes_received=10, pushes_ignored_since_click=5)
    assert degree_of(sub, [block("ignored_pushes", starts_at=5, full_at=5)]) == 1.0
    assert degree_of(sub, [block("ignored_pushes", starts_at=6, full_at=6)]) == 0.0


@pytest.mark.parametrize("days, expected", [(10, 0.0), (30, 0.0), (60, 0.5), (90, 1.0), (500, 1.0)])
def test_subscription_age_in_days(days, expected):
    sub = make_subscriber(created_at=ago(days))
    rules = [block("subscription_age", starts_at=30, full_at=90)]
    assert degree_of(sub, rules) == pytest.approx(expected)


def test_new_subscribers_with_a_falling_age_ramp():
    sub = make_subscriber(created_at=ago(21))
    rules = [block("subscription_age", starts_at=28, full_at=14)]
    assert degree_of(sub, rules) == pytest.approx(0.5)


@pytest.mark.parametrize("times, expected", [(0, 0.0), (1, 0.0), (2, 0.5), (3, 1.0), (5, 1.0)])
def test_custom_event_counts_in_the_window(times, expected):
    sub = make_subscriber()
    for i in range(times):
        make_event(sub, "purchase", ago(i + 0.5))
    make_event(sub, "purchase", ago(31))        # before the window
    make_event(sub, "add_to_cart", ago(1))      # another event
    make_event(sub, "purchase", NOW + timedelta(hours=1))  # after "now"
    rules = [block("custom_event", event="purchase", days=30, starts_at=1, full_at=3)]
    assert degree_of(sub, rules) == pytest.approx(expected)


def test_custom_event_at_least_k_times_includes_the_window_edge():
    sub = make_subscriber()
    make_event(sub, "purchase", ago(30))  # exactly N days ago: inside
    make_event(sub, "purchase", NOW)      # exactly now: inside
    rules = [block("custom_event", event="purchase", days=30, starts_at=2, full_at=2)]
    assert degree_of(sub, rules) == 1.0


@pytest.mark.parametrize("kind, field, value, rule_values, expected", [
    ("browser", "browsers", "Firefox", ["Firefox", "Chrome"], 1.0),
    ("browser", "browsers", "Safari", ["Firefox"], 0.0),
    ("platform", "platforms", "Android", ["Android"], 1.0),
    ("platform", "platforms", "", ["Android"], 0.0),
    ("language", "languages", "de-DE", ["de"], 1.0),
    ("language", "languages", "DE-at", ["de"], 1.0),
    ("language", "languages", "de", ["de-DE"], 0.0),
    ("language", "languages", "dev", ["de"], 0.0),
    ("language", "languages", "en-GB", ["fr", "en-gb"], 1.0),
    ("time_zone", "zones", "Europe/Berlin", ["Europe/"], 1.0),
    ("time_zone", "zones", "Europe/Berlin", ["europe/berlin"], 1.0),
    ("time_zone", "zones", "America/New_York", ["America/New_York"], 1.0),
    ("time_zone", "zones", "America/NewXYork", ["America/New_York"], 0.0),  # _ is no wildcard
    ("time_zone", "zones", "America/Argentina/Salta", ["America/Argentina"], 1.0),
    ("time_zone", "zones", "Asia/Tokyo", ["Europe/"], 0.0),
])
def test_device_and_place_rules_are_yes_or_no(kind, field, value, rule_values, expected):
    attribute = {"browser": "browser", "platform": "platform", "language": "language",
                 "time_zone": "timezone"}[kind]
    sub = make_subscriber(**{attribute: value})
    assert degree_of(sub, [block(kind, **{field: rule_values})]) == expected


def test_member_of_reads_the_stored_degree_and_0_for_non_members():
    member, outsider = make_subscriber(), make_subscriber()
    loyal = make_segment([block("browser", browsers=["Firefox"])], name="Loyal")
    make_member(loyal, member, 0.7)
    rules = [block("member_of", segment=loyal.pk)]
    assert degree_of(member, rules) == pytest.approx(0.7)
    assert degree_of(outsider, rules) == 0.0


def test_a_rule_on_a_deleted_segment_counts_0():
    sub = make_subscriber()
    assert degree_of(sub, [block("member_of", segment=987654)]) == 0.0
