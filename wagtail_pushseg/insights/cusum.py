"""Click-through drift as a trend: a one-sided CUSUM of each day's clicks against the
segment's own baseline, as plain numbers (no ORM).

Each day with pushes gives a standardised shortfall

    z = (pushes × baseline − clicks) / sqrt(pushes × baseline × (1 − baseline) × inflation)

where the baseline is the segment's click-through on the same weekday over the
``BASELINE_DAYS`` before the current run began (pooled over all weekdays and shrunk towards
them, so a quiet Sunday is not a fall), and ``inflation`` adds the baseline's own sampling
error (one day's pushes over the baseline's). The sum ``S = max(0, S + z − K)`` grows while
clicks stay below the baseline and falls back to zero while they do not; an alert holds from
the day ``S`` reaches ``H``. The change began on the day after ``S`` last left zero. While
``S`` is above zero the baseline stays where it was (a fade must not become its own
baseline); a run longer than ``MAX_RUN_DAYS`` is the segment's new normal and starts afresh.

False alarms (the choice of ``K`` and ``H``): for standard normal days and a known baseline,
Siegmund's approximation of the average run length between false alarms is

    ARL0 ≈ (exp(2·K·b) − 2·K·b − 1) / (2·K²),   b = H + 1.166.

We want at most one false alarm per 10 stable segment-years: ARL0 ≥ 3,650 days. With K = 0.5
that needs H ≈ 6.5 (b = 7.666, exp(7.666) = 2,135, ARL0 ≈ (2,135 − 7.7 − 1) / 0.5 ≈ 4,250).
But the baseline is estimated: eight weeks give each weekday eight days, so a weekday's
baseline is off by about 0.35 of a day's standard deviation and the week's mean by about 0.13,
an error that stays for the whole run and eats into K (at 0.13 the formula gives K ≈ 0.37 and
H = 6.5 only ≈ 800 days). Replaying the detector on 100 simulated stable segment-years
(``calibrate``: 300 and 3,000 pushes a day, weekdays ±15 %) gave 0.33 false alarms a year at
H = 7, 0.11 at H = 9 and 0.08–0.10 at H = 10.5, which is what we use. ``MIN_FALL`` removes more
on large segments (a 3 % wobble of 20,000 members is significant and uninteresting). The
scenario benchmark (``benchmarks/segment_scenarios.py``) counts the false alarms left on its
stable segments.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from .drift import Finding, Rates


#: Reference value: half the daily shift (in standard deviations) the sum is tuned to
#: (a 30 % fade of a 300-member segment at 15 % is a shift of about 1.1 at full depth).
K = 0.5
#: Decision interval (see the module docstring for the false-alarm computation).
H = 10.5
#: Days of history the baseline is read from, ending the day before the current run began.
BASELINE_DAYS = 56
#: Fewest pushes, and days with pushes, in the baseline before the sum starts.
MIN_BASELINE_PUSHES = 200
MIN_BASELINE_DAYS = 28
#: How far a weekday's click-through is expected to stray from the segment's (relative): the
#: all-weekday rate weighs in a weekday's baseline like (1 − p) / (p × spread²) pushes, so a
#: weekday of few pushes leans on the pooled rate and one of many stands on its own.
WEEKDAY_SPREAD = 0.1
#: A run this long is the new normal: the sum starts again from zero on a fresh baseline.
MAX_RUN_DAYS = 56
#: Days of history the detector replays.
HISTORY_DAYS = BASELINE_DAYS + MAX_RUN_DAYS + 14
#: Most one day can add to the sum: a single failed campaign (a thousand pushes, no clicks)
#: must not raise the alert on its own; a real fall keeps adding day after day.
Z_CAP = 4.0
#: A fall smaller than this share of the baseline is not worth an editor's time, however sure.
MIN_FALL = 0.1


@dataclass(frozen=True)
class Baseline:
    """Pooled and per-weekday click-through of the baseline days."""

    pushes: int
    clicks: int
    by_weekday: dict[int, Rates]
    days: int = 0

    @property
    def rate(self) -> float:
        return self.clicks / self.pushes if self.pushes else 0.0

    def for_day(self, day: date) -> tuple[float, float]:
        """The expected click-through on ``day``'s weekday, and the pushes it rests on."""
        own = self.by_weekday.get(day.weekday(), Rates(0, 0))
        rate = self.rate
        prior = (1 - rate) / (rate * WEEKDAY_SPREAD**2) if rate else 0.0
        weight = own.pushes + prior
        return (own.clicks + prior * rate) / weight if weight else rate, weight


def baseline(daily: dict[date, Rates], last: date) -> Baseline:
    """The ``BASELINE_DAYS`` up to and including ``last``."""
    by_weekday: dict[int, Rates] = {}
    pushes = clicks = days = 0
    for i in range(BASELINE_DAYS):
        day = last - timedelta(days=i)
        rates = daily.get(day)
        if not rates or not rates.pushes:
            continue
        pushes, clicks, days = pushes + rates.pushes, clicks + rates.clicks, days + 1
        old = by_weekday.get(day.weekday(), Rates(0, 0))
        by_weekday[day.weekday()] = Rates(old.pushes + rates.pushes, old.clicks + rates.clicks)
    return Baseline(pushes, clicks, by_weekday, days)


def shortfall(rates: Rates, base: Baseline, day: date) -> float | None:
    """The day's standardised click shortfall against the baseline (positive: fewer clicks)."""
    expected, weight = base.for_day(day)
    if not rates.pushes or not 0 < expected < 1:
        return None
    variance = rates.pushes * expected * (1 - expected) * (1 + rates.pushes / weight)
    return min((rates.pushes * expected - rates.clicks) / math.sqrt(variance), Z_CAP)


