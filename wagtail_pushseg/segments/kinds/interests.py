"""Interests: how much a subscriber reads about tags, and custom events the site reports."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db.models import (
    Case,
    Count,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ...conf import pushseg_settings
from ...models import Event, Subscriber, TagAffinity
from ...sql import AsFloat, Float, SumInKeyOrder, decayed_score, sum_in_key_order
from ...tracking.decay import decayed_or_forgotten
from ...validation import EVENT_NAME
from ..block_fields import MeasureBlock, TagsBlock, ramp_fields
from ..compiler import SqlContext, combine_sql, ramp_sql
from ..explain import number_words
from ..parse import strings, whole_number
from ..reference import Facts
from ..registry import rule_kinds
from ..rules import ALL, ANY, Rule, combine
from .base import MeasureRule


class TagInterestBlock(MeasureBlock):
    tags = TagsBlock(
        label=_("Tags"), required=False,  # validate() says what is missing
        help_text=_("Pick the site's tags or type them, separated by commas."),
    )
    match = blocks.ChoiceBlock(
        label=_("Interest in"), default=ANY, required=True,
        choices=[(ANY, _("any of these tags (the strongest counts)")),
                 (ALL, _("all of these tags (the weakest counts)"))],
    )
    starts_at, full_at = ramp_fields(_("interest points"), 1, 3)

    class Meta:
        label = _("Interest in tags")
        icon = "tag"
        group = _("Interests")
        help_text = _(
            "How much the subscriber reads pages with these tags: each page view adds a point to "
            "each of its tags, and points fade by half over the tag half-life (30 days unless "
            "your site changed it). 3 points is about three recent views."
        )

    def validate(self, value, errors: dict[str, Any]) -> None:
        super().validate(value, errors)
        tags = value.get("tags") or []
        if not tags:
            errors["tags"] = _("Choose at least one tag.")
        elif any(len(tag) > 100 for tag in tags):
            errors["tags"] = _("Tags are at most 100 characters long.")


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class TagInterest(MeasureRule):
    """Decayed affinity to the tags; ``match`` any (best tag) or all (weakest tag)."""

    kind: ClassVar[str] = "tag_interest"
    block = TagInterestBlock
    about_interests: ClassVar[bool] = True
    tags: tuple[str, ...]
    match: str = ANY

    @classmethod
    def parse(cls, value: Mapping[str, Any], block_id: str) -> Rule | None:
        tags = strings(value.get("tags"), lower=True)
        match = ALL if value.get("match") == ALL else ANY
        ramp = cls.read_ramp(value)
        return cls(tags=tags, match=match, ramp=ramp, block_id=block_id) if tags else None

    def sql(self, ctx: SqlContext) -> Expression:
        half_life = pushseg_settings.TAG_HALF_LIFE_DAYS
        parts = []
        for tag in self.tags:
            scores = TagAffinity.objects.filter(subscriber=OuterRef("pk"), tag=tag).values(
                v=decayed_score(ctx.now, half_life)
            )
            score = Coalesce(Subquery(scores, output_field=FloatField()), Float(0.0))
            parts.append(ramp_sql(score, self.ramp))
        return combine_sql(self.match, parts)

    @classmethod
    def load_facts(cls, rules: list["TagInterest"], subscriber: Subscriber,
                   now: datetime) -> dict[str, tuple[float, datetime]]:
        """``{tag: (score, updated_at)}`` for the tags the rules name."""
        tags = {tag for rule in rules for tag in rule.tags}
        return {
            tag: (score, updated_at)
            for tag, score, updated_at in TagAffinity.objects.filter(
                subscriber=subscriber, tag__in=tags
            ).values_list("tag", "score", "updated_at")
        }

    def measure(self, facts: Facts, now: datetime) -> dict[str, float]:
        affinities, half_life = facts.of(self) or {}, pushseg_settings.TAG_HALF_LIFE_DAYS
        return {
            tag: decayed_or_forgotten(*affinities[tag], now, half_life) if tag in affinities
            else 0.0
            for tag in self.tags
        }

    def degree(self, measure: dict[str, float]) -> float:
        return combine(self.match, [self.ramp.degree(measure[tag]) for tag in self.tags])

    def measure_words(self, measure: dict[str, float], loaded: Any) -> str:
        scores = ", ".join(f"{tag} {number_words(measure[tag])}" for tag in self.tags)
        if len(self.tags) == 1:
            return gettext("affinity to %(scores)s") % {"scores": scores}
        which = gettext("all of") if self.match == ALL else gettext("any of")
        return gettext("affinity to %(which)s %(scores)s") % {"which": which, "scores": scores}


class TagShareBlock(TagInterestBlock):
    starts_at, full_at = ramp_fields(_("percent of reading"), 20, 50)
    maximum = 100
    too_large = _("A share is at most 100 %.")

    class Meta:
        label = _("Share of reading")
        icon = "tag"
        group = _("Interests")
        help_text = _(
            "Which share of what the subscriber reads goes to these tags: the tag's interest "
            "points out of the points of all their tags (both fading over the tag half-life). "
            "Someone who reads little, but almost only about the tag, counts fully; a heavy "
            "reader of everything does not. No reading yet: 0 %."
        )


def _decayed_scores(now: datetime) -> Expression:
    return decayed_score(now, pushseg_settings.TAG_HALF_LIFE_DAYS)


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class TagShare(TagInterest):
    """The tags' share of the subscriber's decayed affinity to all tags, 0..1; ``match`` any
    (best tag) or all (weakest tag)."""

    kind: ClassVar[str] = "tag_share"
    block = TagShareBlock
    scale: ClassVar[float] = 100.0

    def sql(self, ctx: SqlContext) -> Expression:
        totals = (
            TagAffinity.objects.filter(subscriber=OuterRef("pk")).order_by()
            .values("subscriber").annotate(t=SumInKeyOrder(_decayed_scores(ctx.now), F("tag")))
            .values("t")
        )
        total = Coalesce(Subquery(totals, output_field=FloatField()), Float(0.0))
        parts = []
        for tag in self.tags:
            scores = TagAffinity.objects.filter(subscriber=OuterRef("pk"), tag=tag).values(
                v=_decayed_scores(ctx.now)
            )
            score = Coalesce(Subquery(scores, output_field=FloatField()), Float(0.0))
            # The total is never below a part of it: the same doubles, added.
            share = Case(When(GreaterThan(total, Float(0.0)), then=score / total),
                         default=Float(0.0), output_field=FloatField())
            parts.append(ramp_sql(share, self.ramp))
        return combine_sql(self.match, parts)

    @classmethod
    def load_facts(cls, rules: list["TagShare"], subscriber: Subscriber,
                   now: datetime) -> dict[str, tuple[float, datetime]]:
        """``{tag: (score, updated_at)}`` for all the subscriber's tags (the share's whole)."""
        return {
            tag: (score, updated_at)
            for tag, score, updated_at in TagAffinity.objects.filter(
                subscriber=subscriber
            ).values_list("tag", "score", "updated_at")
        }

    def measure(self, facts: Facts, now: datetime) -> dict[str, float]:
        affinities, half_life = facts.of(self) or {}, pushseg_settings.TAG_HALF_LIFE_DAYS
        scores = {tag: decayed_or_forgotten(score, updated_at, now, half_life)
                  for tag, (score, updated_at) in affinities.items()}
        total = sum_in_key_order(scores.items()) or 0.0
        return {tag: scores.get(tag, 0.0) / total if total > 0.0 else 0.0 for tag in self.tags}

    def measure_words(self, measure: dict[str, float], loaded: Any) -> str:
        shares = ", ".join(f"{tag} {number_words(100 * measure[tag])} %" for tag in self.tags)
        if len(self.tags) == 1:
            return gettext("share of reading: %(shares)s") % {"shares": shares}
        which = gettext("all of") if self.match == ALL else gettext("any of")
        return gettext("share of reading, %(which)s: %(shares)s") % {
            "which": which, "shares": shares,
        }


class CustomEventBlock(MeasureBlock):
    event = blocks.CharBlock(
        label=_("Event name"), max_length=64,
        help_text=_("As your site's script reports it, e.g. purchase or add_to_cart."),
    )
    days = blocks.IntegerBlock(label=_("In the last (days)"), default=30)
    starts_at, full_at = ramp_fields(_("times"), 1, 1)

    class Meta:
        label = _("Did something")
        icon = "success"
        group = _("Interests")
        help_text = _(
            "How often the subscriber did a custom event recently. “At least twice in 30 days”: "
            "30 days, and 2 twice."
        )

    def validate(self, value, errors: dict[str, Any]) -> None:
        super().validate(value, errors)
        if not EVENT_NAME.match(value.get("event") or ""):
            errors["event"] = _(
                "Use the event's name as reported: lower-case letters, digits, - and _."
            )
        days, kept = value.get("days"), pushseg_settings.EVENT_RETENTION_DAYS
        if days is not None and days < 1:
            errors["days"] = _("Look back at least 1 day.")
        elif days is not None and days > kept:
            errors["days"] = format_lazy(
                _("Events are kept for {n} days; look back {n} days or fewer."), n=kept
            )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class CustomEvent(MeasureRule):
    """How often the custom event ``event`` happened in the last ``days`` days."""

    kind: ClassVar[str] = "custom_event"
    block = CustomEventBlock
    about_interests: ClassVar[bool] = True
    event: str
    days: int

    @classmethod
    def parse(cls, value: Mapping[str, Any], block_id: str) -> Rule | None:
        event = str(value.get("event") or "").strip()
        days = whole_number(value, "days", cls.default("days"))
        ramp = cls.read_ramp(value)
        return cls(event=event, days=days, ramp=ramp, block_id=block_id) if event else None

    def sql(self, ctx: SqlContext) -> Expression:
        counts = (
            Event.objects.filter(
                subscriber=OuterRef("pk"), kind=Event.Kind.CUSTOM, name=self.event,
                occurred_at__gte=ctx.now - timedelta(days=self.days), occurred_at__lte=ctx.now,
            )
            .order_by().values("subscriber").annotate(n=Count("pk")).values("n")
        )
        count = Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
        return ramp_sql(AsFloat(count), self.ramp)

    @classmethod
    def load_facts(cls, rules: list["CustomEvent"], subscriber: Subscriber,
                   now: datetime) -> list[tuple[str, datetime]]:
        """``(name, occurred_at)`` of the events the rules count, within their longest window."""
        longest = max(rule.days for rule in rules)
        return list(
            Event.objects.filter(
                subscriber=subscriber, kind=Event.Kind.CUSTOM,
                name__in={rule.event for rule in rules},
                occurred_at__gte=now - timedelta(days=longest), occurred_at__lte=now,
            ).order_by().values_list("name", "occurred_at")
        )

    def measure(self, facts: Facts, now: datetime) -> int:
        start = now - timedelta(days=self.days)
        events = facts.of(self) or []
        return sum(1 for name, when in events if name == self.event and start <= when <= now)

    def measure_words(self, measure: int, loaded: Any) -> str:
        return ngettext(
            "did “%(event)s” %(n)s time in the last %(days)s days",
            "did “%(event)s” %(n)s times in the last %(days)s days", measure,
        ) % {"event": self.event, "n": measure, "days": self.days}
