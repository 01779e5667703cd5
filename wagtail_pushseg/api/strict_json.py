"""JSON as the public endpoints accept it: what a browser's ``JSON.stringify`` sends, and
nothing that the standard parser takes but the rest of the plugin cannot.

Python's ``json`` module parses a body of a few hundred nested brackets by recursion
(``RecursionError``, a 500 page), reads ``NaN`` and ``Infinity``, turns ``1e999999`` into
``inf``, raises ``ValueError`` on integers of more than 4,300 digits, lets a later duplicate
key silently win, and passes lone surrogates (``"\\ud800"``) that no database can store as
text. Each is refused here with a message saying what is wrong.
"""

import json
import math
import re
from typing import Any


#: Deepest nesting of arrays and objects accepted. A subscription is 2 levels deep and a
#: custom event's properties a few more; the limit stays far below the parser's recursion.
MAX_DEPTH = 32
#: Longest integer literal accepted (a 64-bit integer has at most 20 digits).
MAX_INTEGER_DIGITS = 40

# Strings (escapes included) are removed before counting brackets: a "[" inside one is text.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidJson(ValueError):
    """The body is not JSON we accept; the message says why."""


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text``, counted without recursion."""
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        shown = literal if len(literal) <= 20 else literal[:20] + "…"
        raise InvalidJson(f"number {shown} is too large")
    return value


def _bounded_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise InvalidJson(f"an integer has {digits} digits; at most {MAX_INTEGER_DIGITS} "
                          "are accepted")
    return int(literal)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise InvalidJson(f"key {key[:40]!r} appears twice in one object")
            seen.add(key)
    return result


def _check_text(value: Any) -> None:
    """Refuse lone surrogates in any string, key or value (depth is bounded already)."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise InvalidJson("a string holds a lone surrogate (\\ud800-\\udfff), not text")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def parse(raw: bytes) -> Any:
    """The value of a UTF-8 JSON body, or :class:`InvalidJson`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJson(f"body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise InvalidJson("body is empty")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise InvalidJson(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(
            text, parse_constant=_refuse_constant, parse_float=_finite_float,
            parse_int=_bounded_int, object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"body is not valid JSON ({exc})") from None
    except RecursionError:  # cannot happen below MAX_DEPTH; kept as a last guard
        raise InvalidJson(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    _check_text(value)
    return value
