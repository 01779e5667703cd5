"""Exponential decay: a score halves every half-life, whenever it is read."""

from datetime import datetime


DAY = 86400.0


def decayed(score: float, since: datetime | None, now: datetime, half_life_days: float) -> float:
    """``score · 2^(−Δt / half-life)``; Δt below zero (an event from the past) counts as zero."""
    if since is None or score == 0.0:
        return score
    elapsed = max(0.0, (now - since).total_seconds()) / DAY
    return score * 2.0 ** (-elapsed / half_life_days)
