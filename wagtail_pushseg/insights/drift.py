"""Drift rules over a segment's history, as plain functions of plain numbers (no ORM).

Each rule looks for change a segment does not show by chance:

- **click-through falling** (``cusum``): a one-sided CUSUM of each day's clicks against the
  segment's own baseline (``insights.cusum``); the older two-window comparison
  (``click_through_fall``) is kept for comparison in the scenario benchmark;
- **size**: the mean of the last three days against the same three days two weeks before,
  every one of the last three days past ``SIZE_CHANGE`` and the change past ``SIZE_Z`` times
  what the segment's own day-to-day churn makes of two weeks;
- **member loss**: the segment has fewer members than four or eight weeks before by at least
  ``LOSS_SHARE``, beyond its churn too (where they went: ``insights.cohorts``);
- **migration**: members who left the segment for another one over the last two weeks;
- **tag**: a tag's click-through falling by the same test while the segment's other tags do
  not fall (a fall of everything is the click-through alert's).
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta


RECENT_DAYS = 14
BEFORE_DAYS = 42
#: One-sided z below which a fall counts (3.0: about 1 in 700 by chance on a given day).
Z_LIMIT = 3.0
MIN_FALL = 0.2
MIN_PUSHES = 100
MIN_TAG_PUSHES = 50
SIZE_CHANGE = 0.25
SIZE_DAYS = 3
SIZE_MIN_MEMBERS = 30
#: How many standard deviations of the segment's own churn a size change must pass: the net
#: change over two weeks of a segment whose members come and go at random has a variance of
#: about the members who entered and left in those days (a Poisson count each way).
SIZE_Z = 4.0
#: Days before the compared window from which the segment's usual churn is read.
CHURN_DAYS = 28
#: A segment that has lost this share of its members over ``LOSS_WEEKS`` raises a loss alert.
LOSS_SHARE = 0.25
LOSS_WEEKS = (4, 8)
MIGRATION_SHARE = 0.1
MIGRATION_MIN = 10


@dataclass(frozen=True)
class Rates:
    """Pushes and clicks in a window."""

    pushes: int
    clicks: int

    @property
    def rate(self) -> float:
        return self.clicks / self.pushes if self.pushes else 0.0

    def __sub__(self, other: "Rates") -> "Rates":
        return Rates(self.pushes - other.pushes, self.clicks - other.clicks)


@dataclass(frozen=True)
class Finding:
    """A rule that holds on a day: what it is about and the numbers behind it."""

    kind: str
    key: str = ""
    numbers: dict = field(default_factory=dict)


def z_two_proportions(recent: Rates, before: Rates) -> float | None:
    """The pooled two-proportion z statistic of ``recent`` against ``before``."""
    if not recent.pushes or not before.pushes:
        return None
    pooled = (recent.clicks + before.clicks) / (recent.pushes + before.pushes)
    spread = pooled * (1 - pooled) * (1 / recent.pushes + 1 / before.pushes)
    if spread <= 0:
        return None
    return (recent.rate - before.rate) / math.sqrt(spread)


def trend(points: list[tuple[int, float, int]]) -> float:
    """Weighted least-squares slope of (x, rate, weight) points; 0 with fewer than two."""
    total = sum(w for _x, _y, w in points)
    if len(points) < 2 or not total:
        return 0.0
    mean_x = sum(x * w for x, _y, w in points) / total
    mean_y = sum(y * w for _x, y, w in points) / total
    spread = sum(w * (x - mean_x) ** 2 for x, _y, w in points)
    if not spread:
        return 0.0
    return sum(w * (x - mean_x) * (y - mean_y) for x, y, w in points) / spread


def windows(day: date) -> tuple[list[date], list[date]]:
    """The recent days (``day`` included) and the days before them."""
    recent = [day - timedelta(days=i) for i in range(RECENT_DAYS)]
    before = [day - timedelta(days=RECENT_DAYS + i) for i in range(BEFORE_DAYS)]
    return recent, before


def _total(daily: dict[date, Rates], days: list[date]) -> Rates:
    rows = [daily[d] for d in days if d in daily]
    return Rates(sum(r.pushes for r in rows), sum(r.clicks for r in rows))


def _fall_z(recent: Rates, before: Rates, minimum: int) -> float | None:
    """The fall's z when click-through fell enough to speak of, else None."""
    if recent.pushes < minimum or before.pushes < minimum or not before.clicks:
        return None
    z = z_two_proportions(recent, before)
    fall = (before.rate - recent.rate) / before.rate
    return z if z is not None and z <= -Z_LIMIT and fall >= MIN_FALL else None


def click_through_fall(daily: dict[date, Rates], day: date,
                       minimum: int = MIN_PUSHES) -> Finding | None:
    """Whether click-through fell over the last two weeks against the six before."""
    recent_days, before_days = windows(day)
    recent, before = _total(daily, recent_days), _total(daily, before_days)
    z = _fall_z(recent, before, minimum)
    if z is None:
        return None
    worst = min((d for d in recent_days if daily.get(d, Rates(0, 0)).pushes),
                key=lambda d: (daily[d].rate, -daily[d].pushes))
    if _fall_z(recent - daily[worst], before, minimum) is None:
        return None  # one bad day, not a trend
    points = [((d - day).days, daily[d].rate, daily[d].pushes)
              for d in recent_days + before_days if daily.get(d, Rates(0, 0)).pushes]
    slope = trend(points)
    if slope >= 0:
        return None
    return Finding("ctr", numbers={
        "recent_rate": recent.rate, "before_rate": before.rate,
        "recent_pushes": recent.pushes, "recent_clicks": recent.clicks,
        "before_pushes": before.pushes, "before_clicks": before.clicks,
        "z": round(z, 2), "slope_per_day": slope,
        "recent_days": RECENT_DAYS, "before_days": BEFORE_DAYS,
    })


