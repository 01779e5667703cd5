"""Base64url (RFC 4648 §5) as Web Push writes it: the URL-safe alphabet, padding optional.

Strict on the way in. Python's ``base64`` decoders skip characters outside the alphabet, so
``"BNcR%%dre…"`` decodes to the same key as ``"BNcRdre…"``, and accept several spellings of the
same bytes (trailing bits that are not zero); a key is then stored, compared and signed in a
form the browser never sent. Here only the canonical spelling decodes.

The push sandbox (``wagtail_pushseg.testing``) keeps its own tolerant copy: it stands for a push
service and imports nothing from the plugin.
"""

import base64
import binascii
import re


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class Base64urlError(ValueError):
    """Not canonical base64url; the message says how."""


def encode(data: bytes) -> str:
    """Base64url without padding (the Web Push convention)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """The bytes ``text`` spells, or :class:`Base64urlError`: only ``A-Z a-z 0-9 - _``, then
    padding that is either absent or right, and no stray bits in the last character."""
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text):
        raise Base64urlError("only the base64url alphabet (A-Z a-z 0-9 - _) is allowed")
    bare = text.rstrip("=")
    if len(bare) % 4 == 1:
        raise Base64urlError(f"{len(bare)} characters (4n+1) is never a base64url length")
    if bare != text and len(text) % 4:
        raise Base64urlError("wrong padding: leave it out, or pad to a multiple of 4")
    try:
        data = base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except binascii.Error as exc:  # not reached after the checks above; kept as a guard
        raise Base64urlError(str(exc)) from None
    if encode(data) != bare:
        raise Base64urlError("the last character has bits set that encode nothing")
    return data
