"""The package's one SQL layer: the pieces the ORM lacks and the fragments several parts share,
written so SQLite and PostgreSQL compute the same doubles.

- :class:`Float` casts a constant to ``DOUBLE PRECISION``: psycopg binds Python floats as
  ``numeric`` literals, and numeric arithmetic would round differently from Python.
- :class:`SecondsBetween` is exact to the microsecond on both (PostgreSQL: ``EXTRACT(EPOCH
  FROM interval)``, a numeric; SQLite: Django's ``django_timestamp_diff`` in microseconds), so
  ``/ 86400.0`` gives the same double as ``timedelta.total_seconds() / 86400.0`` in Python.
- :func:`decayed_score` is a tag affinity's score at a moment, the SQL twin of
  :func:`wagtail_pushseg.tracking.decay.decayed_or_forgotten` (the segment rules and the
  suggested segments both read it).
- :class:`WindowCount` mirrors :func:`wagtail_pushseg.tracking.activity.count_in_window`; its
  popcount is ``bit_count(x::bit(64))`` on PostgreSQL (14+). SQLite has none, so
  ``pushseg_popcount`` (``int.bit_count``, deterministic) is registered on every SQLite
  connection. Measured on 100,000 profiles: 0.14 s with it against 0.74 s for a bit-twiddling
  popcount in plain SQL (and 2.4 s against 7.1 s for 1,000,000 on PostgreSQL with bit_count).
- :class:`SumInKeyOrder` adds floats in the order of a key on both databases (PostgreSQL:
  ``SUM(x ORDER BY key COLLATE "C")``; SQLite before 3.44 cannot order inside an aggregate, so
  ``pushseg_sum_in_key_order`` is registered like the popcount), and :func:`sum_in_key_order`
  is its Python twin: a float sum depends on its order. The "share of reading" rule adds a
  subscriber's decayed tag scores with it.
- :func:`table` and :func:`degrees_at_least` are the fragments of the hand-written statements.

Hand-written SQL (ruff's S608): these statements are f-strings because the ORM cannot say them
(``INSERT … SELECT``, ``ON CONFLICT``, ``UPDATE … FROM``, temporary tables, JSON unnesting,
window functions in an UPDATE). Each interpolates only quoted table names (:func:`table`),
SQL built by the ORM or by this module (with its parameters passed on), fixed keywords and
integers of our own; every value is a ``%s`` parameter.

- ``segments/refresh.py`` ``refresh_segment``: temporary table, delete, upsert of memberships;
- ``campaigns/planning.py`` ``_target_sql``, ``candidates_sql``, ``audience_sql``,
  ``plan_deliveries``, ``audience_counts``: the audience and its ``INSERT … SELECT``;
- ``campaigns/audience.py`` ``pairwise_candidates``: a self-join of the candidates;
- ``campaigns/variants.py`` ``assign_variants``: ``UPDATE … FROM`` a random deal;
- ``insights/history.py`` ``capture_memberships``, and the entered / left counts;
- ``insights/transitions.py`` ``count_transitions``: a grouped self-join;
- ``insights/suggested_segments.py`` ``_page_view_tags_sql``, ``readers_per_tag``,
  ``readers_by_window``: page-view tags unnested from JSON;
- ``insights/simulation.py`` ``update_rows``: an ``executemany`` UPDATE by primary key;
- ``insights/scenarios.py`` ``insert_deliveries``: an ``executemany`` INSERT of sent deliveries;
- this module: :class:`WindowCount` and :func:`popcount_sql` (integers of our own only).
"""

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from django.db import connection as default_connection
from django.db.backends.signals import connection_created
from django.db.models import (
    Aggregate,
    Case,
    DateTimeField,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Model,
    Value,
    When,
)
from django.db.models.functions import Greatest, Power
from django.db.models.lookups import LessThan
from django.db.utils import NotSupportedError

from .tracking.decay import DAY, FORGOTTEN_AFTER_HALF_LIVES


POPCOUNT_SQLITE = "pushseg_popcount"
SUM_IN_KEY_ORDER_SQLITE = "pushseg_sum_in_key_order"


def _popcount(value: int | None) -> int | None:
    return None if value is None else int(value).bit_count()


def sum_in_key_order(pairs: Iterable[tuple[str, float]]) -> float | None:
    """The values added one by one in the order of their keys (code points), as
    :class:`SumInKeyOrder` adds them in SQL; None when there are none (SQL's empty SUM)."""
    total = None
    for _key, value in sorted(pairs, key=lambda pair: pair[0]):
        total = value if total is None else total + value
    return total


