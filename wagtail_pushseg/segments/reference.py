"""The reference evaluator: one subscriber's degree in plain Python, with a per-rule breakdown.

It reads the subscriber's rows once (:func:`load_facts`), then evaluates the rule tree with the
tracking code's own functions (``decayed``, ``active_weeks``). The SQL compiler must agree with
it to 1e-9 (``tests/segments/test_property.py``); explanations are built from its breakdown.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..conf import pushseg_settings
from ..models import Event, Membership, Profile, Subscriber, TagAffinity
from ..tracking.activity import active_weeks, day_number
from ..tracking.decay import decayed
from . import rules as r
from .compiler import DAY, FORGOTTEN_AFTER_HALF_LIVES, evaluation_time
from .parse import rule_tree


@dataclass
class Facts:
    """What one subscriber's rows say, as far as the rules need it."""

    subscriber: Subscriber
    profile: Profile | None
    #: ``{tag: (score, updated_at)}`` for the tags the rules name.
    affinities: dict[str, tuple[float, datetime]] = field(default_factory=dict)
    #: ``(name, occurred_at)`` of custom events the rules count, within their longest window.
    events: list[tuple[str, datetime]] = field(default_factory=list)
    #: ``{segment id: stored degree}`` for the segments the rules read.
    memberships: dict[int, float] = field(default_factory=dict)


@dataclass
class Outcome:
    """A rule's (or group's) degree and the measure it came from, with its children's."""

    node: r.Node
    degree: float
    #: The number behind the degree (``math.inf`` for "never"); ``{tag: score}`` for tags.
    measure: Any = None
    children: list["Outcome"] = field(default_factory=list)


def load_facts(subscriber: Subscriber | int, rules: Any, now: datetime | None = None) -> Facts:
    """Read what ``rules`` need about one subscriber: at most five small queries."""
    tree, now = rule_tree(rules), evaluation_time(now)
    if not isinstance(subscriber, Subscriber):
        subscriber = Subscriber.objects.get(pk=subscriber)
    nodes = list(tree.walk())
    facts = Facts(subscriber, Profile.objects.filter(subscriber=subscriber).first())
    tags = {tag for n in nodes if isinstance(n, r.TagInterest) for tag in n.tags}
    if tags:
        facts.affinities = {
            tag: (score, updated_at)
            for tag, score, updated_at in TagAffinity.objects.filter(
                subscriber=subscriber, tag__in=tags
            ).values_list("tag", "score", "updated_at")
        }
    events = [n for n in nodes if isinstance(n, r.CustomEvent)]
    if events:
        longest = max(n.days for n in events)
        facts.events = list(
            Event.objects.filter(
                subscriber=subscriber, kind=Event.Kind.CUSTOM, name__in={n.event for n in events},
                occurred_at__gte=now - timedelta(days=longest), occurred_at__lte=now,
            ).order_by().values_list("name", "occurred_at")
        )
    segment_ids = tree.segment_ids()
    if segment_ids:
        facts.memberships = dict(
            Membership.objects.filter(
                subscriber=subscriber, segment_id__in=segment_ids
            ).values_list("segment_id", "degree")
        )
    return facts


def _tag_score(score: float, updated_at: datetime, now: datetime, half_life: float) -> float:
    elapsed = max(0.0, (now - updated_at).total_seconds()) / DAY
    if -elapsed / half_life < -FORGOTTEN_AFTER_HALF_LIVES:
        return 0.0  # as the compiler does (PostgreSQL would underflow)
    return decayed(score, updated_at, now, half_life)


def _days_since(moment: datetime | None, now: datetime) -> float:
    return math.inf if moment is None else (now - moment).total_seconds() / DAY


def _measure(rule: r.Rule, facts: Facts, now: datetime) -> Any:
    """The number a rule's ramp reads (or, for yes/no rules, the subscriber's value)."""
    p, s = facts.profile, facts.subscriber
    if isinstance(rule, r.TagInterest):
        half_life = pushseg_settings.TAG_HALF_LIFE_DAYS
        return {
            tag: _tag_score(*facts.affinities[tag], now, half_life) if tag in facts.affinities
            else 0.0
            for tag in rule.tags
        }
    if isinstance(rule, r.VisitRegularity):
        return active_weeks(p.active_weeks, p.activity_day, day_number(now), rule.weeks) if p else 0
    if isinstance(rule, r.RecentVisit | r.Lapsed):
        return _days_since(p.last_visit_at if p else None, now)
    if isinstance(rule, r.ClickedRecently):
        return _days_since(p.last_click_at if p else None, now)
    if isinstance(rule, r.SubscriptionAge):
        return _days_since(s.created_at, now)
    if isinstance(rule, r.SaleShare):
        return p.recent_sale_visits / p.recent_visits if p and p.recent_visits > 0 else 0.0
    if isinstance(rule, r.ClickThrough):
        return p.pushes_clicked / p.pushes_received if p and p.pushes_received > 0 else 0.0
    if isinstance(rule, r.IgnoredPushes):
        return p.pushes_ignored_since_click if p else 0
    if isinstance(rule, r.CustomEvent):
        start = now - timedelta(days=rule.days)
        return sum(1 for name, when in facts.events if name == rule.event and start <= when <= now)
    if isinstance(rule, r.AttributeRule):
        return getattr(s, rule.field) or ""
    if isinstance(rule, r.MemberOf):
        return facts.memberships.get(rule.segment_id)
    raise TypeError(f"no measure for {type(rule).__name__}")


def _degree(rule: r.Rule, measure: Any) -> float:
    if isinstance(rule, r.TagInterest):
        degrees = [rule.ramp.degree(measure[tag]) for tag in rule.tags]
        return r.combine(r.ALL if rule.match == r.ALL else r.ANY, degrees)
    if isinstance(rule, r.MeasureRule):
        return rule.ramp.degree(measure)
    if isinstance(rule, r.AttributeRule):
        return 1.0 if rule.matches(measure) else 0.0
    if isinstance(rule, r.MemberOf):
        return 0.0 if measure is None else measure
    raise TypeError(f"no degree for {type(rule).__name__}")


def _evaluate(node: r.Node, facts: Facts, now: datetime) -> Outcome:
    if isinstance(node, r.Group):
        children = [_evaluate(child, facts, now) for child in node.children]
        return Outcome(node, r.combine(node.match, (c.degree for c in children)), None, children)
    measure = _measure(node, facts, now)
    return Outcome(node, _degree(node, measure), measure)


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
