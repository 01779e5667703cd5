"""The two shapes most rule kinds take, with everything they share.

- :class:`MeasureRule`: a number (days, points, a share) mapped to a degree by a ramp that
  editors set with "starts counting at" / "fully counts at"; a kind adds its block, its SQL,
  its measure and the measure's words.
- :class:`AttributeRule`: a yes/no test of one ``Subscriber`` column against a list of values;
  a kind names the column, the block field and the noun. :class:`PrefixAttributeRule` matches
  at a separator, case-insensitively (``de`` matches ``de-AT``).
"""

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any, ClassVar

from django.db.models import Case, Expression, Q, When
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, Lookup, StartsWith
from django.utils.functional import Promise
from django.utils.translation import gettext

from ...sql import Float
from ..compiler import SqlContext
from ..explain import ramp_words
from ..parse import ramp, strings
from ..reference import Facts
from ..rules import Ramp, Rule


@dataclass(frozen=True, kw_only=True)
class MeasureRule(Rule):
    """A rule whose measure maps to a degree through its :class:`Ramp`."""

    ramp: Ramp
    #: False when less counts more (days since the last visit): a step then counts up to its
    #: number rather than from it.
    at_least: ClassVar[bool] = True
    #: What editors type per unit of the measure (100: a share typed as percent).
    scale: ClassVar[float] = 1.0

    @classmethod
    def read_ramp(cls, value: Mapping[str, Any]) -> Ramp:
        """The ramp from the block value; missing numbers are the block's defaults."""
        default = (cls.default("starts_at"), cls.default("full_at"))
        return ramp(value, default, cls.at_least, cls.scale)

    @classmethod
    def parse(cls, value: Mapping[str, Any], block_id: str) -> Rule | None:
        return cls(ramp=cls.read_ramp(value), block_id=block_id)

    def degree(self, measure: Any) -> float:
        return self.ramp.degree(measure)

    def words(self, measure: Any, loaded: Any) -> str:
        return f"{self.measure_words(measure, loaded)} ({ramp_words(self.ramp, self.scale)})"

    def measure_words(self, measure: Any, loaded: Any) -> str:
        """The measure alone in words, e.g. "last visit 3 days ago"."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class AttributeRule(Rule):
    """A crisp test of one ``Subscriber`` column against a list of values: 1 or 0."""

    #: The ``Subscriber`` field tested.
    field: ClassVar[str] = ""
    #: The block's field holding the values.
    values_field: ClassVar[str] = ""
    #: Values are compared lower-cased.
    lower: ClassVar[bool] = False
    #: What the column holds, for explanations ("browser").
    noun: ClassVar[str | Promise] = ""
    values: tuple[str, ...]

    @classmethod
    def parse(cls, value: Mapping[str, Any], block_id: str) -> Rule | None:
        typed = {cls.trimmed(v) for v in strings(value.get(cls.values_field), cls.lower)}
        values = tuple(sorted(v for v in typed if v))
        return cls(values=values, block_id=block_id) if values else None

    @classmethod
    def trimmed(cls, value: str) -> str:
        """A value as typed, without what means nothing at its end."""
        return value

    def matches(self, value: str) -> bool:
        return value in self.values

    def test_sql(self) -> Q | Lookup:
        """The condition that makes the rule count."""
        return Q(**{f"{self.field}__in": self.values})

    def sql(self, ctx: SqlContext) -> Expression:
        return Case(When(self.test_sql(), then=Float(1.0)), default=Float(0.0))

    def measure(self, facts: Facts, now: datetime) -> str:
        return getattr(facts.subscriber, self.field) or ""

    def degree(self, measure: str) -> float:
        return 1.0 if self.matches(measure) else 0.0

    def words(self, measure: str, loaded: Any) -> str:
        return gettext("%(what)s “%(value)s”, rule: %(values)s") % {
            "what": self.noun, "value": measure or gettext("unknown"),
            "values": ", ".join(self.values),
        }


@dataclass(frozen=True, kw_only=True)
class PrefixAttributeRule(AttributeRule):
    """Values match by prefix at ``separator``, case-insensitively: ``de`` matches ``de`` and
    ``de-AT``; ``europe`` matches every ``Europe/…`` zone."""

    lower: ClassVar[bool] = True
    separator: ClassVar[str] = ""

    @classmethod
    def trimmed(cls, value: str) -> str:
        return value.rstrip(cls.separator)  # "Europe/" is the region "europe"

    def matches(self, value: str) -> bool:
        value = value.lower()
        return any(value == v or value.startswith(v + self.separator) for v in self.values)

    def test_sql(self) -> Q | Lookup:
        value = Lower(self.field)
        tests = [Exact(value, v) | StartsWith(value, v + self.separator) for v in self.values]
        return reduce(operator.or_, tests)
