"""How segments overlap, from their stored memberships: counts and the Jaccard index."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from ..models import Membership, Segment


@dataclass(frozen=True)
class Overlap:
    """Members of A, of B, of both, of either; ``jaccard`` = both / either (0 when empty)."""

    a: int
    b: int
    both: int

    @property
    def either(self) -> int:
        return self.a + self.b - self.both

    @property
    def jaccard(self) -> float:
        return self.both / self.either if self.either else 0.0


def _id(segment: Segment | int) -> int:
    return segment if isinstance(segment, int) else segment.pk


def overlap(segment_a: Segment | int, segment_b: Segment | int) -> Overlap:
    """The overlap of two segments' current members (two small queries)."""
    a, b = _id(segment_a), _id(segment_b)
    sizes = dict(
        Membership.objects.filter(segment_id__in={a, b}).order_by()
        .values_list("segment_id").annotate(n=Count("pk"))
    )
    both = Membership.objects.filter(
        segment_id=a,
        subscriber_id__in=Membership.objects.filter(segment_id=b).values("subscriber_id"),
    ).count()
    return Overlap(sizes.get(a, 0), sizes.get(b, 0), both)


def overlap_matrix(segments: Iterable[Segment | int]) -> dict[tuple[int, int], Overlap]:
    """``{(a, b): Overlap}`` for every pair (both orders, and a segment with itself), from one
    grouped self-join of the memberships: for an admin matrix."""
    ids = sorted({_id(s) for s in segments})
    pairs = (
        Membership.objects.filter(
            segment_id__in=ids, subscriber__segment_memberships__segment_id__in=ids
        )
        .order_by()
        .values_list("segment_id", "subscriber__segment_memberships__segment_id")
        .annotate(n=Count("pk"))
    )
    shared = {(a, b): n for a, b, n in pairs}
    return {
        (a, b): Overlap(shared.get((a, a), 0), shared.get((b, b), 0), shared.get((a, b), 0))
        for a in ids for b in ids
    }
