"""The plugin on the Wagtail home page: a summary item (active subscribers) and a panel with
subscribers, the last campaigns' click-through, open suggestions and, once wired, open drift
alerts.

The panel is for people who look after the audience: users with a permission on subscribers
or on segments. Ordinary editors hold campaign permissions out of the box (they compose
campaigns, migration 0005), so campaign permissions alone do not show it; inside the panel
each part also needs its own view permission (the campaigns' click-through: a campaign
permission). Users without them see neither the item nor the panel, and no number is computed
for them.
"""

from typing import Any

from django.urls import reverse
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.ui.components import Component

from ...insights.alerts import open_alerts
from ...insights.dashboard import last_campaigns, open_suggestion_count, subscriber_numbers
from ..permissions import (
    can_add_segments,
    can_view_campaigns,
    can_view_segments,
    can_view_subscribers,
)


#: The newest open drift alerts the home page lists (the rest are on the segments' pages).
DASHBOARD_ALERTS = 5


class SubscribersSummaryItem(SummaryItem):
    """"1,234 push subscribers" next to Wagtail's pages, images and documents counts."""

    order = 500
    template_name = "wagtail_pushseg/insights/summary_item.html"

    def is_shown(self) -> bool:
        return can_view_subscribers(self.request.user)

    def get_context_data(self, parent_context):
        return {
            "numbers": subscriber_numbers(),
            "url": reverse("wagtail_pushseg_subscribers:index"),
        }


class PushDashboardPanel(Component):
    name = "pushseg_dashboard"
    order = 150  # after Wagtail's site summary (100), before moderation and recent edits
    template_name = "wagtail_pushseg/insights/dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    @classmethod
    def for_request(cls, request) -> "PushDashboardPanel | None":
        user = request.user
        if can_view_subscribers(user) or can_view_segments(user):
            return cls(request)
        return None

    def get_context_data(self, parent_context):
        user = self.request.user
        context: dict[str, Any] = {"subscribers": None, "campaigns": None, "open_suggestions": None,
                   "can_add_segments": False,
                   # None: the section is not rendered (the user may not view segments).
                   "drift_alerts": None}
        if can_view_subscribers(user):
            context["subscribers"] = subscriber_numbers()
        if can_view_campaigns(user):
            context["campaigns"] = last_campaigns()
        if can_view_segments(user):
            context["open_suggestions"] = open_suggestion_count()
            context["drift_alerts"] = open_alerts(limit=DASHBOARD_ALERTS)
            context["can_add_segments"] = can_add_segments(user)
        return context


def add_summary_item(request, summary_items: list) -> None:
    summary_items.append(SubscribersSummaryItem(request))


def add_dashboard_panel(request, panels: list) -> None:
    panel = PushDashboardPanel.for_request(request)
    if panel is not None:
        panels.append(panel)