class _SumInKeyOrderSqlite:
    """SQLite aggregate behind :class:`SumInKeyOrder` (SQLite before 3.44 has no ``ORDER BY``
    inside an aggregate)."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, float]] = []

    def step(self, value: float | None, key: str) -> None:
        if value is not None:
            self.pairs.append((key, value))

    def finalize(self) -> float | None:
        return sum_in_key_order(self.pairs)


def register_sqlite_functions(raw_connection: sqlite3.Connection) -> None:
    """Add ``pushseg_popcount(x)`` and ``pushseg_sum_in_key_order(value, key)`` to a raw SQLite
    connection (idempotent)."""
    raw_connection.create_function(POPCOUNT_SQLITE, 1, _popcount, deterministic=True)
    raw_connection.create_aggregate(SUM_IN_KEY_ORDER_SQLITE, 2, _SumInKeyOrderSqlite)


def _on_connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        register_sqlite_functions(connection.connection)


connection_created.connect(_on_connection_created, dispatch_uid="wagtail_pushseg_sql_functions")


def _unsupported(self, compiler, connection, **extra):
    raise NotSupportedError(
        f"wagtail-pushseg segments run on SQLite and PostgreSQL, not {connection.vendor}"
    )


class Float(Func):
    """A float constant typed as ``DOUBLE PRECISION`` on every database."""

    template = "CAST(%(expressions)s AS DOUBLE PRECISION)"
    output_field = FloatField()

    def __init__(self, value: float):
        super().__init__(Value(float(value)))


class AsFloat(Func):
    """An integer expression as a double (exact below 2**53)."""

    template = "CAST(%(expressions)s AS DOUBLE PRECISION)"
    output_field = FloatField()


class SecondsBetween(Func):
    """``later − earlier`` in seconds, a double; NULL when either is NULL."""

    arity = 2
    output_field = FloatField()
    as_sql = _unsupported

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection,
            template="(django_timestamp_diff(%(expressions)s) / 1000000.0)", **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, arg_joiner=" - ",
            template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS DOUBLE PRECISION)", **extra,
        )


class SumInKeyOrder(Aggregate):
    """``SUM(value)`` with the values added in the order of ``key`` (by code point), so the
    double is the same on every database and in Python (:func:`sum_in_key_order`): a float sum
    depends on its order, and the reference must agree to 1e-15."""

    arity = 2
    output_field = FloatField()
    as_sql = _unsupported

    def as_sqlite(self, compiler, connection, **extra):
        value, key = (compiler.compile(e) for e in self.source_expressions[:2])
        return f"{SUM_IN_KEY_ORDER_SQLITE}({value[0]}, {key[0]})", (*value[1], *key[1])

    def as_postgresql(self, compiler, connection, **extra):
        value, key = (compiler.compile(e) for e in self.source_expressions[:2])
        return f'SUM({value[0]} ORDER BY {key[0]} COLLATE "C")', (*value[1], *key[1])


def decayed_score(now: datetime, half_life_days: float, score: str = "score",
                  updated_at: str = "updated_at") -> Expression:
    """The row's ``score`` decayed from ``updated_at`` to ``now``: the double
    :func:`~wagtail_pushseg.tracking.decay.decayed_or_forgotten` computes, in the same steps
    (``score · 2^(−max(0, Δt)/day / half-life)``), and 0 past the forgotten cut-off."""
    now_value = Value(now, output_field=DateTimeField())
    elapsed_days = Greatest(Float(0.0), SecondsBetween(now_value, F(updated_at))) / Float(DAY)
    exponent = (Float(0.0) - elapsed_days) / Float(half_life_days)
    return Case(
        When(LessThan(exponent, Float(-FORGOTTEN_AFTER_HALF_LIVES)), then=Float(0.0)),
        default=F(score) * Power(Float(2.0), exponent),
        output_field=FloatField(),
    )


def table(model: type[Model], connection=default_connection) -> str:
    """``model``'s table name, quoted for hand-written SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def degrees_at_least(degrees_sql: str, params: tuple, floor: float) -> tuple[str, tuple]:
    """The rows of a ``(subscriber_id, degree)`` select whose degree reaches ``floor``, compared
    as a double (psycopg would send the float as a numeric)."""
    return (
        f"SELECT d.subscriber_id, d.degree FROM ({degrees_sql}) d "
        "WHERE d.degree >= CAST(%s AS DOUBLE PRECISION)",
        (*params, floor),
    )


def popcount_sql(connection, inner: str) -> str:
    """SQL for the set bits of the non-negative 64-bit integer ``inner`` on this database."""
    if connection.vendor == "postgresql":
        return f"bit_count(CAST(({inner}) AS bit(64)))"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        register_sqlite_functions(connection.connection)  # in case the signal came too late
        return f"{POPCOUNT_SQLITE}({inner})"
    return _unsupported(None, None, connection)


class WindowCount(Expression):
    """Set bits of a rolling mask for the ``window`` units ending at ``now_unit``.

    ``mask`` has bit *i* set for activity *i* units before ``anchor_unit``; ``kept`` bits are
    stored. Same cases as ``count_in_window``: a mask read after its anchor keeps the low
    ``window − shift`` bits, one read before it (a past "now") is shifted down first.
    """

    output_field = IntegerField()

    def __init__(self, mask, anchor_unit, now_unit: int, window: int, kept: int):
        super().__init__()
        if not 1 <= window <= kept <= 62:
            raise ValueError("window must be between 1 and the bits kept (at most 62)")
        self.mask, self.anchor_unit = mask, anchor_unit
        self.now_unit, self.window, self.kept = int(now_unit), int(window), int(kept)

    def get_source_expressions(self):
        return [self.mask, self.anchor_unit]

    def set_source_expressions(self, exprs):
        self.mask, self.anchor_unit = exprs

    def as_sql(self, compiler, connection, **extra):
        mask, mask_params = compiler.compile(self.mask)
        anchor, anchor_params = compiler.compile(self.anchor_unit)
        shift = f"({self.now_unit} - ({anchor}))"
        # Only integers of our own are formatted into the SQL; values stay parameters.
        low_bits = f"(CAST(1 AS BIGINT) << ({self.window} - {shift})) - 1"
        low = popcount_sql(connection, f"({mask}) & ({low_bits})")
        high = popcount_sql(connection, f"(({mask}) >> (0 - {shift})) & {(1 << self.window) - 1}")
        sql = (
            f"CASE WHEN {shift} >= {self.window} THEN 0"
            f" WHEN {shift} >= 0 THEN {low}"
            f" WHEN {shift} <= -{self.kept} THEN 0"
            f" ELSE {high} END"
        )
        a, m = list(anchor_params), list(mask_params)
        return sql, (*a, *a, *m, *a, *a, *m, *a)
