"""Exponential decay: a score halves every half-life, whenever it is read."""

from datetime import datetime


DAY = 86400.0
#: Half-lives after which a score the segment rules read counts as 0: PostgreSQL raises on
#: float underflow, and 2^−1000 of any real score is far below anything a ramp can tell from 0.
FORGOTTEN_AFTER_HALF_LIVES = 1000.0


def decayed(score: float, since: datetime | None, now: datetime, half_life_days: float) -> float:
    """``score · 2^(−Δt / half-life)``; Δt below zero (an event from the past) counts as zero."""
    if since is None or score == 0.0:
        return score
    elapsed = max(0.0, (now - since).total_seconds()) / DAY
    return score * 2.0 ** (-elapsed / half_life_days)


def decayed_or_forgotten(score: float, since: datetime, now: datetime,
                         half_life_days: float) -> float:
    """:func:`decayed`, but 0 after ``FORGOTTEN_AFTER_HALF_LIVES``: the double that
    ``wagtail_pushseg.sql.decayed_score`` computes in SQL."""
    elapsed = max(0.0, (now - since).total_seconds()) / DAY
    if -elapsed / half_life_days < -FORGOTTEN_AFTER_HALF_LIVES:
        return 0.0
    return decayed(score, since, now, half_life_days)