def churn_sd(churn: dict[date, int], day: date, days: int) -> float | None:
    """The standard deviation of a net change over ``days`` days that the segment's own
    churn (members entered + left per day) makes by chance, read from the ``CHURN_DAYS``
    before ``day - days``; None without enough days."""
    first = day - timedelta(days=days)
    seen = [churn[d] for d in (first - timedelta(days=i) for i in range(CHURN_DAYS))
            if churn.get(d) is not None]
    if len(seen) < CHURN_DAYS // 2:
        return None
    # At least one member a day moves, so a segment that never moved still needs a change
    # of a few members, not one. Ordinary churn is mostly members going quiet and coming
    # back: over more than two weeks its net effect stops growing, so the horizon is capped.
    return math.sqrt(max(sum(seen) / len(seen), 1.0) * min(days, RECENT_DAYS))


def _counts(members: dict[date, int], day: date, days_before: int) -> list[int] | None:
    """The member counts of ``SIZE_DAYS`` days from ``days_before`` days before ``day``
    backwards, or None when one of them is missing."""
    counts = [members.get(day - timedelta(days=days_before + i)) for i in range(SIZE_DAYS)]
    return None if None in counts else [n for n in counts if n is not None]


def size_change(members: dict[date, int], day: date,
                churn: dict[date, int] | None = None) -> Finding | None:
    """Whether the segment grew or shrank by ``SIZE_CHANGE`` in two weeks, every recent day,
    by more than its own churn makes by chance (``SIZE_Z``); ``churn`` is {day: entered +
    left}, and without enough of it only the share is judged."""
    recent = _counts(members, day, 0)
    before = _counts(members, day, RECENT_DAYS)
    if recent is None or before is None:
        return None
    base = sum(before) / SIZE_DAYS
    if base < SIZE_MIN_MEMBERS:
        return None
    changes = [(n - base) / base for n in recent]
    if not (all(c >= SIZE_CHANGE for c in changes) or all(c <= -SIZE_CHANGE for c in changes)):
        return None
    now = sum(recent) / SIZE_DAYS
    sd = churn_sd(churn or {}, day, RECENT_DAYS)
    z = (now - base) / sd if sd else None
    if z is not None and abs(z) < SIZE_Z:
        return None  # ordinary churn for a segment of this size
    return Finding("size", numbers={
        "before": round(base), "now": round(now), "change": (now - base) / base,
        "days": RECENT_DAYS, "z": None if z is None else round(z, 1),
    })


def member_loss(members: dict[date, int], day: date,
                churn: dict[date, int] | None = None) -> Finding | None:
    """Whether the segment has lost ``LOSS_SHARE`` of its members over four or eight weeks
    (the mean of its last three days against the day that many weeks before), beyond what
    its churn makes by chance. The longest window that holds is reported."""
    recent = _counts(members, day, 0)
    if recent is None:
        return None
    now = sum(recent) / SIZE_DAYS
    for weeks in sorted(LOSS_WEEKS, reverse=True):
        then = members.get(day - timedelta(weeks=weeks))
        if not then or then < SIZE_MIN_MEMBERS:
            continue
        loss = (then - now) / then
        if loss < LOSS_SHARE or max(recent) > then * (1 - LOSS_SHARE):
            continue
        sd = churn_sd(churn or {}, day, weeks * 7)
        z = (then - now) / sd if sd else None
        if z is not None and z < SIZE_Z:
            continue
        return Finding("loss", numbers={
            "before": then, "now": round(now), "loss": loss, "weeks": weeks,
            "z": None if z is None else round(z, 1),
        })
    return None


def migrations(moved: dict[int, int], members_before: int | None) -> list[Finding]:
    """Segments that took at least ``MIGRATION_SHARE`` of the members of two weeks ago.

    ``moved``: {other segment id: members who left for it over the last two weeks}."""
    if not members_before:
        return []
    return [
        Finding("migration", key=str(target), numbers={
            "moved": n, "members_before": members_before, "share": n / members_before,
            "target": target, "days": RECENT_DAYS,
        })
        for target, n in sorted(moved.items())
        if n >= MIGRATION_MIN and n / members_before >= MIGRATION_SHARE
    ]


def tag_falls(daily: dict[date, Rates], per_tag: dict[str, dict[date, Rates]],
              day: date) -> list[Finding]:
    """Tags whose click-through fell while the segment's other pushes did not."""
    recent_days, before_days = windows(day)
    all_recent, all_before = _total(daily, recent_days), _total(daily, before_days)
    found = []
    for tag, tag_daily in sorted(per_tag.items()):
        recent, before = _total(tag_daily, recent_days), _total(tag_daily, before_days)
        z = _fall_z(recent, before, MIN_TAG_PUSHES)
        if z is None:
            continue
        other_recent, other_before = all_recent - recent, all_before - before
        if other_recent.pushes < MIN_TAG_PUSHES or other_before.pushes < MIN_TAG_PUSHES:
            continue  # nothing to compare with: the segment-wide alert speaks for it
        if _fall_z(other_recent, other_before, MIN_TAG_PUSHES) is not None:
            continue
        found.append(Finding("tag", key=tag, numbers={
            "tag": tag, "recent_rate": recent.rate, "before_rate": before.rate,
            "recent_pushes": recent.pushes, "before_pushes": before.pushes,
            "other_recent_rate": other_recent.rate, "other_before_rate": other_before.rate,
            "z": round(z, 2),
        }))
    return found
