"""The sandbox's "device inbox": a small auto-refreshing HTML page of received notifications."""

from __future__ import annotations

import time
from html import escape
from typing import Any

from .models import ReceivedMessage, Subscription


REFRESH_SECONDS = 3

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{refresh}">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; background: #f4f4f6; color: #222; }}
h1 {{ font-size: 1.4rem; }} .muted {{ color: #666; font-size: .85rem; }}
section {{ background: #fff; border-radius: 8px; padding: .8rem 1rem; margin: 0 0 1rem;
  box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
section h2 {{ font-size: .9rem; margin: 0 0 .5rem; word-break: break-all; }}
ol {{ list-style: none; margin: 0; padding: 0; }}
li {{ border-top: 1px solid #eee; padding: .5rem 0; }}
.title {{ font-weight: 600; }} .body {{ margin: .2rem 0; white-space: pre-wrap; }}
.tag {{ display: inline-block; background: #e6eefc; border-radius: 4px; padding: 0 .35rem;
  margin-right: .3rem; font-size: .8rem; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="muted">{summary} Refreshes every {refresh}s.
JSON: <a href="{json_href}">{json_href}</a></p>
{sections}
</body></html>
"""


def notification_fields(msg: ReceivedMessage) -> dict[str, str]:
    """Title, body and url from a payload (top level, ``notification`` or ``data``)."""
    data = msg.parsed
    if not isinstance(data, dict):
        return {"title": "", "body": msg.text, "url": ""}
    sources: list[dict[str, Any]] = [data]
    for nested in ("notification", "data"):
        if isinstance(data.get(nested), dict):
            sources.append(data[nested])

    def pick(name: str) -> str:
        for src in sources:
            value = src.get(name)
            if value not in (None, ""):
                return str(value)
        return ""

    return {"title": pick("title"), "body": pick("body"), "url": pick("url")}


def _fmt_time(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _render_message(msg: ReceivedMessage) -> str:
    fields = notification_fields(msg)
    url = fields["url"]
    link = ""
    if url:
        # Only link web URLs, so a payload cannot inject javascript: links.
        if url.startswith(("http://", "https://", "/")):
            link = f'<div><a href="{escape(url)}">{escape(url)}</a></div>'
        else:
            link = f"<div>{escape(url)}</div>"
    tags = [
        f'<span class="tag">{escape(msg.urgency)}</span>',
        f'<span class="tag">TTL {msg.ttl}</span>',
    ]
    if msg.topic:
        tags.append(f'<span class="tag">topic {escape(msg.topic)}</span>')
    return (
        "<li>"
        f'<div class="title">{escape(fields["title"]) or "(no title)"}</div>'
        f'<div class="body">{escape(fields["body"])}</div>'
        f"{link}"
        f'<div class="muted">{escape(_fmt_time(msg.received_at))} {"".join(tags)}</div>'
        "</li>"
    )


def _render_subscription(sub: Subscription) -> str:
    items = "".join(_render_message(m) for m in sub.inbox())
    return (
        f'<section id="sub-{escape(sub.id)}"><h2>Device {escape(sub.id)}</h2>'
        f'<div class="muted">{escape(sub.endpoint)} - {len(sub.messages)} received</div>'
        f"<ol>{items}</ol></section>"
    )


def render_inbox(
    subscriptions: list[Subscription],
    title: str = "Push sandbox inbox",
    json_href: str = "/inbox.json",
) -> str:
    """The whole page; devices with the newest notification first."""
    with_msgs = [s for s in subscriptions if s.messages]
    with_msgs.sort(key=lambda s: s.messages[-1].received_at, reverse=True)
    idle = len(subscriptions) - len(with_msgs)
    summary = f"{len(subscriptions)} subscription(s); {len(with_msgs)} with notifications" + (
        f", {idle} still empty." if idle else "."
    )
    sections = "".join(_render_subscription(s) for s in with_msgs)
    if not sections:
        sections = '<p class="muted">No notifications received yet.</p>'
    return _PAGE.format(
        refresh=REFRESH_SECONDS,
        title=escape(title),
        summary=escape(summary),
        json_href=escape(json_href),
        sections=sections,
    )


def subscription_json(sub: Subscription, request_count: int) -> dict[str, Any]:
    """JSON view of one device: visible inbox (newest first) and full log (oldest first)."""
    return {
        "id": sub.id,
        "endpoint": sub.endpoint,
        "application_server_key": sub.application_server_key,
        "created_at": sub.created_at,
        "request_count": request_count,
        "inbox": [m.to_dict() for m in sub.inbox()],
        "messages": [m.to_dict() for m in sub.messages],
    }
