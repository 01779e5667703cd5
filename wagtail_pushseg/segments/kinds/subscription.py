"""Subscription: how long ago the subscriber subscribed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.db.models import Expression
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..block_fields import MeasureBlock, ramp_fields
from ..compiler import SqlContext, days_since_sql, ramp_sql
from ..explain import number_words
from ..reference import Facts, days_since
from ..registry import rule_kinds
from .base import MeasureRule


class SubscriptionAgeBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days since subscribing"), 30, 90)

    class Meta:
        label = _("Subscribed for a while")
        icon = "calendar"
        group = _("Subscription")
        help_text = _(
            "How long ago the subscriber subscribed. “At least 90 days”: 90 twice. For new "
            "subscribers put the larger number first: starts counting at 30, fully counts at 14."
        )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class SubscriptionAge(MeasureRule):
    """Days since the subscriber subscribed."""

    kind: ClassVar[str] = "subscription_age"
    block = SubscriptionAgeBlock

    def sql(self, ctx: SqlContext) -> Expression:
        return ramp_sql(days_since_sql("created_at", ctx), self.ramp)

    def measure(self, facts: Facts, now: datetime) -> float:
        return days_since(facts.subscriber.created_at, now)

    def measure_words(self, measure: float, loaded: Any) -> str:
        return gettext("subscribed %(days)s days ago") % {"days": number_words(measure)}
