"""Compile rules into ONE query expression over ``Subscriber`` that yields each subscriber's degree.

The profile is a LEFT JOIN (no profile: counts 0, visits "never"); tag affinities, custom events
and other segments' memberships are correlated subqueries on their unique or leading indexes.
Fuzzy operators are ``LEAST`` / ``GREATEST`` / ``1 − x``, ramps are clamps, and every number is a
``DOUBLE PRECISION`` computed in the same order as :mod:`.reference` computes it in Python, so the
two agree on SQLite and PostgreSQL. Nothing here loops over subscribers.
"""

import operator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, Lower, Power
from django.db.models.lookups import (
    Exact,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)
from django.utils import timezone

from ..conf import pushseg_settings
from ..models import Event, Membership, Subscriber, TagAffinity
from ..tracking.activity import WEEKS_KEPT, day_number, week_number
from . import rules as r
from .parse import rule_tree
from .sql import AsFloat, Float, SecondsBetween, WindowCount


DAY = 86400.0


@dataclass(frozen=True)
class _Context:
    now: datetime
    tag_half_life: float

    @property
    def now_value(self) -> Value:
        return Value(self.now, output_field=DateTimeField())


def evaluation_time(now: datetime | None = None) -> datetime:
    """The moment rules are evaluated at, in UTC (day and week numbers are UTC days)."""
    return (now or timezone.now()).astimezone(UTC)


def _ramp(x: Expression, ramp: r.Ramp) -> Expression:
    if ramp.is_step:
        test = GreaterThanOrEqual if ramp.at_least else LessThanOrEqual
        return Case(When(test(x, Float(ramp.start)), then=Float(1.0)), default=Float(0.0))
    return Least(Float(1.0), Greatest(Float(0.0), (x - Float(ramp.start)) / Float(ramp.span)))


def _days_since(field: str, ctx: _Context) -> Expression:
    return SecondsBetween(ctx.now_value, F(field)) / Float(DAY)


def _since(field: str, ramp: r.Ramp, ctx: _Context) -> Expression:
    """Ramp over days since ``field``; a NULL (never) is infinitely long ago."""
    return Case(
        When(**{f"{field}__isnull": True}, then=Float(ramp.never)),
        default=_ramp(_days_since(field, ctx), ramp),
    )


def _ratio(numerator: Expression, denominator: str) -> Expression:
    """``numerator / denominator`` when the denominator is above 0, else 0."""
    return Case(
        When(**{f"{denominator}__gt": 0}, then=numerator / AsFloat(F(denominator))),
        default=Float(0.0),
    )


#: Half-lives after which a score counts as 0: PostgreSQL raises on float underflow, and
#: 2^−1000 of any real score is far below anything a ramp can tell from 0.
FORGOTTEN_AFTER_HALF_LIVES = 1000.0


def _tag_score(tag: str, ctx: _Context) -> Expression:
    # decayed(): score · 2^(−max(0, Δt)/day / half-life), in that order.
    elapsed_days = Greatest(Float(0.0), SecondsBetween(ctx.now_value, F("updated_at"))) / Float(DAY)
    exponent = (Float(0.0) - elapsed_days) / Float(ctx.tag_half_life)
    decayed = Case(
        When(LessThan(exponent, Float(-FORGOTTEN_AFTER_HALF_LIVES)), then=Float(0.0)),
        default=F("score") * Power(Float(2.0), exponent),
    )
    scores = TagAffinity.objects.filter(subscriber=OuterRef("pk"), tag=tag).values(v=decayed)
    return Coalesce(Subquery(scores, output_field=FloatField()), Float(0.0))


def _tag_interest(rule: r.TagInterest, ctx: _Context) -> Expression:
    parts = [_ramp(_tag_score(tag, ctx), rule.ramp) for tag in rule.tags]
    return _combine(r.ALL if rule.match == r.ALL else r.ANY, parts)


def _visit_regularity(rule: r.VisitRegularity, ctx: _Context) -> Expression:
    mask = Coalesce(F("profile__active_weeks"), Value(0, output_field=BigIntegerField()))
    day = Coalesce(F("profile__activity_day"), Value(0))
    anchor_week = (day + Value(3)) / Value(7)  # week_number(); day numbers are positive
    this_week = week_number(day_number(ctx.now))
    count = WindowCount(mask, anchor_week, this_week, rule.weeks, WEEKS_KEPT)
    return _ramp(AsFloat(count), rule.ramp)


def _custom_event(rule: r.CustomEvent, ctx: _Context) -> Expression:
    counts = (
        Event.objects.filter(
            subscriber=OuterRef("pk"), kind=Event.Kind.CUSTOM, name=rule.event,
            occurred_at__gte=ctx.now - timedelta(days=rule.days), occurred_at__lte=ctx.now,
        )
        .order_by().values("subscriber").annotate(n=Count("pk")).values("n")
    )
    count = Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
    return _ramp(AsFloat(count), rule.ramp)


