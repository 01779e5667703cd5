"""Refresh a segment's members on demand: a confirmation page (GET) and the refresh (POST),
logged in Wagtail's audit log as ``wagtail_pushseg.refresh_segment``.

The refresh runs in the request: it is a handful of set-wise statements (seconds for a million
subscribers, see ``docs/benchmarks.md``), so the editor sees the new members at once.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.log_actions import log

from ...models import Segment
from ...segments.refresh import RefreshResult, refresh_segment
from ..permissions import RegisteredPolicy
from .members import URL, SegmentBreadcrumbsMixin


REFRESH_ACTION = "wagtail_pushseg.refresh_segment"


def refresh_and_log(segment: Segment, user) -> RefreshResult:
    """Refresh ``segment`` now and record who did it, with what came of it."""
    result = refresh_segment(segment)
    log(segment, REFRESH_ACTION, user=user, data={
        "members": result.members, "entered": result.entered, "left": result.left,
        "seconds": round(result.seconds, 3),
    })
    return result


class SegmentRefreshView(PermissionCheckedMixin, SegmentBreadcrumbsMixin,
                         WagtailAdminTemplateMixin, TemplateView):
    """Needs the ``change`` permission on segments, on GET and POST."""

    permission_policy = RegisteredPolicy(Segment)
    permission_required = "change"
    template_name = "wagtail_pushseg/segments/refresh.html"
    page_title = _("Refresh members")
    header_icon = "rotate"

    def get_page_subtitle(self) -> str:
        return str(self.segment)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            segment=self.segment, uses=self.segment.depends_on(), **kwargs
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        result = refresh_and_log(self.segment, request.user)
        messages.success(request, _(
            "“%(name)s” refreshed: %(members)s members (%(entered)s joined, %(left)s left)."
        ) % {"name": self.segment.name, "members": result.members, "entered": result.entered,
             "left": result.left})
        return redirect(reverse(URL % "members", args=[self.segment.pk]))
