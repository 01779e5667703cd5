"""The composer's live helpers: the audience preview (JSON) and segment suggestions (HTML),
for users who may compose campaigns (a refusal is a JSON 403: ``fetch()`` reads them)."""

from django.http import HttpRequest, JsonResponse
from django.template.response import TemplateResponse
from django.views import View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...campaigns.audience import preview
from ...campaigns.planning import audience_from_ids
from ...campaigns.suggestions import suggest_segments
from ...models import Campaign
from ..json_refusal import JSONRefusalMixin
from ..permissions import EDIT, RegisteredPolicy
from .prefill import page_by_id


#: More targets than this are not previewed (the query grows with each).
MAX_TARGETS = 20


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values[:MAX_TARGETS]:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


class ComposerHelperView(JSONRefusalMixin, PermissionCheckedMixin, View):
    """Only for users who may add or change campaigns."""

    permission_policy = RegisteredPolicy(Campaign)
    any_permission_required = EDIT
    refusal = "permission denied"


class AudiencePreviewView(ComposerHelperView):
    """``?segment=<id>`` repeated in priority order, ``exclude=<id>`` repeated, ``focus``,
    ``min_degree``: reach per target, the unique total and the pairwise overlaps."""

    def get(self, request: HttpRequest) -> JsonResponse:
        focus = request.GET.get("focus")
        if focus not in Campaign.Focus.values:
            focus = Campaign.Focus.PRIORITY
        try:
            min_degree = float(request.GET["min_degree"])
        except (KeyError, ValueError):
            min_degree = None
        if min_degree is not None and not 0 < min_degree <= 1:
            return JsonResponse({"error": "min_degree must be above 0 and at most 1"},
                                status=400)
        audience = audience_from_ids(_ids(request.GET.getlist("segment")),
                                     _ids(request.GET.getlist("exclude")), focus, min_degree)
        return JsonResponse(preview(audience).as_json())


class SuggestionsView(ComposerHelperView):
    """``?page=<id>``: the suggested segments for the page, as the composer shows them."""

    def get(self, request: HttpRequest) -> TemplateResponse:
        page = page_by_id(request.GET.get("page"))
        return TemplateResponse(request, "wagtail_pushseg/campaigns/suggestions.html",
                                {"suggestions": suggest_segments(page), "page": page})