@dataclass(frozen=True)
class State:
    """The sum on a day, the day its run began (None at zero) and the baseline it uses."""

    day: date
    total: float
    began: date | None
    base: Baseline | None
    run_pushes: int = 0
    run_clicks: int = 0
    run_expected: float = 0.0


class _Window:
    """Baselines of any ``BASELINE_DAYS`` within a stretch of days, from running sums (the
    replay asks for one a day)."""

    def __init__(self, daily: dict[date, Rates], first: date, last: date) -> None:
        self.first = first
        self.sums = [[0, 0, 0] for _ in range(7)]
        self.prefix = [[row[:] for row in self.sums]]
        current = first
        while current <= last:
            rates = daily.get(current)
            if rates and rates.pushes:
                row = self.sums[current.weekday()]
                row[0], row[1], row[2] = row[0] + rates.pushes, row[1] + rates.clicks, row[2] + 1
            self.prefix.append([row[:] for row in self.sums])
            current += timedelta(days=1)

    def baseline(self, last: date) -> Baseline:
        """The ``BASELINE_DAYS`` up to and including ``last`` (as ``baseline``)."""
        end = (last - self.first).days + 1
        start = max(end - BASELINE_DAYS, 0)
        end = max(end, 0)
        by_weekday, pushes, clicks, days = {}, 0, 0, 0
        for weekday in range(7):
            n, c, d = (self.prefix[end][weekday][i] - self.prefix[start][weekday][i]
                       for i in range(3))
            if n:
                by_weekday[weekday] = Rates(n, c)
                pushes, clicks, days = pushes + n, clicks + c, days + d
        return Baseline(pushes, clicks, by_weekday, days)


def replay(daily: dict[date, Rates], day: date, first: date | None = None) -> list[State]:
    """The sum for every day from ``first`` (default: ``HISTORY_DAYS`` before) to ``day``."""
    first = first or day - timedelta(days=HISTORY_DAYS)
    window = _Window(daily, first - timedelta(days=BASELINE_DAYS), day)
    states: list[State] = []
    total, began, base = 0.0, None, None
    pushes, clicks, expected = 0, 0, 0.0  # of the current run
    current = first
    while current <= day:
        if began is None or base is None:
            base = window.baseline(current - timedelta(days=1))
        rates = daily.get(current)
        z = None
        if (base.pushes >= MIN_BASELINE_PUSHES and base.days >= MIN_BASELINE_DAYS
                and rates and rates.pushes):
            z = shortfall(rates, base, current)
        if rates and z is not None:
            total = max(0.0, total + z - K)
            if total == 0:
                began, pushes, clicks, expected = None, 0, 0, 0.0
            else:
                if began is None:
                    began = current
                pushes += rates.pushes
                clicks += rates.clicks
                expected += rates.pushes * base.for_day(current)[0]
            if began is not None and (current - began).days >= MAX_RUN_DAYS:
                total, began, pushes, clicks, expected = 0.0, None, 0, 0, 0.0
        states.append(State(current, total, began, base, pushes, clicks, expected))
        current += timedelta(days=1)
    return states


def alarm(state: State) -> bool:
    """Whether the sum on this state's day says click-through has fallen."""
    if state.total < H or not state.run_expected:
        return False
    return (state.run_expected - state.run_clicks) / state.run_expected >= MIN_FALL


def click_through_cusum(daily: dict[date, Rates], day: date) -> Finding | None:
    """Whether click-through has fallen below the segment's own baseline by more than chance
    explains, with the day the fall began."""
    states = replay(daily, day)
    state = states[-1]
    if not alarm(state) or state.began is None or state.base is None:
        return None  # an alarm always has its run's first day and baseline
    return Finding("ctr", numbers={
        "began": state.began.isoformat(),
        "baseline_rate": state.base.rate,
        "recent_rate": state.run_clicks / state.run_pushes if state.run_pushes else 0.0,
        "recent_pushes": state.run_pushes, "recent_clicks": state.run_clicks,
        "expected_clicks": round(state.run_expected, 1),
        "cusum": round(state.total, 1), "h": H, "k": K,
    })


def calibrate(years: float = 100, pushes: int = 300, rate: float = 0.15, seed: int = 1,
              weekday_spread: float = 0.15) -> float:
    """False alarms per stable segment-year of the detector on simulated stable segments
    (binomial clicks by a normal approximation, a weekly pattern of ±``weekday_spread``)."""
    rng = random.Random(seed)
    alarms, days_seen = 0, 0
    runs = max(1, round(years / 2))
    for _ in range(runs):
        factors = [1 + rng.uniform(-weekday_spread, weekday_spread) for _ in range(7)]
        start = date(2026, 1, 5)
        daily = {}
        length = 2 * 365 + BASELINE_DAYS
        for i in range(length):
            day = start + timedelta(days=i)
            p = rate * factors[day.weekday()]
            n = max(1, round(pushes * (0.6 if day.weekday() >= 5 else 1)))
            clicks = round(n * p + math.sqrt(n * p * (1 - p)) * rng.gauss(0, 1))
            daily[day] = Rates(n, min(n, max(0, clicks)))
        states = replay(daily, start + timedelta(days=length - 1), first=start)
        was = False
        for state in states[BASELINE_DAYS:]:
            now = alarm(state)
            alarms += now and not was
            was = now
        days_seen += length - BASELINE_DAYS
    return alarms / (days_seen / 365)
