"""The live preview while editing a segment: members at the threshold, a histogram of degrees
and a sample of members, computed from the form's current (unsaved) rules by the compiler.

The editor's ``pushseg-segment-preview`` controller posts the whole segment form to
:class:`SegmentPreviewView` (debounced, on every change); nothing is saved.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.panels import Panel
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...models import Segment, Subscriber
from ...segments.parse import InvalidRules, rule_tree
from ...segments.preview import histogram, members_queryset
from ..permissions import EDIT, RegisteredPolicy, can_edit_segments


CSS: dict[str, Sequence[str]] = {"all": ["wagtail_pushseg/admin/segment-admin.css"]}
JS = ["wagtail_pushseg/admin/segment-preview.js"]

#: Members shown from each end of the range (the strongest, and those just reaching it).
SAMPLE = 5
#: Bars in the histogram of degrees.
BINS = 10


@dataclass
class Bar:
    low: float
    high: float
    count: int
    #: The bar's height relative to the tallest, 0..1.
    share: float
    #: "member" (the whole bin reaches the threshold), "partly", or "".
    reach: str


@dataclass
class Preview:
    threshold: float
    members: int = 0
    active: int = 0
    bars: list[Bar] = field(default_factory=list)
    sample: list[Subscriber] = field(default_factory=list)
    #: Some rules did not pass their checks; they were read as they are.
    incomplete: bool = False
    error: str = ""

    def as_json(self) -> dict:
        return {
            "threshold": self.threshold, "members": self.members, "active": self.active,
            "histogram": [{"low": b.low, "high": b.high, "count": b.count} for b in self.bars],
            "sample": [
                {"subscriber": s.pk, "degree": s.degree}  # type: ignore[attr-defined]  # annotated
                for s in self.sample
            ],
            "incomplete": self.incomplete, "error": self.error,
        }


def rules_from_form(data: QueryDict):
    """The segment form's rules as a StreamValue, and whether they failed their checks."""
    block = Segment._meta.get_field("rules").stream_block  # type: ignore[union-attr]  # StreamField
    try:
        value = block.value_from_datadict(data, {}, "rules")
    except (KeyError, ValueError, TypeError):
        raise InvalidRules("the form has no readable rules") from None
    try:
        return block.clean(value), False
    except ValidationError:
        return value, True


def threshold_from_form(data: QueryDict) -> float | None:
    try:
        threshold = float(data.get("threshold", ""))
    except ValueError:
        return None
    return threshold if 0 < threshold <= 1 else None


def compute_preview(rules, threshold: float, now: datetime | None = None) -> Preview:
    """Counts, histogram and sample for ``rules`` at ``threshold`` (four queries)."""
    tree = rule_tree(rules)
    preview = Preview(threshold=threshold, active=Subscriber.objects.active().count())
    members = members_queryset(tree, threshold, now)
    preview.members = members.count()
    bins = histogram(tree, BINS, now)
    tallest = max((b.count for b in bins), default=0) or 1
    for b in bins:
        reach = "member" if b.low >= threshold else "partly" if b.high > threshold else ""
        preview.bars.append(Bar(b.low, b.high, b.count, b.count / tallest, reach))
    ordered = members.order_by("-degree", "pk")
    if preview.members <= 2 * SAMPLE:
        preview.sample = list(ordered)
    else:
        weakest = list(members.order_by("degree", "-pk")[:SAMPLE])
        preview.sample = list(ordered[:SAMPLE]) + weakest[::-1]
    return preview


class SegmentPreviewView(PermissionCheckedMixin, View):
    """POST the segment form: JSON with the numbers and the preview's HTML. Users who may add
    or change segments only."""

    permission_policy = RegisteredPolicy(Segment)
    any_permission_required = EDIT
    http_method_names = ["post"]
    template_name = "wagtail_pushseg/segments/preview_results.html"

    def post(self, request: HttpRequest) -> JsonResponse:
        threshold = threshold_from_form(request.POST)
        preview = Preview(threshold=threshold or 0.5)
        if threshold is None:
            preview.error = str(_("Set a threshold above 0 and at most 1 to see a preview."))
        else:
            try:
                rules, incomplete = rules_from_form(request.POST)
                preview = compute_preview(rules, threshold)
                preview.incomplete = incomplete
            except (InvalidRules, ValueError):
                preview.error = str(_("Fill in every rule to see a preview."))
        html = render_to_string(self.template_name, {"preview": preview}, request)
        return JsonResponse({**preview.as_json(), "html": html})


class SegmentPreviewPanel(Panel):
    """The live preview, for the segment editor's panels."""

    def __init__(self, heading="", **kwargs):
        super().__init__(heading=heading or _("Live preview"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_pushseg/segments/preview_panel.html"

        @property
        def media(self) -> forms.Media:
            return forms.Media(css=CSS, js=JS)

        def is_shown(self) -> bool:
            return self.request is not None and can_edit_segments(self.request.user)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["preview_url"] = reverse("wagtail_pushseg_segments:preview")
            return context
