"""Segments a page is for: those whose tag-interest rules name the page's tags.

A segment is suggested when one of its "interest in tags" rules (outside a "none" group, which
would mean *not* interested) shares a tag with the page. Suggestions are ranked by strength
(the share of the page's tags the segment's rules cover), then by audience (members).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..models import Segment
from ..segments.kinds.interests import TagInterest
from ..segments.parse import InvalidRules, rule_tree
from ..segments.rules import NONE, Group
from ..tracking.page_tags import page_tags


@dataclass(frozen=True)
class Suggestion:
    segment: Segment
    #: The page's tags the segment's rules name, sorted.
    matched_tags: tuple[str, ...]
    #: Share of the page's tags covered, in (0, 1].
    strength: float

    @property
    def audience(self) -> int:
        return self.segment.member_count


def interest_tags(group: Group, negated: bool = False) -> Iterator[str]:
    """Tags of the tag-interest rules that count *for* membership (not under "none")."""
    for node in group.children:
        if isinstance(node, Group):
            yield from interest_tags(node, negated != (node.match == NONE))
        elif isinstance(node, TagInterest) and not negated:
            yield from node.tags


def segment_tags(segment: Segment) -> set[str]:
    try:
        return set(interest_tags(rule_tree(segment)))
    except InvalidRules:
        return set()  # a segment with broken rules suggests nothing


def suggest_for_tags(tags: Iterable[str], segments: Iterable[Segment] | None = None,
                     limit: int | None = None) -> list[Suggestion]:
    """Active segments (or ``segments``) whose interest rules name any of ``tags``, best
    first."""
    wanted = {t.lower() for t in tags if t}
    if not wanted:
        return []
    if segments is None:
        segments = Segment.objects.filter(active=True)
    found = []
    for segment in segments:
        matched = wanted & segment_tags(segment)
        if matched:
            found.append(Suggestion(segment, tuple(sorted(matched)), len(matched) / len(wanted)))
    found.sort(key=lambda s: (-s.strength, -s.audience, s.segment.name.lower(), s.segment.pk))
    return found[:limit] if limit else found


def suggest_segments(page, limit: int | None = 6) -> list[Suggestion]:
    """Segments to target for ``page``, best first."""
    if page is None:
        return []
    return suggest_for_tags(page_tags(page), limit=limit)
