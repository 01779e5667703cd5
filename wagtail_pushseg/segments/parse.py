"""Stored rules (StreamField JSON) into the plain-data tree of :mod:`.rules`.

:func:`rule_tree` accepts a saved ``Segment``, a ``StreamValue`` or the raw JSON list a
StreamField stores, so a live preview can evaluate rules that are not saved yet. Percentages an
editor types (sale share, click-through) become fractions here; defaults are the blocks'.
"""

import json
import math
from collections.abc import Mapping
from typing import Any

from .rules import (
    ALL,
    ANY,
    NONE,
    AttributeRule,
    Browser,
    ClickedRecently,
    ClickThrough,
    CustomEvent,
    Group,
    IgnoredPushes,
    Language,
    Lapsed,
    MeasureRule,
    MemberOf,
    Node,
    Platform,
    Ramp,
    RecentVisit,
    Rule,
    SaleShare,
    SubscriptionAge,
    TagInterest,
    TimeZone,
    VisitRegularity,
)


class InvalidRules(ValueError):
    """Rules that cannot be read (not a list of blocks, an unknown block type, a bad number)."""


def _number(value: Mapping[str, Any], key: str, default: float) -> float:
    raw = value.get(key, default)
    try:
        number = float(default if raw is None else raw)
    except (TypeError, ValueError):
        raise InvalidRules(f"{key} must be a number, not {raw!r}") from None
    if not math.isfinite(number):
        raise InvalidRules(f"{key} must be a finite number")
    return number


#: Decimal places a ramp's ends are kept to (after scaling percent to a fraction).
RAMP_DIGITS = 9


def _ramp(value: Mapping[str, Any], default: tuple[float, float], at_least: bool = True,
          scale: float = 1.0) -> Ramp:
    start = _number(value, "starts_at", default[0])
    full = _number(value, "full_at", default[1])
    # Ends kept to 1e-9: finer differences mean nothing to an editor, and a ramp as narrow as
    # 1e-310 makes the SQL division overflow double precision (an error on PostgreSQL).
    return Ramp(round(start / scale, RAMP_DIGITS), round(full / scale, RAMP_DIGITS), at_least)


def _strings(value: Any, lower: bool = False) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    items = (str(v).strip() for v in value or ())
    return tuple(sorted({v.lower() if lower else v for v in items if v}))


def _measure(cls: type[MeasureRule], default: tuple[float, float], at_least: bool = True,
             scale: float = 1.0):
    def parse(value: Mapping[str, Any], block_id: str) -> MeasureRule:
        return cls(ramp=_ramp(value, default, at_least, scale), block_id=block_id)

    return parse


def _tag_interest(value: Mapping[str, Any], block_id: str) -> Rule | None:
    tags = _strings(value.get("tags"), lower=True)
    match = ALL if value.get("match") == ALL else ANY
    ramp = _ramp(value, (1, 3))
    return TagInterest(tags=tags, match=match, ramp=ramp, block_id=block_id) if tags else None


def _visit_regularity(value: Mapping[str, Any], block_id: str) -> Rule:
    weeks = int(_number(value, "weeks", 8))
    if weeks < 1:
        raise InvalidRules("weeks must be at least 1")
    return VisitRegularity(weeks=weeks, ramp=_ramp(value, (2, 6)), block_id=block_id)


def _custom_event(value: Mapping[str, Any], block_id: str) -> Rule | None:
    event = str(value.get("event") or "").strip()
    days = int(_number(value, "days", 30))
    if days < 1:
        raise InvalidRules("days must be at least 1")
    ramp = _ramp(value, (1, 1))
    return CustomEvent(event=event, days=days, ramp=ramp, block_id=block_id) if event else None


def _attribute(cls: type[AttributeRule], key: str, lower: bool, trim: str = ""):
    def parse(value: Mapping[str, Any], block_id: str) -> Rule | None:
        values = tuple(sorted({v.rstrip(trim) for v in _strings(value.get(key), lower=lower)}))
        values = tuple(v for v in values if v)
        return cls(values=values, block_id=block_id) if values else None

    return parse


def _member_of(value: Mapping[str, Any], block_id: str) -> Rule | None:
    segment = value.get("segment")
    if segment in (None, ""):
        return None
    segment = getattr(segment, "pk", segment)
    try:
        return MemberOf(segment_id=int(segment), block_id=block_id)
    except (TypeError, ValueError):
        raise InvalidRules(f"segment must be an id, not {segment!r}") from None


_PARSERS = {
    "tag_interest": _tag_interest,
    "visit_regularity": _visit_regularity,
    "recent_visit": _measure(RecentVisit, (30, 7), at_least=False),
    "lapsed": _measure(Lapsed, (30, 60)),
    "sale_share": _measure(SaleShare, (30, 60), scale=100.0),
    "click_through": _measure(ClickThrough, (5, 20), scale=100.0),
    "clicked_recently": _measure(ClickedRecently, (30, 7), at_least=False),
    "ignored_pushes": _measure(IgnoredPushes, (3, 6)),
    "subscription_age": _measure(SubscriptionAge, (30, 90)),
    "custom_event": _custom_event,
    "browser": _attribute(Browser, "browsers", lower=False),
    "platform": _attribute(Platform, "platforms", lower=False),
    "language": _attribute(Language, "languages", lower=True, trim="-"),
    "time_zone": _attribute(TimeZone, "zones", lower=True, trim="/"),
    "member_of": _member_of,
}

#: Every rule block type the parser understands (groups aside).
RULE_TYPES = tuple(_PARSERS)


def _parse_items(items: Any) -> tuple[Node, ...]:
    if not isinstance(items, list | tuple):
        raise InvalidRules("rules must be a list of blocks")
    nodes = []
    for item in items:
        if not isinstance(item, Mapping) or "type" not in item:
            raise InvalidRules("each rule must be a block with a type and a value")
        kind, value = item["type"], item.get("value") or {}
        block_id = str(item.get("id") or "")
        if kind == "group":
            children = _parse_items(value.get("rules") or [])
            match = value.get("match") if value.get("match") in (ALL, ANY, NONE) else ALL
            node = Group(match=match, children=children, block_id=block_id) if children else None
        elif kind in _PARSERS:
            node = _PARSERS[kind](value, block_id)
        else:
            raise InvalidRules(f"unknown rule type {kind!r}")
        if node is not None:
            nodes.append(node)
    return tuple(nodes)


def rule_tree(rules: Any) -> Group:
    """The rules as a tree of plain data, rooted in an implicit "all" group.

    ``rules`` may be a ``Segment``, a ``StreamValue``, the raw JSON list of blocks (or its
    string), or an already parsed :class:`Group`.
    """
    if isinstance(rules, Group):
        return rules
    if hasattr(rules, "rules") and not isinstance(rules, list | tuple | str):
        rules = rules.rules  # a Segment
    if isinstance(rules, str):
        try:
            rules = json.loads(rules or "[]")
        except ValueError as error:
            raise InvalidRules(f"rules are not JSON: {error}") from None
    if hasattr(rules, "get_prep_value"):  # a StreamValue, saved or fresh from a form
        rules = rules.get_prep_value()
    return Group(match=ALL, children=_parse_items([] if rules is None else rules))
