"""Validation of events reported by the client script (``pushseg.track(name, properties)``)."""

import json
from dataclasses import dataclass
from typing import Any

from ..conf import pushseg_settings
from ..validation import EVENT_NAME, InvalidInput


#: Names the system records itself; a client must not forge them.
RESERVED = frozenset({"shown", "clicked", "dismissed", "custom"})
PAGE_VIEW = "page_view"


@dataclass(frozen=True)
class CleanEvent:
    name: str
    properties: dict[str, Any]
    page_id: int | None = None


def parse_event(data: Any) -> CleanEvent:
    if not isinstance(data, dict):
        raise InvalidInput("body", "expected a JSON object")
    name = data.get("event")
    if not isinstance(name, str) or not EVENT_NAME.match(name):
        raise InvalidInput(
            "event", "event must be a short slug: lower-case letters, digits, - and _, "
            "at most 64 characters, e.g. 'add_to_cart'"
        )
    if name in RESERVED:
        raise InvalidInput("event", f"'{name}' is recorded by the plugin itself")
    properties = data.get("properties", {})
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InvalidInput("properties", "properties must be a JSON object")
    size = len(json.dumps(properties, separators=(",", ":"), ensure_ascii=False).encode())
    limit = pushseg_settings.MAX_EVENT_PROPERTIES_BYTES
    if size > limit:
        raise InvalidInput("properties", f"properties are {size} bytes; the limit is {limit}")
    page_id = None
    if name == PAGE_VIEW:
        page_id = data.get("page")
        if not isinstance(page_id, int) or isinstance(page_id, bool) or page_id <= 0:
            raise InvalidInput("page", "a page_view needs the page's id as a positive integer")
    return CleanEvent(name=name, properties=properties, page_id=page_id)
