"""The public endpoints' JSON parser (api/strict_json.py) on its own."""

import pytest

from wagtail_pushseg.api.strict_json import MAX_DEPTH, InvalidJson, nesting_depth, parse


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_nesting_up_to_the_limit_parses_and_one_more_is_refused():
    assert parse(nested(MAX_DEPTH)) is not None
    with pytest.raises(InvalidJson, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse(nested(MAX_DEPTH + 1))


def test_a_body_of_950_nested_arrays_is_refused_without_recursion():
    with pytest.raises(InvalidJson, match="nested deeper"):
        parse(nested(950))


@pytest.mark.parametrize("text, depth", [
    ('{"a": "[[[[{{{{"}', 1),
    ('["\\"[[[", [1]]', 2),
    ('"[[["', 0),
    ('[{"a": [{}]}, []]', 4),
])
def test_brackets_inside_strings_do_not_count(text, depth):
    assert nesting_depth(text) == depth


def test_what_a_browser_sends_parses_unchanged():
    body = (b'{"endpoint": "https://fcm.googleapis.com/x", "expirationTime": null, '
            b'"keys": {"p256dh": "BN", "auth": "tB"}, "n": -1.5e3, "i": 12345678901234567890, '
            b'"emoji": "\\ud83d\\ude00", "t": true}')
    assert parse(body) == {
        "endpoint": "https://fcm.googleapis.com/x", "expirationTime": None,
        "keys": {"p256dh": "BN", "auth": "tB"}, "n": -1500.0, "i": 12345678901234567890,
        "emoji": "\U0001f600", "t": True,
    }
