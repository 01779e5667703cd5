"""What a segment's rules would give right now, for a live preview while editing: members at a
threshold and a histogram of degrees. Rules may be unsaved (a ``StreamValue`` or raw JSON)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import Floor, Least

from ..sql import Float
from .compiler import with_degree


@dataclass(frozen=True)
class HistogramBin:
    """Subscribers whose degree is in ``[low, high)`` (the last bin includes 1)."""

    low: float
    high: float
    count: int


def members_queryset(rules: Any, threshold: float | None = None,
                     now: datetime | None = None) -> QuerySet:
    """Active subscribers whose degree reaches ``threshold`` (default: the segment's, or 0.5),
    annotated with ``degree``."""
    if threshold is None:
        threshold = getattr(rules, "threshold", 0.5)
    return with_degree(rules, now).filter(degree__gte=Float(threshold))


def histogram(rules: Any, bins: int = 10, now: datetime | None = None) -> list[HistogramBin]:
    """Counts of active subscribers by degree, in ``bins`` equal bins over (0, 1]; subscribers
    with degree 0 are not counted. One grouped query."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    rows = (
        with_degree(rules, now).order_by()
        .annotate(bin=Least(Floor(F("degree") * Float(bins)), Float(bins - 1)))
        .values("bin").annotate(n=Count("pk"))
    )
    counts = {int(row["bin"]): row["n"] for row in rows}
    return [HistogramBin(i / bins, (i + 1) / bins, counts.get(i, 0)) for i in range(bins)]
