"""Segments: a rule that reads the subscriber's stored degree in another segment."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.db.models import Expression, FloatField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ...models import Membership, Segment, Subscriber
from ...sql import Float
from ..block_fields import RuleBlock, SegmentChooserBlock
from ..compiler import SqlContext
from ..parse import InvalidRules
from ..reference import Facts
from ..registry import rule_kinds
from ..rules import Rule


class MemberOfBlock(RuleBlock):
    segment = SegmentChooserBlock(label=_("Segment"))

    class Meta:
        label = _("Member of another segment")
        icon = "group"
        group = _("Segments")
        help_text = _(
            "Counts as strongly as the subscriber belongs to that segment (as of its last "
            "refresh); not a member: does not count."
        )


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class MemberOf(Rule):
    """The subscriber's stored degree in another segment (0 when not a member)."""

    kind: ClassVar[str] = "member_of"
    block = MemberOfBlock
    segment_id: int

    @classmethod
    def parse(cls, value: Mapping[str, Any], block_id: str) -> Rule | None:
        segment = value.get("segment")
        if segment in (None, ""):
            return None
        segment = getattr(segment, "pk", segment)
        try:
            return cls(segment_id=int(segment), block_id=block_id)
        except (TypeError, ValueError):
            raise InvalidRules(f"segment must be an id, not {segment!r}") from None

    def segment_ids(self) -> frozenset[int]:
        return frozenset({self.segment_id})

    def sql(self, ctx: SqlContext) -> Expression:
        degree = Membership.objects.filter(
            segment_id=self.segment_id, subscriber=OuterRef("pk")
        ).values("degree")
        return Coalesce(Subquery(degree, output_field=FloatField()), Float(0.0))

    @classmethod
    def load_facts(cls, rules: list["MemberOf"], subscriber: Subscriber,
                   now: datetime) -> dict[int, float]:
        """``{segment id: stored degree}`` for the segments the rules read."""
        return dict(
            Membership.objects.filter(
                subscriber=subscriber, segment_id__in={rule.segment_id for rule in rules}
            ).values_list("segment_id", "degree")
        )

    def measure(self, facts: Facts, now: datetime) -> float | None:
        return (facts.of(self) or {}).get(self.segment_id)

    def degree(self, measure: float | None) -> float:
        return 0.0 if measure is None else measure

    @classmethod
    def load_words(cls, rules: list["MemberOf"]) -> dict[int, str]:
        """The names of the segments the rules read."""
        pks = {rule.segment_id for rule in rules}
        return dict(Segment.objects.filter(pk__in=pks).values_list("pk", "name"))

    def words(self, measure: float | None, loaded: dict[int, str]) -> str:
        name = loaded.get(self.segment_id, gettext("a deleted segment"))
        if measure is None:
            return gettext("not a member of “%(name)s”") % {"name": name}
        return gettext("member of “%(name)s” with degree %(degree)s") % {
            "name": name, "degree": f"{measure:.2f}",
        }
