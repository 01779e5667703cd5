"""Explanations in words: each rule's measure and degree, nested like the rules."""

from datetime import timedelta

import pytest
from freezegun import freeze_time

from wagtail_pushseg.segments.explain import explain
from wagtail_pushseg.tracking.activity import day_number

from .conftest import (
    NOW,
    block,
    group,
    make_affinity,
    make_event,
    make_member,
    make_profile,
    make_segment,
    make_subscriber,
)


pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(db):
    sub = make_subscriber(browser="Firefox", language="de-DE", timezone="Europe/Berlin",
                          created_at=NOW - timedelta(days=40))
    make_profile(
        sub, activity_day=day_number(NOW), active_weeks=0b10010101,  # 4 of the last 8 weeks
        last_visit_at=NOW - timedelta(days=3, hours=12), recent_visits=4.0,
        recent_sale_visits=1.0, pushes_received=10, pushes_clicked=3,
        pushes_ignored_since_click=2, last_click_at=None,
    )
    make_affinity(sub, "laptops", 2.3)
    make_event(sub, "purchase", NOW - timedelta(days=2))
    return sub


def test_explanation_names_each_measure_and_degree(reader):
    loyal = make_segment([block("browser", browsers=["Firefox"])], name="Firefox fans")
    make_member(loyal, reader, 0.8)
    segment = make_segment([
        block("visit_regularity", weeks=8, starts_at=2, full_at=6),
        block("tag_interest", tags=["laptops"], starts_at=1, full_at=2),
        group("any",
              block("recent_visit", starts_at=30, full_at=7),
              block("clicked_recently", starts_at=14, full_at=14),
              group("none", block("language", languages=["fr"]))),
        block("member_of", segment=loyal.pk),
    ], name="Loyal laptop readers", threshold=0.5)

    explanation = explain(reader, segment, NOW)

    assert explanation.is_member
    assert explanation.as_text() == "\n".join([
        "Loyal laptop readers: 0.50 (threshold 0.50) → member",
        "  all of these (the weakest counts) → 0.50",
        "    active 4 of the last 8 weeks (starts counting at 2, fully counts at 6) → 0.50",
        "    affinity to laptops 2.3 (starts counting at 1, fully counts at 2) → 1.00",
        "    any of these (the strongest counts) → 1.00",
        "      last visit 3.5 days ago (starts counting at 30, fully counts at 7) → 1.00",
        "      never clicked a push (at most 14) → 0.00",
        "      none of these (1 − the strongest) → 1.00",
        "        language “de-DE”, rule: fr → 0.00",
        "    member of “Firefox fans” with degree 0.80 → 0.80",
    ])


@pytest.mark.parametrize("rule, line", [
    (block("sale_share", starts_at=20, full_at=30), "25% of recent visits to sale pages "
                                                    "(starts counting at 20, fully counts at 30) "
                                                    "→ 0.50"),
    (block("click_through", starts_at=30, full_at=30), "clicked 30% of pushes received "
                                                       "(at least 30) → 1.00"),
    (block("ignored_pushes", starts_at=3, full_at=3), "ignored the last 2 pushes (at least 3) "
                                                      "→ 0.00"),
    (block("subscription_age", starts_at=30, full_at=50), "subscribed 40 days ago (starts "
                                                          "counting at 30, fully counts at 50) "
                                                          "→ 0.50"),
    (block("custom_event", event="purchase", days=7, starts_at=1, full_at=1),
     "did “purchase” 1 time in the last 7 days (at least 1) → 1.00"),
    (block("lapsed", starts_at=30, full_at=60), "last visit 3.5 days ago (starts counting at "
                                                "30, fully counts at 60) → 0.00"),
    (block("time_zone", zones=["Europe/"]), "time zone “Europe/Berlin”, rule: europe → 1.00"),
    (block("tag_interest", tags=["laptops", "tv"], match="all", starts_at=1, full_at=2),
     "affinity to all of laptops 2.3, tv 0 (starts counting at 1, fully counts at 2) → 0.00"),
    (block("member_of", segment=999), "not a member of “a deleted segment” → 0.00"),
])
def test_each_rule_in_words(reader, rule, line):
    explanation = explain(reader, [rule], NOW)
    assert explanation.lines[0].text == line
    assert explanation.lines[0].block_id == rule["id"]


@freeze_time(NOW)
def test_explaining_unsaved_rules_and_an_inactive_subscriber(reader):
    reader.status = "unsubscribed"
    reader.save()
    explanation = explain(reader.pk, [block("browser", browsers=["Firefox"])], threshold=0.9)
    assert explanation.degree == 1.0 and not explanation.is_member
    assert explanation.summary() == (
        "These rules: 1.00 (threshold 0.90) → not a member: the subscription is not active"
    )
