"""How the active segments overlap: members in both and the Jaccard index for every pair, drawn
as a matrix with cells shaded by the index. One grouped self-join of the memberships
(``segments.overlap.overlap_matrix``), whatever the number of subscribers."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...models import Segment
from ...segments.overlap import Overlap, overlap_matrix
from ..breadcrumbs import breadcrumbs
from ..permissions import ANY, RegisteredPolicy
from .members import URL


#: Pairs listed under the matrix, the largest overlaps first.
TOP_PAIRS = 10


@dataclass(frozen=True)
class Cell:
    row: Segment
    column: Segment
    overlap: Overlap

    @property
    def is_self(self) -> bool:
        return self.row.pk == self.column.pk

    @property
    def share(self) -> float:
        """How strongly the cell is shaded: the Jaccard index (none on the diagonal)."""
        return 0.0 if self.is_self else self.overlap.jaccard


def overlap_rows(segments: list[Segment]) -> list[tuple[Segment, list[Cell]]]:
    matrix = overlap_matrix(segments)
    return [
        (row, [Cell(row, column, matrix[(row.pk, column.pk)]) for column in segments])
        for row in segments
    ]


class SegmentOverlapView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Any segment permission; active segments only (inactive ones are not offered)."""

    permission_policy = RegisteredPolicy(Segment)
    any_permission_required = ANY
    template_name = "wagtail_pushseg/segments/overlap.html"
    page_title = _("Overlaps between segments")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return breadcrumbs(self, (reverse(URL % "list"), _("Segments")))

    def get_context_data(self, **kwargs):
        segments = list(Segment.objects.filter(active=True).order_by("name", "pk"))
        rows = overlap_rows(segments)
        pairs = sorted(
            (cell for _row, cells in rows for cell in cells if cell.row.pk < cell.column.pk
             and cell.overlap.both),
            key=lambda cell: (-cell.overlap.jaccard, -cell.overlap.both, cell.row.name),
        )
        return super().get_context_data(
            segments=segments, rows=rows, pairs=pairs[:TOP_PAIRS],
            never_refreshed=[s for s in segments if s.last_refreshed_at is None], **kwargs,
        )
