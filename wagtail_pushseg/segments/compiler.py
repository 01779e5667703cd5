"""Compile rules into ONE query expression over ``Subscriber`` that yields each subscriber's degree.

Each rule kind writes its own expression (``Rule.sql``, from the pieces here); groups are
combined here. The profile is a LEFT JOIN (no profile: counts 0, visits "never"); tag
affinities, custom events and other segments' memberships are correlated subqueries on their
unique or leading indexes. Fuzzy operators are ``LEAST`` / ``GREATEST`` / ``1 − x``, ramps are
clamps, and every number is a ``DOUBLE PRECISION`` computed in the same order as
:mod:`.reference` computes it in Python, so the two agree on SQLite and PostgreSQL. Nothing
here loops over subscribers.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    Expression,
    F,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from ..models import Subscriber
from ..sql import AsFloat, Float, SecondsBetween
from ..tracking.decay import DAY
from . import rules as r
from .parse import rule_tree


@dataclass(frozen=True)
class SqlContext:
    """What every rule's SQL may read besides the row: the moment of evaluation (UTC)."""

    now: datetime

    @property
    def now_value(self) -> Value:
        return Value(self.now, output_field=DateTimeField())


def evaluation_time(now: datetime | None = None) -> datetime:
    """The moment rules are evaluated at, in UTC (day and week numbers are UTC days)."""
    return (now or timezone.now()).astimezone(UTC)


# --- Pieces the rule kinds build their SQL from ------------------------------------------


def ramp_sql(x: Expression, ramp: r.Ramp) -> Expression:
    """:meth:`Ramp.degree <wagtail_pushseg.segments.rules.Ramp.degree>` in SQL: a clamp, or a
    step."""
    if ramp.is_step:
        test = GreaterThanOrEqual if ramp.at_least else LessThanOrEqual
        return Case(When(test(x, Float(ramp.start)), then=Float(1.0)), default=Float(0.0))
    return Least(Float(1.0), Greatest(Float(0.0), (x - Float(ramp.start)) / Float(ramp.span)))


def days_since_sql(field: str, ctx: SqlContext) -> Expression:
    """Days from ``field`` to the evaluation moment, a double."""
    return SecondsBetween(ctx.now_value, F(field)) / Float(DAY)


def since_sql(field: str, ramp: r.Ramp, ctx: SqlContext) -> Expression:
    """Ramp over days since ``field``; a NULL (never) is infinitely long ago."""
    return Case(
        When(**{f"{field}__isnull": True}, then=Float(ramp.never)),
        default=ramp_sql(days_since_sql(field, ctx), ramp),
    )


def ratio_sql(numerator: Expression | F, denominator: str) -> Expression:
    """``numerator / denominator`` when the denominator is above 0, else 0."""
    return Case(
        When(**{f"{denominator}__gt": 0}, then=numerator / AsFloat(F(denominator))),
        default=Float(0.0),
    )


def combine_sql(match: str, parts: list[Expression]) -> Expression:
    """:func:`~wagtail_pushseg.segments.rules.combine` in SQL: LEAST, GREATEST, 1 − GREATEST."""
    combined = parts[0] if len(parts) == 1 else (Least if match == r.ALL else Greatest)(*parts)
    return Float(1.0) - combined if match == r.NONE else combined


# --- The one query ------------------------------------------------------------------------


def _node(node: r.Node, ctx: SqlContext) -> Expression:
    if isinstance(node, r.Group):
        return combine_sql(node.match, [_node(child, ctx) for child in node.children])
    return node.sql(ctx)


def degree_expression(rules: Any, now: datetime | None = None) -> Expression:
    """The degree (a double in [0, 1]) as an expression over ``Subscriber`` rows.

    ``rules``: a ``Segment``, a ``StreamValue``, the raw StreamField JSON or a parsed tree.
    """
    tree = rule_tree(rules)
    return _node(tree, SqlContext(evaluation_time(now))) if tree.children else Float(0.0)


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
