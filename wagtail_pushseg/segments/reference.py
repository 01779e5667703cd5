"""The reference evaluator: one subscriber's degree in plain Python, with a per-rule breakdown.

It reads the subscriber's rows once (:func:`load_facts`: the row, the profile, and what each
rule kind in the tree asks for), then evaluates the rule tree with each kind's ``measure`` and
``degree``, written with the tracking code's own functions (``decayed``, ``active_weeks``).
The SQL compiler must agree with it to 1e-15 (``tests/segments/test_property.py``);
explanations are built from its breakdown.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..models import Profile, Subscriber
from ..tracking.decay import DAY
from . import rules as r
from .compiler import evaluation_time
from .parse import rule_tree


@dataclass
class Facts:
    """What one subscriber's rows say, as far as the rules need it."""

    subscriber: Subscriber
    profile: Profile | None
    #: ``{kind: what Rule.load_facts read}`` for the kinds in the rules.
    loaded: dict[str, Any] = field(default_factory=dict)

    def of(self, rule: r.Rule) -> Any:
        """What was read for ``rule``'s kind."""
        return self.loaded.get(rule.kind)


@dataclass
class Outcome:
    """A rule's (or group's) degree and the measure it came from, with its children's."""

    node: r.Node
    degree: float
    #: The number behind the degree (``math.inf`` for "never"); ``{tag: score}`` for tags.
    measure: Any = None
    children: list["Outcome"] = field(default_factory=list)


def days_since(moment: datetime | None, now: datetime) -> float:
    """Days from ``moment`` to ``now``; ``math.inf`` for never (None)."""
    return math.inf if moment is None else (now - moment).total_seconds() / DAY


def load_facts(subscriber: Subscriber | int, rules: Any, now: datetime | None = None) -> Facts:
    """Read what ``rules`` need about one subscriber: the profile, then one small query at most
    for each kind that reads more."""
    tree, now = rule_tree(rules), evaluation_time(now)
    if not isinstance(subscriber, Subscriber):
        subscriber = Subscriber.objects.get(pk=subscriber)
    facts = Facts(subscriber, Profile.objects.filter(subscriber=subscriber).first())
    for kind, nodes in tree.rules_by_kind().items():
        loaded = kind.load_facts(nodes, subscriber, now)
        if loaded is not None:
            facts.loaded[kind.kind] = loaded
    return facts


def _evaluate(node: r.Node, facts: Facts, now: datetime) -> Outcome:
    if isinstance(node, r.Group):
        children = [_evaluate(child, facts, now) for child in node.children]
        return Outcome(node, r.combine(node.match, (c.degree for c in children)), None, children)
    measure = node.measure(facts, now)
    return Outcome(node, node.degree(measure), measure)


def evaluate(rules: Any, facts: Facts, now: datetime | None = None) -> Outcome:
    """Evaluate rules against facts already read; no database access."""
    tree, now = rule_tree(rules), evaluation_time(now)
    if not tree.children:
        return Outcome(tree, 0.0)
    return _evaluate(tree, facts, now)


def reference_degree(subscriber: Subscriber | int, rules: Any,
                     now: datetime | None = None) -> Outcome:
    """One subscriber's degree and breakdown: the rows read once, then plain Python.

    Inactive subscribers are evaluated too (the set-based query leaves them out).
    """
    tree, now = rule_tree(rules), evaluation_time(now)
    return evaluate(tree, load_facts(subscriber, tree, now), now)
