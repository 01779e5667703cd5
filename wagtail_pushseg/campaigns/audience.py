"""The composer's live audience preview: per target the subscribers it reaches after focus and
exclusions, the unique total, and how the targets overlap. Two set-wise statements over the
memberships, built by :mod:`.planning` so the preview and planning cannot disagree."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from .planning import Audience, audience_counts, candidates_sql


@dataclass(frozen=True)
class TargetReach:
    """One target in the preview: ``candidates`` could get this push (threshold or minimum
    degree met, not excluded), ``reach`` will get it for this target after focus."""

    key: int
    segment_id: int
    name: str
    members: int
    candidates: int
    reach: int


@dataclass(frozen=True)
class AudiencePreview:
    targets: list[TargetReach]
    #: Unique subscribers the campaign reaches (each gets one push).
    total: int
    #: ``overlap[i][j]``: candidates of both target i and target j (the diagonal: of i).
    overlap: list[list[int]]

    def as_json(self) -> dict[str, Any]:
        return {
            "targets": [
                {"key": t.key, "segment": t.segment_id, "name": t.name, "members": t.members,
                 "candidates": t.candidates, "reach": t.reach}
                for t in self.targets
            ],
            "total": self.total,
            "overlap": self.overlap,
        }


def pairwise_candidates(audience: Audience, now: datetime | None = None) -> dict[tuple, int]:
    """``{(key_a, key_b): n}``: subscribers who are candidates of both targets (one grouped
    self-join of the candidates)."""
    if not audience.targets:
        return {}
    sql, params = candidates_sql(audience, now)
    query = (
        f"WITH cand AS ({sql}) "
        "SELECT a.target_id, b.target_id, COUNT(*) FROM cand a "
        "JOIN cand b ON a.subscriber_id = b.subscriber_id GROUP BY a.target_id, b.target_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {(a, b): n for a, b, n in cursor.fetchall()}


def preview(audience: Audience, now: datetime | None = None) -> AudiencePreview:
    """Reach per target, total and overlaps for ``audience`` (saved or not)."""
    reach = audience_counts(audience, now)
    pairs = pairwise_candidates(audience, now)
    keys = [t.key for t in audience.targets]
    targets = [
        TargetReach(
            key=t.key, segment_id=t.segment.pk, name=t.segment.name,
            members=t.segment.member_count, candidates=pairs.get((t.key, t.key), 0),
            reach=reach.get(t.key, 0),
        )
        for t in audience.targets
    ]
    overlap = [[pairs.get((a, b), 0) for b in keys] for a in keys]
    return AudiencePreview(targets, sum(reach.values()), overlap)
