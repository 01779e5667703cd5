"""Scores of one scenario's alerts against its planted truth (``insights.scenarios``).

- **fade**: the day the fade's cumulative click deficit against the planted baseline first
  reaches 3 standard deviations (the earliest a test at a sane false-alarm rate can see it),
  the day the click-through alert opened, and the day the old two-window rule
  (``drift.click_through_fall``) would have, replayed on the same recorded series;
- **steep**: a fall of 40 % or more within a week: days from its end to the alert;
- **migration**: the day 25 % of the source's members had left, the day the loss alert opened,
  and whether it named the segment most of them went to;
- **false alarms**: click-through alerts on segments whose click-through was not changed, and
  size or loss alerts on segments whose membership was not, per stable segment-year;
- **starters**: membership F1 (degree ≥ 0.5) of each graded starter against its planted group
  on the first day ("Fans of" against the tag's readers, mixed ones included; Loyal and
  Bargain hunters against the loyal and bargain habits, the mixed habit left out), and the
  mixed members' mean degree in each of their two segments (goal 0.3–0.7);
- **emergence**: days from the emerging group's appearance to its first suggestion, with
  "New subscribers" holding it (goal ≤ 10).
"""

import math
from dataclasses import dataclass
from datetime import date

from . import cusum, drift
from .scenarios import DAYS, TAGS, ScenarioResult


@dataclass
class Scores:
    seed: int
    size: int
    fade_weeks: int
    fade_depth: float
    fade_3sd: date | None
    fade_flag: date | None
    fade_old_rule: date | None
    steep_end: date | None
    steep_flag: date | None
    migration_weeks: int
    reach_25: date | None
    loss_flag: date | None
    loss_named: bool
    ctr_false: int
    ctr_years: float
    size_false: int
    size_years: float
    #: ``{starter: F1}`` and ``{segment: mean degree of its mixed members}``.
    starter_f1: dict[str, float]
    mixed_means: dict[str, float]
    emerged_after: int | None
    emerged_held: int

    @staticmethod
    def lag(flag: date | None, reference: date | None) -> int | None:
        if reference is None:
            return None
        if flag is None:
            return 999  # never flagged
        return (flag - reference).days

    @property
    def fade_lag(self) -> int | None:
        return self.lag(self.fade_flag, self.fade_3sd)

    @property
    def old_rule_lag(self) -> int | None:
        return self.lag(self.fade_old_rule, self.fade_3sd)

    @property
    def steep_lag(self) -> int | None:
        return self.lag(self.steep_flag, self.steep_end)

    @property
    def loss_lag(self) -> int | None:
        return self.lag(self.loss_flag, self.reach_25)


def first_alert(result: ScenarioResult, segment: int, kind: str, since: date) -> date | None:
    pk = result.segment_ids[segment]
    days = [opened for s, k, opened, _n in result.alerts
            if s == pk and k == kind and opened >= since]
    return min(days, default=None)


def deficit_day(result: ScenarioResult, segment: int, start: int) -> date | None:
    """The first day the cumulative click deficit since ``start`` reaches 3 SD."""
    s = result.scenario
    deficit = variance = 0.0
    for day, _members, pushes, clicks in result.series[result.segment_ids[segment]]:
        i = (day - s.start).days
        if i < start or not pushes:
            continue
        p0 = s.base_rates[segment] * s.weekday_factors[day.weekday()]
        deficit += pushes * p0 - clicks
        variance += pushes * p0 * (1 - p0)
        if variance and deficit >= 3 * math.sqrt(variance):
            return day
    return None


def old_rule_day(result: ScenarioResult, segment: int, start: int) -> date | None:
    daily = {day: drift.Rates(pushes, clicks)
             for day, _m, pushes, clicks in result.series[result.segment_ids[segment]]}
    for i in range(start, DAYS):
        day = result.scenario.day(i)
        if drift.click_through_fall(daily, day):
            return day
    return None


