"""The one base64url helper of the plugin: strict on the way in, and used everywhere."""

import os
import re
from pathlib import Path

import pytest

from wagtail_pushseg import base64url


PACKAGE = Path(base64url.__file__).parent


@pytest.mark.parametrize("size", range(0, 34))
def test_round_trip_with_and_without_padding(size):
    data = os.urandom(size)
    text = base64url.encode(data)
    assert "=" not in text
    assert base64url.decode(text) == data
    assert base64url.decode(text + "=" * (-len(text) % 4)) == data


@pytest.mark.parametrize("text, message", [
    ("ab%%cd", "alphabet"), ("a+b/", "alphabet"), (" YQ", "alphabet"), ("YQ\n", "alphabet"),
    ("YQ===", "alphabet"), ("Y=Q", "alphabet"), ("abcde", "4n\\+1"), ("YQ=", "padding"),
    ("abcd=", "padding"), ("YR", "bits"), ("ab==", "bits"), (None, "alphabet"),
])
def test_anything_but_canonical_base64url_is_refused(text, message):
    with pytest.raises(base64url.Base64urlError, match=message):
        base64url.decode(text)


def test_no_other_module_of_the_plugin_spells_base64url_itself():
    """The sandbox (testing/) stands for a push service and imports nothing from the plugin:
    it keeps its own copy."""
    own = re.compile(r"urlsafe_b64(en|de)code")
    found = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
             if own.search(path.read_text()) and path.name != "base64url.py"
             and "testing" not in path.parts]
    assert found == []
