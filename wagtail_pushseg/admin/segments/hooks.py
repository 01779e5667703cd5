"""Segment pieces for ``wagtail_hooks``: the audit-log action of a refresh, and the refusal to
delete a segment that other segments' rules are built on (single and bulk delete alike)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter

from ...models import Segment
from .members import URL
from .refresh import REFRESH_ACTION


class RefreshSegmentFormatter(LogFormatter):
    label = _("Refresh segment members")

    def format_message(self, log_entry) -> str:
        data = log_entry.data or {}
        return _("Members refreshed: %(members)s (%(entered)s joined, %(left)s left)") % {
            "members": data.get("members", "?"), "entered": data.get("entered", "?"),
            "left": data.get("left", "?"),
        }


def register_segment_log_actions(actions) -> None:
    actions.register_action(REFRESH_ACTION)(RefreshSegmentFormatter)


def refuse_deleting_used_segments(request: HttpRequest, instances) -> HttpResponse | None:
    """``before_delete_snippet``: segments other (remaining) segments read stay."""
    ids = {obj.pk for obj in instances if isinstance(obj, Segment)}
    if not ids:
        return None
    users = sorted(
        other.name for other in Segment.objects.exclude(pk__in=ids) if other.depends_on() & ids
    )
    if not users:
        return None
    messages.error(request, _(
        "Other segments are built on this one: %(names)s. Change their rules first."
    ) % {"names": ", ".join(f"“{name}”" for name in users)})
    return redirect(reverse(URL % "list"))
