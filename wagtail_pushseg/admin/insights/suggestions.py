"""Suggested segments in the admin: the groups no active segment covers, each with its size,
growth and overlap (a bar chart), a "Create draft segment" and a "Dismiss" button.

Only for users who may add segments (the suggestions exist to become segments); everybody
else gets 403 on every view, and no menu item.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.log_actions import log

from ...insights.suggested_segments import THRESHOLD
from ...models import Segment, SegmentSuggestion
from ...segments.services import create_segment
from ..breadcrumbs import breadcrumbs
from ..charts import bar_chart, series
from ..permissions import RegisteredPolicy, can_add_segments
from ..segments.members import URL as SEGMENT_URL


NAMESPACE = "wagtail_pushseg_suggestions"
URL = NAMESPACE + ":%s"
#: Log actions (registered in ``wagtail_hooks``).
ACCEPT_ACTION = "wagtail_pushseg.accept_suggestion"
DISMISS_ACTION = "wagtail_pushseg.dismiss_suggestion"


def overlap_chart(suggestion: SegmentSuggestion) -> dict:
    """Group members in no segment, then in each overlapping segment."""
    labels = [_t("In no segment")] + [o["name"] for o in suggestion.overlaps]
    values = [suggestion.uncovered] + [o["members"] for o in suggestion.overlaps]
    return bar_chart(labels, [series(_t("Subscribers of the group"), values)],
                     y_label=_t("Subscribers"))


class SuggestionsIndexView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    permission_policy = RegisteredPolicy(Segment)
    permission_required = "add"

    template_name = "wagtail_pushseg/insights/suggestions.html"
    page_title = _("Suggested segments")
    header_icon = "pick"

    def get_breadcrumbs_items(self):
        return breadcrumbs(self, (reverse(SEGMENT_URL % "list"), _("Segments")))

    def get_context_data(self, **kwargs):
        show_dismissed = self.request.GET.get("status") == "dismissed"
        status = (SegmentSuggestion.Status.DISMISSED if show_dismissed
                  else SegmentSuggestion.Status.OPEN)
        suggestions = list(SegmentSuggestion.objects.filter(status=status))
        for suggestion in suggestions:
            suggestion.chart = overlap_chart(suggestion)  # type: ignore[attr-defined]  # for the template
        return super().get_context_data(
            suggestions=suggestions, show_dismissed=show_dismissed,
            dismissed_count=SegmentSuggestion.objects.filter(
                status=SegmentSuggestion.Status.DISMISSED).count(),
            **kwargs,
        )


def _free_slug(name: str) -> str:
    base = slugify(name)[:90] or "suggested-segment"
    taken = set(Segment.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class CreateDraftView(PermissionCheckedMixin, View):
    """POST: an inactive segment with the suggestion's rules, then its edit page."""

    permission_policy = RegisteredPolicy(Segment)
    permission_required = "add"

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        suggestion = get_object_or_404(SegmentSuggestion, pk=pk)
        if suggestion.status == SegmentSuggestion.Status.ACCEPTED and suggestion.segment_id:
            # A second click (or a second editor) opens the draft made the first time.
            return redirect(SEGMENT_URL % "edit", suggestion.segment_id)
        try:
            with transaction.atomic():
                segment = create_segment(
                    user=request.user, name=suggestion.name, slug=_free_slug(suggestion.name),
                    description=suggestion.explanation, rules=suggestion.rules,
                    threshold=THRESHOLD, active=False,
                )
                suggestion.status = SegmentSuggestion.Status.ACCEPTED
                suggestion.decided_at = timezone.now()
                suggestion.decided_by = request.user  # type: ignore[assignment]  # signed in
                suggestion.segment = segment
                suggestion.save(update_fields=["status", "decided_at", "decided_by", "segment"])
                log(segment, ACCEPT_ACTION, user=request.user, data={
                    "suggestion": suggestion.key, "explanation": suggestion.explanation,
                })
        except ValidationError as error:
            messages.error(request, _t("The draft segment could not be made: %(error)s")
                           % {"error": "; ".join(error.messages)})
            return redirect(URL % "index")
        messages.success(request, _t(
            "Draft segment “%(name)s” created, inactive: check its rules, refresh its members, "
            "then make it active."
        ) % {"name": segment.name})
        return redirect(SEGMENT_URL % "edit", segment.pk)


class DismissView(PermissionCheckedMixin, View):
    """POST: the suggestion stays dismissed, even when the daily refresh finds it again."""

    permission_policy = RegisteredPolicy(Segment)
    permission_required = "add"

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        suggestion = get_object_or_404(
            SegmentSuggestion, pk=pk, status=SegmentSuggestion.Status.OPEN
        )
        with transaction.atomic():
            suggestion.status = SegmentSuggestion.Status.DISMISSED
            suggestion.decided_at = timezone.now()
            suggestion.decided_by = request.user  # type: ignore[assignment]  # signed in
            suggestion.save(update_fields=["status", "decided_at", "decided_by"])
            log(suggestion, DISMISS_ACTION, user=request.user,
                data={"suggestion": suggestion.key})
        messages.success(request, _t("Suggestion “%(name)s” dismissed.")
                         % {"name": suggestion.name})
        return redirect(URL % "index")


class SuggestionsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_add_segments(request.user)


class SegmentSuggestionViewSet(ViewSet):
    name = NAMESPACE
    url_prefix = "pushseg/segment-suggestions"
    icon = "pick"
    menu_label = _("Suggested segments")
    menu_item_class = SuggestionsMenuItem

    def get_urlpatterns(self):
        return [
            path("", SuggestionsIndexView.as_view(), name="index"),
            path("<int:pk>/create-draft/", CreateDraftView.as_view(), name="create_draft"),
            path("<int:pk>/dismiss/", DismissView.as_view(), name="dismiss"),
        ]
