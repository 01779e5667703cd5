"""Pushes: how a subscriber answers the notifications sent so far."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.db.models import Expression, F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ...sql import AsFloat
from ..block_fields import MeasureBlock, ramp_fields
from ..compiler import SqlContext, ramp_sql, ratio_sql, since_sql
from ..explain import ago_words, number_words
from ..reference import Facts, days_since
from ..registry import rule_kinds
from .base import MeasureRule
from .visits import PERCENT_TOO_LARGE


class ClickThroughBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("percent of pushes clicked"), 5, 20)
    maximum = 100
    too_large = PERCENT_TOO_LARGE

    class Meta:
        label = _("Clicks pushes")
        icon = "pick"
        group = _("Pushes")
        help_text = _(
            "Which share of the pushes the subscriber received they clicked. Before the first "
            "push: 0 %."
        )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class ClickThrough(MeasureRule):
    """Pushes clicked / pushes received, 0..1 (0 before the first push)."""

    kind: ClassVar[str] = "click_through"
    block = ClickThroughBlock
    scale: ClassVar[float] = 100.0

    def sql(self, ctx: SqlContext) -> Expression:
        share = ratio_sql(AsFloat(F("profile__pushes_clicked")), "profile__pushes_received")
        return ramp_sql(share, self.ramp)

    def measure(self, facts: Facts, now: datetime) -> float:
        p = facts.profile
        return p.pushes_clicked / p.pushes_received if p and p.pushes_received > 0 else 0.0

    def measure_words(self, measure: float, loaded: Any) -> str:
        return gettext("clicked %(pct)s%% of pushes received") % {
            "pct": number_words(100 * measure),
        }


class ClickedRecentlyBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days since the last click"), 30, 7)

    class Meta:
        label = _("Clicked a push recently")
        icon = "pick"
        group = _("Pushes")
        help_text = _(
            "Counts fully when the subscriber clicked a push at most “fully counts at” days ago. "
            "“Clicked within 14 days”: 14 twice. Never clicked: does not count."
        )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class ClickedRecently(MeasureRule):
    """Days since the last click on a push; the less, the more (never clicked: 0)."""

    kind: ClassVar[str] = "clicked_recently"
    block = ClickedRecentlyBlock
    at_least: ClassVar[bool] = False

    def sql(self, ctx: SqlContext) -> Expression:
        return since_sql("profile__last_click_at", self.ramp, ctx)

    def measure(self, facts: Facts, now: datetime) -> float:
        return days_since(facts.profile.last_click_at if facts.profile else None, now)

    def measure_words(self, measure: float, loaded: Any) -> str:
        return ago_words(measure, gettext("never clicked a push"),
                         gettext("last clicked a push %(days)s days ago"))


class IgnoredPushesBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("pushes in a row without a click"), 3, 6)

    class Meta:
        label = _("Ignores pushes")
        icon = "cross"
        group = _("Pushes")
        help_text = _(
            "How many pushes in a row the subscriber received without clicking any. “Ignored "
            "the last 5 pushes”: 5 twice."
        )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class IgnoredPushes(MeasureRule):
    """Pushes received in a row without a click since the last one."""

    kind: ClassVar[str] = "ignored_pushes"
    block = IgnoredPushesBlock

    def sql(self, ctx: SqlContext) -> Expression:
        ignored = Coalesce(F("profile__pushes_ignored_since_click"), Value(0))
        return ramp_sql(AsFloat(ignored), self.ramp)

    def measure(self, facts: Facts, now: datetime) -> int:
        return facts.profile.pushes_ignored_since_click if facts.profile else 0

    def measure_words(self, measure: int, loaded: Any) -> str:
        return ngettext("ignored the last push", "ignored the last %(n)s pushes", measure) % {
            "n": measure,
        }
