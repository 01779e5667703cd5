"""A rule kind is defined in one place: a kind registered here, and written nowhere else, is
offered to editors as a block, read from the stored JSON with its block's defaults, compiled
into the one query, evaluated by the reference and explained."""

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from wagtail.blocks import StreamBlockValidationError

from wagtail_pushseg.segments.block_fields import MeasureBlock, ramp_fields
from wagtail_pushseg.segments.blocks import SegmentRulesBlock
from wagtail_pushseg.segments.compiler import degree_queryset, ramp_sql
from wagtail_pushseg.segments.explain import explain
from wagtail_pushseg.segments.kinds.base import MeasureRule
from wagtail_pushseg.segments.kinds.visits import RecentVisit
from wagtail_pushseg.segments.parse import InvalidRules, rule_tree
from wagtail_pushseg.segments.reference import reference_degree
from wagtail_pushseg.segments.registry import rule_kinds
from wagtail_pushseg.segments.rules import Ramp
from wagtail_pushseg.sql import AsFloat

from .conftest import NOW, block, group, make_profile, make_subscriber


pytestmark = pytest.mark.django_db


class VisitedOftenBlock(MeasureBlock):
    starts_at, full_at = ramp_fields("visits", 2, 10)

    class Meta:
        label = "Visited often"
        group = "Visits"
        help_text = "How many pages the subscriber viewed since subscribing."


@dataclass(frozen=True, kw_only=True)
class VisitedOften(MeasureRule):
    """Page views since subscribing (a kind that exists only in this test)."""

    kind: ClassVar[str] = "visited_often"
    block = VisitedOftenBlock

    def sql(self, ctx) -> Any:
        return ramp_sql(AsFloat(Coalesce(F("profile__total_visits"), Value(0))), self.ramp)

    def measure(self, facts, now) -> int:
        return facts.profile.total_visits if facts.profile else 0

    def measure_words(self, measure: int, loaded: Any) -> str:
        return f"viewed {measure} pages"


@pytest.fixture
def visited_often():
    with rule_kinds.registered(VisitedOften) as kind:
        yield kind


def test_a_kind_registered_in_one_place_is_a_block_editors_can_pick_at_every_level(
    visited_often
):
    stream = SegmentRulesBlock()
    assert "visited_often" in stream.child_blocks
    level = stream.child_blocks["group"]
    assert "visited_often" in level.child_blocks["rules"].child_blocks
    # Its block checks what every measure checks: a negative number is refused.
    value = stream.to_python([block("visited_often", starts_at=-1, full_at=10)])
    with pytest.raises(StreamBlockValidationError):
        stream.clean(value)


def test_a_kind_registered_in_one_place_is_parsed_with_its_blocks_defaults(visited_often):
    tree = rule_tree([{"type": "visited_often", "value": {}, "id": "x"}])
    assert tree.children == (VisitedOften(ramp=Ramp(2.0, 10.0), block_id="x"),)


def test_a_kind_registered_in_one_place_compiles_evaluates_and_explains_the_same(
    visited_often
):
    never = make_subscriber()
    few = make_subscriber()
    make_profile(few, total_visits=6)
    many = make_subscriber()
    make_profile(many, total_visits=20)
    rules = [group("any", block("visited_often", starts_at=2, full_at=10),
                   block("browser", browsers=["Opera"]))]

    assert dict(degree_queryset(rules, NOW)) == {few.pk: 0.5, many.pk: 1.0}
    assert [reference_degree(s, rules, NOW).degree for s in (never, few, many)] == [0, 0.5, 1]
    text = explain(few, rules, NOW).as_text()
    assert "viewed 6 pages (starts counting at 2, fully counts at 10) → 0.50" in text


def test_a_kind_is_gone_once_unregistered():
    with rule_kinds.registered(VisitedOften):
        assert rule_tree([block("visited_often")]).children
    assert "visited_often" not in rule_kinds.names()
    with pytest.raises(InvalidRules, match="unknown rule type 'visited_often'"):
        rule_tree([block("visited_often")])


def test_two_kinds_cannot_share_a_name():
    @dataclass(frozen=True, kw_only=True)
    class AnotherRecentVisit(RecentVisit):
        pass

    with pytest.raises(ImproperlyConfigured, match="registered already"):
        rule_kinds.register(AnotherRecentVisit)
    assert rule_kinds.get("recent_visit") is RecentVisit
