"""Visits: how regularly and how recently a subscriber comes, and whether for sales."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.db.models import BigIntegerField, Expression, F, Value
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ...sql import AsFloat, WindowCount
from ...tracking.activity import WEEKS_KEPT, active_weeks, day_number, week_number
from ..block_fields import MeasureBlock, ramp_fields
from ..compiler import SqlContext, ramp_sql, ratio_sql, since_sql
from ..explain import ago_words, number_words
from ..parse import whole_number
from ..reference import Facts, days_since
from ..registry import rule_kinds
from ..rules import Rule
from .base import MeasureRule


PERCENT_TOO_LARGE = _("A share is at most 100 %.")


class VisitRegularityBlock(MeasureBlock):
    weeks = blocks.IntegerBlock(
        label=_("Weeks looked at"), default=8,
        help_text=_("How many weeks back to look, this week included (1 to 53)."),
    )
    starts_at, full_at = ramp_fields(_("weeks with a visit"), 2, 6)
    too_large = _("That is more weeks than are looked at.")

    class Meta:
        label = _("Visits regularly")
        icon = "date"
        group = _("Visits")
        help_text = _(
            "In how many of the last weeks the subscriber visited at least once. Coming back 3 of "
            "the last 8 weeks is somewhat regular; 6 of 8 is loyal."
        )

    def limit(self, value) -> float | None:
        return value.get("weeks")

    def validate(self, value, errors: dict[str, Any]) -> None:
        weeks = value.get("weeks")
        if weeks is not None and weeks < 1:
            errors["weeks"] = _("Look back at least 1 week.")
        elif weeks is not None and weeks > WEEKS_KEPT:
            errors["weeks"] = format_lazy(
                _("Visits are kept for the last {n} weeks; look back {n} weeks or fewer."),
                n=WEEKS_KEPT,
            )
        else:
            super().validate(value, errors)


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class VisitRegularity(MeasureRule):
    """Active ISO weeks among the last ``weeks`` weeks (this week included)."""

    kind: ClassVar[str] = "visit_regularity"
    block = VisitRegularityBlock
    weeks: int

    @classmethod
    def parse(cls, value: Mapping[str, Any], block_id: str) -> Rule | None:
        weeks = whole_number(value, "weeks", cls.default("weeks"))
        return cls(weeks=weeks, ramp=cls.read_ramp(value), block_id=block_id)

    def sql(self, ctx: SqlContext) -> Expression:
        mask = Coalesce(F("profile__active_weeks"), Value(0, output_field=BigIntegerField()))
        day = Coalesce(F("profile__activity_day"), Value(0))
        anchor_week = (day + Value(3)) / Value(7)  # week_number(); day numbers are positive
        this_week = week_number(day_number(ctx.now))
        count = WindowCount(mask, anchor_week, this_week, self.weeks, WEEKS_KEPT)
        return ramp_sql(AsFloat(count), self.ramp)

    def measure(self, facts: Facts, now: datetime) -> int:
        p = facts.profile
        return active_weeks(p.active_weeks, p.activity_day, day_number(now), self.weeks) if p else 0

    def measure_words(self, measure: int, loaded: Any) -> str:
        return gettext("active %(n)s of the last %(weeks)s weeks") % {
            "n": measure, "weeks": self.weeks,
        }


class RecentVisitBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days since the last visit"), 30, 7)

    class Meta:
        label = _("Visited recently")
        icon = "time"
        group = _("Visits")
        help_text = _(
            "Counts fully when the last visit was at most “fully counts at” days ago, fading out "
            "until “starts counting at” days. “Within 7 days”: 7 twice. Never visited: does not "
            "count."
        )


@dataclass(frozen=True, kw_only=True)
class _SinceLastVisit(MeasureRule):
    """Days since the last visit (never visited: infinitely many)."""

    def sql(self, ctx: SqlContext) -> Expression:
        return since_sql("profile__last_visit_at", self.ramp, ctx)

    def measure(self, facts: Facts, now: datetime) -> float:
        return days_since(facts.profile.last_visit_at if facts.profile else None, now)

    def measure_words(self, measure: float, loaded: Any) -> str:
        return ago_words(measure, gettext("no visit recorded"),
                         gettext("last visit %(days)s days ago"))


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class RecentVisit(_SinceLastVisit):
    """Days since the last visit; the less, the more it counts (never visited: 0)."""

    kind: ClassVar[str] = "recent_visit"
    block = RecentVisitBlock
    at_least: ClassVar[bool] = False


class LapsedBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days without a visit"), 30, 60)

    class Meta:
        label = _("Lapsed (stopped visiting)")
        icon = "time"
        group = _("Visits")
        help_text = _(
            "Counts from “starts counting at” days without a visit, fully from “fully counts at” "
            "days. “No visit for 45 days”: 45 twice. Never visited: counts fully."
        )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class Lapsed(_SinceLastVisit):
    """Days since the last visit; the more, the more it counts (never visited: fully)."""

    kind: ClassVar[str] = "lapsed"
    block = LapsedBlock


class SaleShareBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("percent of recent visits"), 30, 60)
    maximum = 100
    too_large = PERCENT_TOO_LARGE

    class Meta:
        label = _("Comes for sales")
        icon = "tag"
        group = _("Visits")
        help_text = _(
            "Which share of the subscriber's recent visits went to sale pages (pages tagged "
            "sale, clearance or discount). No visits yet: 0 %."
        )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class SaleShare(MeasureRule):
    """Share of recent (decayed) visits that were to sale pages, 0..1."""

    kind: ClassVar[str] = "sale_share"
    block = SaleShareBlock
    scale: ClassVar[float] = 100.0

    def sql(self, ctx: SqlContext) -> Expression:
        share = ratio_sql(F("profile__recent_sale_visits"), "profile__recent_visits")
        return ramp_sql(share, self.ramp)

    def measure(self, facts: Facts, now: datetime) -> float:
        p = facts.profile
        return p.recent_sale_visits / p.recent_visits if p and p.recent_visits > 0 else 0.0

    def measure_words(self, measure: float, loaded: Any) -> str:
        return gettext("%(pct)s%% of recent visits to sale pages") % {
            "pct": number_words(100 * measure),
        }