def score(result: ScenarioResult) -> Scores:
    s = result.scenario
    fade_segment, fade_start, fade_days, depth = s.fade
    source, mig_start, mig_days, _share, destination = s.migration
    steep_end = steep_flag = None
    changed_ctr = {fade_segment}
    if s.steep:
        steep_segment, steep_start, steep_days, _depth = s.steep
        changed_ctr.add(steep_segment)
        steep_end = s.day(steep_start + steep_days - 1)
        steep_flag = first_alert(result, steep_segment, "ctr", s.day(steep_start))
    loss_flag = first_alert(result, source, "loss", s.day(mig_start))
    named = False
    if loss_flag:
        numbers = next(n for seg, k, opened, n in result.alerts
                       if seg == result.segment_ids[source] and k == "loss" and opened == loss_flag)
        named = any(result.names[result.segment_ids[destination]] in label
                    for label, _share in numbers.get("destinations", []))
    starter_f1, mixed_means = starter_scores(result)
    # Stable segment-years: the days an alert could have been raised (after the baseline).
    watched = (DAYS - cusum.MIN_BASELINE_DAYS) / 365
    ctr_stable = [i for i in range(len(TAGS)) if i not in changed_ctr]
    ctr_false = sum(1 for seg, kind, _o, _n in result.alerts if kind == "ctr"
                    and seg in {result.segment_ids[i] for i in ctr_stable})
    ctr_false += sum(1 for i in changed_ctr for seg, kind, opened, _n in result.alerts
                     if kind == "ctr" and seg == result.segment_ids[i]
                     and opened < s.day(_change_start(s, i)))
    size_stable = [i for i in range(len(TAGS)) if i not in (source, destination)]
    size_false = sum(1 for seg, kind, _o, _n in result.alerts if kind in ("size", "loss")
                     and seg in {result.segment_ids[i] for i in size_stable})
    return Scores(
        seed=s.seed, size=s.size, fade_weeks=fade_days // 7, fade_depth=depth,
        fade_3sd=deficit_day(result, fade_segment, fade_start),
        fade_flag=first_alert(result, fade_segment, "ctr", s.day(fade_start)),
        fade_old_rule=old_rule_day(result, fade_segment, fade_start),
        steep_end=steep_end, steep_flag=steep_flag,
        migration_weeks=mig_days // 7, reach_25=result.reach_25, loss_flag=loss_flag,
        loss_named=named,
        ctr_false=ctr_false, ctr_years=watched * len(ctr_stable) + sum(
            _change_start(s, i) - cusum.MIN_BASELINE_DAYS for i in changed_ctr) / 365,
        size_false=size_false, size_years=len(size_stable) * DAYS / 365,
        starter_f1=starter_f1, mixed_means=mixed_means,
        emerged_after=Scores.lag(result.emerged_on, s.day(s.emerging[0])),
        emerged_held=result.emerged_held,
    )


def f1(members: set[int], planted: set[int]) -> float:
    hits = len(members & planted)
    return 2 * hits / (len(members) + len(planted)) if members or planted else 1.0


def starter_scores(result: ScenarioResult) -> tuple[dict[str, float], dict[str, float]]:
    """Each starter's F1 against its planted group, and the mixed members' mean degrees."""
    degrees, f1s, means = result.starter_degrees, {}, {}
    for index, tag in enumerate(TAGS):
        got = degrees.get(f"fans:{tag}", {})
        planted = {pk for pk, groups in result.groups.items() if index in groups}
        f1s[f"fans:{tag}"] = f1({pk for pk, d in got.items() if d >= 0.5}, planted)
        mixed = [got.get(pk, 0.0) for pk, groups in result.groups.items()
                 if len(groups) == 2 and index in groups]
        if mixed:
            means[f"fans:{tag}"] = sum(mixed) / len(mixed)
    habits = result.habits
    for key in ("loyal", "bargain"):
        got = degrees.get(key, {})
        pure = {pk for pk, habit in habits.items() if habit != "mixed"}
        planted = {pk for pk in pure if habits[pk] == key}
        f1s[key] = f1({pk for pk, d in got.items() if d >= 0.5 and pk in pure}, planted)
        mixed = [got.get(pk, 0.0) for pk, habit in habits.items() if habit == "mixed"]
        if mixed:
            means[key] = sum(mixed) / len(mixed)
    return f1s, means


def _change_start(s, segment: int) -> int:
    for change in (s.fade, s.steep):
        if change and change[0] == segment:
            return change[1]
    return DAYS


def spread(values: list[float | int | None]) -> tuple | None:
    """(min, median, max) of the values that are there."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return values[0], median, values[-1]
