"""Stored rules (StreamField JSON) into the plain-data tree of :mod:`.rules`.

:func:`rule_tree` accepts a saved ``Segment``, a ``StreamValue`` or the raw JSON list a
StreamField stores, so a live preview can evaluate rules that are not saved yet. Each block is
read by its registered kind (``Rule.parse``) with the helpers here; groups are read here.
"""

import json
import math
from collections.abc import Mapping
from typing import Any

from .registry import rule_kinds
from .rules import ALL, ANY, NONE, Group, Node, Ramp


class InvalidRules(ValueError):
    """Rules that cannot be read (not a list of blocks, an unknown block type, a bad number)."""


def number(value: Mapping[str, Any], key: str, default: float) -> float:
    """``value[key]`` as a finite float (``default`` when missing or None)."""
    raw = value.get(key, default)
    try:
        result = float(default if raw is None else raw)
    except (TypeError, ValueError):
        raise InvalidRules(f"{key} must be a number, not {raw!r}") from None
    if not math.isfinite(result):
        raise InvalidRules(f"{key} must be a finite number")
    return result


def whole_number(value: Mapping[str, Any], key: str, default: float, minimum: int = 1) -> int:
    """``value[key]`` as an int of at least ``minimum``."""
    result = int(number(value, key, default))
    if result < minimum:
        raise InvalidRules(f"{key} must be at least {minimum}")
    return result


#: Decimal places a ramp's ends are kept to (after scaling percent to a fraction).
RAMP_DIGITS = 9


def ramp(value: Mapping[str, Any], default: tuple[float, float], at_least: bool = True,
         scale: float = 1.0) -> Ramp:
    """The ramp of ``starts_at`` / ``full_at``, divided by ``scale`` (100 for percentages)."""
    start = number(value, "starts_at", default[0])
    full = number(value, "full_at", default[1])
    # Ends kept to 1e-9: finer differences mean nothing to an editor, and a ramp as narrow as
    # 1e-310 makes the SQL division overflow double precision (an error on PostgreSQL).
    return Ramp(round(start / scale, RAMP_DIGITS), round(full / scale, RAMP_DIGITS), at_least)


def strings(value: Any, lower: bool = False) -> tuple[str, ...]:
    """A list (or a comma-separated string) as sorted, distinct, stripped, non-empty strings."""
    if isinstance(value, str):
        value = value.split(",")
    items = (str(v).strip() for v in value or ())
    return tuple(sorted({v.lower() if lower else v for v in items if v}))


def _parse_items(items: Any) -> tuple[Node, ...]:
    if not isinstance(items, list | tuple):
        raise InvalidRules("rules must be a list of blocks")
    nodes = []
    for item in items:
        if not isinstance(item, Mapping) or "type" not in item:
            raise InvalidRules("each rule must be a block with a type and a value")
        kind, value = item["type"], item.get("value") or {}
        block_id = str(item.get("id") or "")
        node: Node | None
        if kind == "group":
            children = _parse_items(value.get("rules") or [])
            match = str(value["match"]) if value.get("match") in (ALL, ANY, NONE) else ALL
            node = Group(match=match, children=children, block_id=block_id) if children else None
        elif (rule_class := rule_kinds.get(kind)) is not None:
            node = rule_class.parse(value, block_id)
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
