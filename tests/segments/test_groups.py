"""Fuzzy logic: all = min, any = max, none = 1 − max; nesting; thresholds; empty rules."""

from datetime import timedelta

import pytest

from wagtail_pushseg.segments.parse import InvalidRules, rule_tree
from wagtail_pushseg.segments.preview import members_queryset

from .conftest import (
    NOW,
    block,
    degree_of,
    degrees,
    group,
    make_affinity,
    make_profile,
    make_segment,
    make_subscriber,
)


pytestmark = pytest.mark.django_db

# Three rules with known degrees for the subscriber below: 0.25, 0.5 and 1.0.
QUARTER = block("tag_interest", tags=["laptops"], starts_at=0, full_at=4)   # score 1
HALF = block("tag_interest", tags=["audio"], starts_at=0, full_at=4)        # score 2
FULL = block("browser", browsers=["Firefox"])


@pytest.fixture
def reader(db):
    sub = make_subscriber(browser="Firefox")
    make_affinity(sub, "laptops", 1.0)
    make_affinity(sub, "audio", 2.0)
    return sub


@pytest.mark.parametrize("match, expected", [("all", 0.25), ("any", 1.0), ("none", 0.0)])
def test_groups_combine_with_min_max_and_one_minus_max(reader, match, expected):
    assert degree_of(reader, [group(match, QUARTER, HALF, FULL)]) == pytest.approx(expected)


def test_none_is_one_minus_any(reader):
    assert degree_of(reader, [group("none", QUARTER, HALF)]) == pytest.approx(0.5)
    assert degree_of(reader, [group("none", QUARTER)]) == pytest.approx(0.75)


def test_top_level_rules_must_all_match(reader):
    assert degree_of(reader, [HALF, FULL]) == pytest.approx(0.5)


def test_three_levels_of_nested_groups(reader):
    rules = [
        group("all",                                   # min(1.0, 0.75) = 0.75
              FULL,
              group("any",                             # max(0.25, 0.75) = 0.75
                    QUARTER,
                    group("none",                      # 1 − max(0.25) = 0.75
                          QUARTER))),
    ]
    assert degree_of(reader, rules) == pytest.approx(0.75)


def test_groups_of_one_rule_are_that_rule(reader):
    assert degree_of(reader, [group("all", HALF)]) == pytest.approx(0.5)
    assert degree_of(reader, [group("any", HALF)]) == pytest.approx(0.5)


def test_members_reach_the_threshold(reader):
    other = make_subscriber(browser="Firefox")
    make_affinity(other, "audio", 4.0)
    rules = [HALF]  # reader 0.5, other 1.0
    members = members_queryset(rules, threshold=0.5, now=NOW)
    assert sorted(members.values_list("pk", flat=True)) == sorted([reader.pk, other.pk])
    members = members_queryset(rules, threshold=0.51, now=NOW)
    assert list(members.values_list("pk", flat=True)) == [other.pk]


def test_members_queryset_uses_the_segment_threshold(reader):
    segment = make_segment([HALF], threshold=0.6)
    assert not members_queryset(segment, now=NOW).exists()
    segment.threshold = 0.5
    assert members_queryset(segment, now=NOW).get().degree == pytest.approx(0.5)


def test_a_segment_without_rules_has_no_members(reader):
    assert degrees([]) == {}
    assert degree_of(reader, []) == 0.0


def test_rules_with_nothing_to_test_are_left_out(reader):
    rules = [HALF, group("none"), block("tag_interest", tags=[]), block("language", languages="")]
    assert degree_of(reader, rules) == pytest.approx(0.5)
    assert rule_tree(rules).children == rule_tree([HALF]).children


def test_only_active_subscribers_have_degrees(reader):
    reader.status = "expired"
    reader.save()
    assert degrees([FULL]) == {}


def test_subscribers_without_a_profile_are_evaluated_too(reader):
    visitor = make_subscriber(browser="Firefox")
    make_profile(visitor, last_visit_at=NOW - timedelta(days=1))
    rules = [group("any", block("recent_visit", starts_at=30, full_at=7), FULL)]
    assert degrees(rules) == {reader.pk: 1.0, visitor.pk: 1.0}


@pytest.mark.parametrize("bad", [
    "not JSON",
    '{"type": "lapsed"}',
    42,
    ["a string"],
    [{"value": {}}],
    [{"type": "horoscope", "value": {}}],
    [{"type": "lapsed", "value": {"starts_at": "soon", "full_at": 3}}],
    [{"type": "visit_regularity", "value": {"weeks": 0, "starts_at": 0, "full_at": 0}}],
])
def test_unreadable_rules_are_refused(bad):
    with pytest.raises(InvalidRules):
        rule_tree(bad)
