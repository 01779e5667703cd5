"""Segment rules as plain data: the one parsed form shared by the SQL compiler, the reference
evaluator and the explanations, so that all three agree on what a rule means.

The stored JSON becomes this tree in :mod:`.parse` (``rule_tree``); the leaves are rule kinds
(:class:`Rule` subclasses in :mod:`.kinds`), each defined in one place.

Semantics kept here, once:

- a measurable rule maps its measure *x* to a degree with a :class:`Ramp`;
- a group combines its children's degrees: ``all`` = min, ``any`` = max,
  ``none`` = 1 − max (that is, "not any of them");
- a rule with nothing to test (no tags, no values, no segment) and a group with no rules left
  are dropped when parsed; a segment with no rules at all has degree 0 for everybody.
"""

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self


if TYPE_CHECKING:
    from django.db.models import Expression

    from ..models import Subscriber
    from .block_fields import RuleBlock
    from .compiler import SqlContext
    from .reference import Facts


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
    """A leaf of the rule tree, and the one definition of its kind.

    A kind is a subclass registered in :data:`~wagtail_pushseg.segments.registry.rule_kinds`
    (see :mod:`wagtail_pushseg.segments.kinds`). Everything about it lives on the class: the
    block editors fill in, how the stored value is read (defaults are the block's), the SQL
    the compiler puts in the one query, the plain-Python measure and degree of the reference
    evaluator, and the words of an explanation. The SQL and the Python must give the same
    doubles (``tests/segments/test_property.py``).

    ``block_id`` is the StreamField block's id (may be empty).
    """

    #: The name the block is stored under in the StreamField JSON.
    kind: ClassVar[str] = ""
    #: The StreamField block (a ``block_fields.RuleBlock`` subclass) editors build it with.
    block: ClassVar[type["RuleBlock"]]
    #: True when the rule says what the subscriber is interested in (tags read, things done),
    #: not where they are in their life as a subscriber (new, regular, lapsed, by device): a
    #: segment with no such rule is a lifecycle segment, and does not hide a new interest
    #: from the suggestions.
    about_interests: ClassVar[bool] = False
    block_id: str = ""

    @classmethod
    def default(cls, field: str) -> Any:
        """The block's default for ``field``: the parser falls back to what editors see."""
        return cls.block.base_blocks[field].get_default()

    @classmethod
    def parse(cls, value: Mapping[str, Any], block_id: str) -> "Rule | None":
        """The rule from its stored block value; None when it has nothing to test. Raises
        ``parse.InvalidRules`` for a value that cannot be read."""
        raise NotImplementedError

    def sql(self, ctx: "SqlContext") -> "Expression":
        """The degree as an expression over ``Subscriber`` rows (a double in [0, 1])."""
        raise NotImplementedError

    @classmethod
    def load_facts(cls, rules: "list[Self]", subscriber: "Subscriber", now: datetime) -> Any:
        """What the rules of this kind in a tree need about one subscriber beyond its row and
        profile, read once for all of them (``Facts.loaded[kind]``); None by default."""
        return None

    def measure(self, facts: "Facts", now: datetime) -> Any:
        """The number the degree comes from (or the value a yes/no rule tests)."""
        raise NotImplementedError

    def degree(self, measure: Any) -> float:
        raise NotImplementedError

    @classmethod
    def load_words(cls, rules: "list[Self]") -> Any:
        """What the explanations of this kind's rules need, read once (e.g. names)."""
        return None

    def words(self, measure: Any, loaded: Any) -> str:
        """The measure in words for an explanation (``loaded``: from :meth:`load_words`)."""
        raise NotImplementedError

    def segment_ids(self) -> frozenset[int]:
        """Segments whose memberships this rule reads."""
        return frozenset()


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
        return {pk for n in self.walk() if isinstance(n, Rule) for pk in n.segment_ids()}

    def about_interests(self) -> bool:
        """Whether any rule below says what the subscriber is interested in (a member-of rule
        is judged by its segment's own rules, which the caller resolves)."""
        return any(isinstance(n, Rule) and n.about_interests for n in self.walk())

    def rules_by_kind(self) -> dict[type[Rule], list[Rule]]:
        """The rules below this group, by kind (in the order first met)."""
        found: dict[type[Rule], list[Rule]] = {}
        for node in self.walk():
            if isinstance(node, Rule):
                found.setdefault(type(node), []).append(node)
        return found


Node = Rule | Group


def combine(match: str, degrees: Iterable[float]) -> float:
    """The fuzzy operators, in Python (the compiler has the same in SQL)."""
    degrees = list(degrees)
    if match == ALL:
        return min(degrees)
    if match == ANY:
        return max(degrees)
    return 1.0 - max(degrees)
