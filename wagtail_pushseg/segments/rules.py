"""Segment rules as plain data: the one parsed form shared by the SQL compiler, the reference
evaluator and the explanations, so that all three agree on what a rule means.

The stored JSON becomes this tree in :mod:`.parse` (``rule_tree``).

Semantics kept here, once:

- a measurable rule maps its measure *x* to a degree with a :class:`Ramp`;
- a group combines its children's degrees: ``all`` = min, ``any`` = max,
  ``none`` = 1 − max (that is, "not any of them");
- a rule with nothing to test (no tags, no values, no segment) and a group with no rules left
  are dropped when parsed; a segment with no rules at all has degree 0 for everybody.
"""

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar


ALL, ANY, NONE = "all", "any", "none"
INFINITY = math.inf


@dataclass(frozen=True)
class Ramp:
    """Maps a measure to a degree: 0 until ``start``, 1 from ``full``, linear in between.

    ``start > full`` is a falling ramp; ``start == full`` is a step, which counts fully on the
    side the rule is about: from that value up when ``at_least``, up to it otherwise.
    """

    start: float
    full: float
    at_least: bool = True

    @property
    def is_step(self) -> bool:
        return self.start == self.full

    @property
    def span(self) -> float:
        return self.full - self.start

    def degree(self, x: float) -> float:
        """The degree for measure ``x`` (``math.inf`` stands for "never")."""
        if self.is_step:
            hit = x >= self.start if self.at_least else x <= self.start
            return 1.0 if hit else 0.0
        return min(1.0, max(0.0, (x - self.start) / self.span))

    @property
    def never(self) -> float:
        """The degree when the measure is "infinitely long ago" (no visit, no click)."""
        return self.degree(INFINITY)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A leaf of the rule tree; ``block_id`` is the StreamField block's id (may be empty)."""

    kind: ClassVar[str] = ""
    block_id: str = ""


@dataclass(frozen=True, kw_only=True)
class MeasureRule(Rule):
    ramp: Ramp


@dataclass(frozen=True, kw_only=True)
class TagInterest(MeasureRule):
    """Decayed affinity to the tags; ``match`` any (best tag) or all (weakest tag)."""

    kind: ClassVar[str] = "tag_interest"
    tags: tuple[str, ...]
    match: str = ANY


@dataclass(frozen=True, kw_only=True)
class VisitRegularity(MeasureRule):
    """Active ISO weeks among the last ``weeks`` weeks (this week included)."""

    kind: ClassVar[str] = "visit_regularity"
    weeks: int


@dataclass(frozen=True, kw_only=True)
class RecentVisit(MeasureRule):
    """Days since the last visit; the less, the more it counts (never visited: 0)."""

    kind: ClassVar[str] = "recent_visit"


@dataclass(frozen=True, kw_only=True)
class Lapsed(MeasureRule):
    """Days since the last visit; the more, the more it counts (never visited: fully)."""

    kind: ClassVar[str] = "lapsed"


@dataclass(frozen=True, kw_only=True)
class SaleShare(MeasureRule):
    """Share of recent (decayed) visits that were to sale pages, 0..1."""

    kind: ClassVar[str] = "sale_share"


@dataclass(frozen=True, kw_only=True)
class ClickThrough(MeasureRule):
    """Pushes clicked / pushes received, 0..1 (0 before the first push)."""

    kind: ClassVar[str] = "click_through"


@dataclass(frozen=True, kw_only=True)
class ClickedRecently(MeasureRule):
    """Days since the last click on a push; the less, the more (never clicked: 0)."""

    kind: ClassVar[str] = "clicked_recently"


@dataclass(frozen=True, kw_only=True)
class IgnoredPushes(MeasureRule):
    """Pushes received in a row without a click since the last one."""

    kind: ClassVar[str] = "ignored_pushes"


@dataclass(frozen=True, kw_only=True)
class SubscriptionAge(MeasureRule):
    """Days since the subscriber subscribed."""

    kind: ClassVar[str] = "subscription_age"


@dataclass(frozen=True, kw_only=True)
class CustomEvent(MeasureRule):
    """How often the custom event ``event`` happened in the last ``days`` days."""

    kind: ClassVar[str] = "custom_event"
    event: str
    days: int


@dataclass(frozen=True, kw_only=True)
class AttributeRule(Rule):
    """A crisp test of one ``Subscriber`` column against a list of values: 1 or 0."""

    #: The ``Subscriber`` field tested.
    field: ClassVar[str] = ""
    values: tuple[str, ...]

    def matches(self, value: str) -> bool:
        return value in self.values


@dataclass(frozen=True, kw_only=True)
class Browser(AttributeRule):
    kind: ClassVar[str] = "browser"
    field: ClassVar[str] = "browser"


@dataclass(frozen=True, kw_only=True)
class Platform(AttributeRule):
    kind: ClassVar[str] = "platform"
    field: ClassVar[str] = "platform"


@dataclass(frozen=True, kw_only=True)
class Language(AttributeRule):
    """Language tags by prefix, case-insensitive: ``de`` matches ``de``, ``de-DE``, ``de-AT``."""

    kind: ClassVar[str] = "language"
    field: ClassVar[str] = "language"

    def matches(self, value: str) -> bool:
        value = value.lower()
        return any(value == v or value.startswith(v + "-") for v in self.values)


@dataclass(frozen=True, kw_only=True)
class TimeZone(AttributeRule):
    """IANA zones, case-insensitive: ``europe`` (an editor may type ``Europe/``) matches every
    European zone, ``europe/berlin`` only Berlin."""

    kind: ClassVar[str] = "time_zone"
    field: ClassVar[str] = "timezone"

    def matches(self, value: str) -> bool:
        value = value.lower()
        return any(value == v or value.startswith(v + "/") for v in self.values)


@dataclass(frozen=True, kw_only=True)
class MemberOf(Rule):
    """The subscriber's stored degree in another segment (0 when not a member)."""

    kind: ClassVar[str] = "member_of"
    segment_id: int


@dataclass(frozen=True, kw_only=True)
class Group:
    """Children combined with ``all`` (min), ``any`` (max) or ``none`` (1 − max)."""

    kind: ClassVar[str] = "group"
    match: str
    children: tuple["Node", ...]
    block_id: str = ""

    def walk(self) -> Iterator["Node"]:
        """Every node below this group, depth first."""
        for child in self.children:
            yield child
            if isinstance(child, Group):
                yield from child.walk()

    def segment_ids(self) -> set[int]:
        """Segments these rules read memberships of."""
        return {n.segment_id for n in self.walk() if isinstance(n, MemberOf)}


Node = Rule | Group


def combine(match: str, degrees: Iterable[float]) -> float:
    """The fuzzy operators, in Python (the compiler has the same in SQL)."""
    degrees = list(degrees)
    if match == ALL:
        return min(degrees)
    if match == ANY:
        return max(degrees)
    return 1.0 - max(degrees)
