"""The notification payload the service worker shows, and the size it must fit."""

import json
from typing import Any


#: RFC 8291 leaves 4096 - 86 (header) - 16 (tag) - 1 (padding delimiter) bytes of plaintext.
MAX_PLAINTEXT_BYTES = 3993


class PayloadTooLarge(ValueError):
    def __init__(self, size: int):
        self.size = size
        self.excess = size - MAX_PLAINTEXT_BYTES
        super().__init__(
            f"the notification is {size} bytes; at most {MAX_PLAINTEXT_BYTES} fit in a push "
            f"(cut {self.excess} bytes)"
        )


def build_payload(
    *,
    title: str,
    body: str = "",
    url: str = "",
    icon: str = "",
    image: str = "",
    badge: str = "",
    tag: str = "",
    actions: list[dict[str, str]] | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON object the service worker turns into ``showNotification(title, options)``."""
    payload: dict[str, Any] = {"title": title, "body": body, "url": url}
    for key, value in (("icon", icon), ("image", image), ("badge", badge), ("tag", tag)):
        if value:
            payload[key] = value
    if actions:
        payload["actions"] = actions
    if data:
        payload["data"] = data
    return payload


def encode_payload(payload: dict[str, Any] | bytes | str, *, check: bool = True) -> bytes:
    """Compact UTF-8 JSON, checked against the size a push can carry (unless ``check`` is
    off: a template checks its size with the longest token spliced in)."""
    if isinstance(payload, bytes):
        raw = payload
    elif isinstance(payload, str):
        raw = payload.encode("utf-8")
    else:
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if check and len(raw) > MAX_PLAINTEXT_BYTES:
        raise PayloadTooLarge(len(raw))
    return raw