def _attribute(rule: r.AttributeRule, ctx: _Context) -> Expression:
    if isinstance(rule, r.Language | r.TimeZone):  # prefix at a boundary, case-insensitive
        value, sep = Lower(rule.field), "-" if isinstance(rule, r.Language) else "/"
        tests = [Exact(value, v) | StartsWith(value, v + sep) for v in rule.values]
        return Case(When(reduce(operator.or_, tests), then=Float(1.0)), default=Float(0.0))
    return Case(When(**{f"{rule.field}__in": rule.values}, then=Float(1.0)), default=Float(0.0))


def _member_of(rule: r.MemberOf, ctx: _Context) -> Expression:
    degree = Membership.objects.filter(
        segment_id=rule.segment_id, subscriber=OuterRef("pk")
    ).values("degree")
    return Coalesce(Subquery(degree, output_field=FloatField()), Float(0.0))


_MEASURES: dict[type, Any] = {
    r.VisitRegularity: _visit_regularity,
    r.CustomEvent: _custom_event,
    r.RecentVisit: lambda rule, ctx: _since("profile__last_visit_at", rule.ramp, ctx),
    r.Lapsed: lambda rule, ctx: _since("profile__last_visit_at", rule.ramp, ctx),
    r.ClickedRecently: lambda rule, ctx: _since("profile__last_click_at", rule.ramp, ctx),
    r.SubscriptionAge: lambda rule, ctx: _ramp(_days_since("created_at", ctx), rule.ramp),
    r.SaleShare: lambda rule, ctx: _ramp(
        _ratio(F("profile__recent_sale_visits"), "profile__recent_visits"), rule.ramp
    ),
    r.ClickThrough: lambda rule, ctx: _ramp(
        _ratio(AsFloat(F("profile__pushes_clicked")), "profile__pushes_received"), rule.ramp
    ),
    r.IgnoredPushes: lambda rule, ctx: _ramp(
        AsFloat(Coalesce(F("profile__pushes_ignored_since_click"), Value(0))), rule.ramp
    ),
}


def _combine(match: str, parts: list[Expression]) -> Expression:
    combined = parts[0] if len(parts) == 1 else (Least if match == r.ALL else Greatest)(*parts)
    return Float(1.0) - combined if match == r.NONE else combined


def _node(node: r.Node, ctx: _Context) -> Expression:
    if isinstance(node, r.Group):
        return _combine(node.match, [_node(child, ctx) for child in node.children])
    if isinstance(node, r.TagInterest):
        return _tag_interest(node, ctx)
    if isinstance(node, r.AttributeRule):
        return _attribute(node, ctx)
    if isinstance(node, r.MemberOf):
        return _member_of(node, ctx)
    return _MEASURES[type(node)](node, ctx)


def degree_expression(rules: Any, now: datetime | None = None) -> Expression:
    """The degree (a double in [0, 1]) as an expression over ``Subscriber`` rows.

    ``rules``: a ``Segment``, a ``StreamValue``, the raw StreamField JSON or a parsed tree.
    """
    tree = rule_tree(rules)
    ctx = _Context(evaluation_time(now), pushseg_settings.TAG_HALF_LIFE_DAYS)
    return _node(tree, ctx) if tree.children else Float(0.0)


def with_degree(rules: Any, now: datetime | None = None,
                queryset: QuerySet | None = None) -> QuerySet:
    """Active subscribers (of ``queryset``, default all) annotated with ``degree``, kept when
    the degree is above 0. Use it for member listings and samples."""
    queryset = Subscriber.objects.all() if queryset is None else queryset
    return (
        queryset.filter(status=Subscriber.Status.ACTIVE)
        .annotate(degree=degree_expression(rules, now))
        .filter(degree__gt=0)
    )


def degree_queryset(rules: Any, now: datetime | None = None) -> QuerySet:
    """``(subscriber_id, degree)`` for every active subscriber whose degree is above 0.

    One SQL statement; works for unsaved rules too (a live preview).
    """
    return (
        with_degree(rules, now).order_by()
        .annotate(subscriber_id=F("pk")).values_list("subscriber_id", "degree")
    )


def all_degrees_sql(rules: Any, now: datetime | None = None) -> tuple[str, tuple]:
    """SQL and parameters selecting ``subscriber_id, degree`` for every active subscriber,
    zeros included (a derived table for set-wise writes, computing each degree once)."""
    query = (
        Subscriber.objects.filter(status=Subscriber.Status.ACTIVE).order_by()
        .annotate(subscriber_id=F("pk"), degree=degree_expression(rules, now))
        .values_list("subscriber_id", "degree")
    )
    return query.query.sql_with_params()
