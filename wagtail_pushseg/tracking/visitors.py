"""Who is this request? Only a visitor cookie that belongs to an active subscriber counts."""

import re
from functools import lru_cache

from django.http import HttpRequest

from ..conf import pushseg_settings
from ..models import Subscriber


_VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")


@lru_cache(maxsize=8)
def _bot_pattern(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def is_bot(request: HttpRequest) -> bool:
    user_agent = request.headers.get("User-Agent", "")
    return not user_agent or bool(
        _bot_pattern(pushseg_settings.BOT_USER_AGENT_PATTERN).search(user_agent)
    )


def visitor_id(request: HttpRequest) -> str | None:
    value = request.COOKIES.get(pushseg_settings.VISITOR_COOKIE_NAME, "")
    return value if _VISITOR_ID.match(value) else None


def subscriber_for(request: HttpRequest) -> Subscriber | None:
    """The active subscriber behind the visitor cookie, or None (nothing is then recorded)."""
    vid = visitor_id(request)
    if vid is None:
        return None
    return (
        Subscriber.objects.filter(visitor_id=vid, status=Subscriber.Status.ACTIVE)
        .order_by("-last_seen_at")
        .first()
    )
