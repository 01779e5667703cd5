"""Shapes of input the package accepts from browsers and from editors alike, and the one error
for input that does not fit them.

The public API (subscribe, track) and the rule blocks check the same things: an event name
the script may report is one a segment rule may count, and a language tag a browser sends is
one a "language" rule may name.
"""

import re


#: A custom event's name: a short lower-case slug, e.g. ``add_to_cart``.
EVENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: A BCP 47 language tag as browsers send it: ``de``, ``en-GB``, ``zh-Hant-TW``.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")


class InvalidInput(ValueError):
    """Submitted data that is unusable; ``field`` names the offending part (the API answers
    400 with the message and the field)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)
