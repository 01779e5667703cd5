"""The drift, size and migration alerts scored over a family of planted-truth audiences
(``wagtail_pushseg.insights.scenarios``), each played through the real daily machinery.

    python -m benchmarks.segment_scenarios                  # 20 scenarios, 1,000-2,000 each
    python -m benchmarks.segment_scenarios --scenarios 30 --full-sizes   # 1,000-20,000

Prints one row per scenario (days counted from the scenario's first day) and the spread
(min / median / max) of each score. Goals (issue 16): a gradual fade flagged no later than 4
days after its cumulative click deficit first reaches 3 standard deviations; a fall of 40 % or
more within a week flagged within 7 days of its end; at most one false alarm per 10 stable
segment-years; a loss of 25 % of a segment's members flagged within 14 days of reaching 25 %,
naming where they went; membership F1 ≥ 0.9 for each graded starter against its planted group
and a mixed group's mean degree in each of its two segments between 0.3 and 0.7; an emerging
group of ≥ 2 % suggested within 10 days with "New subscribers" active. A second table per
scenario gives the starters' F1, the mixed means and the emergence delay.
"""

import argparse
import time

from .django_env import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None,
                        help="first seed (default: from the clock, so each run is new)")
    parser.add_argument("--full-sizes", action="store_true",
                        help="audiences of 1,000-20,000 (default 1,000-2,000)")
    args = parser.parse_args()
    setup_django()
    from wagtail_pushseg.insights.scenario_scores import score, spread
    from wagtail_pushseg.insights.scenarios import Scenario, run_scenario

    from .summary import record

    first = args.seed if args.seed is not None else int(time.time()) % 100000
    sizes = (1000, 20000) if args.full_sizes else (1000, 2000)
    print(f"{args.scenarios} scenarios from seed {first}, audiences {sizes[0]}-{sizes[1]}")
    header = ("seed", "size", "fade", "3sd", "flag", "old", "lag", "steep-end", "flag", "lag",
              "migr", "25%", "flag", "lag", "named", "secs")
    print(" ".join(f"{h:>9}" for h in header))
    rows, starter_rows, started = [], [], time.monotonic()
    for seed in range(first, first + args.scenarios):
        scenario = Scenario.from_seed(seed, sizes)
        t = time.monotonic()
        scores = score(run_scenario(scenario))
        rows.append(scores)

        def day(d, s=scenario):
            return "-" if d is None else str((d - s.start).days)

        cells = (seed, scores.size, f"{scores.fade_weeks}w{scores.fade_depth:.0%}",
                 day(scores.fade_3sd), day(scores.fade_flag), day(scores.fade_old_rule),
                 scores.fade_lag, day(scores.steep_end), day(scores.steep_flag),
                 scores.steep_lag, f"{scores.migration_weeks}w", day(scores.reach_25),
                 day(scores.loss_flag), scores.loss_lag, scores.loss_named,
                 f"{time.monotonic() - t:.1f}")
        print(" ".join(f"{'-' if c is None else c!s:>9}" for c in cells), flush=True)
        starter_rows.append(starter_cells(scenario, scores))
        # Printed as it comes too, so a run stopped early keeps its starter figures.
        print("    starters: " + " ".join(f"{h}={c}" for h, c in zip(
            STARTER_HEADER[1:], starter_rows[-1][1:], strict=True)), flush=True)
    print("\nstarters on the first day (F1 per starter, min over the four fans; mixed members' "
          "mean degree, min-max over their segments) and emergence")
    print(" ".join(f"{h:>9}" for h in STARTER_HEADER))
    for cells in starter_rows:
        print(" ".join(f"{'-' if c is None else c!s:>9}" for c in cells))
    ctr_years = sum(r.ctr_years for r in rows)
    size_years = sum(r.size_years for r in rows)
    ctr_false = sum(r.ctr_false for r in rows)
    size_false = sum(r.size_false for r in rows)
    print("\nspread (min / median / max; 999 = never flagged)")
    figures = {
        "fade: flag - 3 SD day (goal <= 4)": spread([r.fade_lag for r in rows]),
        "fade: old two-window rule - 3 SD day": spread([r.old_rule_lag for r in rows]),
        "steep fall: flag - its end (goal <= 7)": spread([r.steep_lag for r in rows]),
        "loss: flag - 25% day (goal <= 14)": spread([r.loss_lag for r in rows]),
        "click-through false alarms per scenario": spread([r.ctr_false for r in rows]),
        "size/loss false alarms per scenario": spread([r.size_false for r in rows]),
        "F1 Loyal subscribers (goal >= 0.9)": spread([r.starter_f1["loyal"] for r in rows]),
        "F1 Bargain hunters (goal >= 0.9)": spread([r.starter_f1["bargain"] for r in rows]),
        "F1 Fans of, each (goal >= 0.9)": spread([v for r in rows for k, v in
                                                  r.starter_f1.items() if k.startswith("fans")]),
        "mixed mean degree, each segment (0.3-0.7)": spread([v for r in rows
                                                             for v in r.mixed_means.values()]),
        "emerging group: days to suggestion (<= 10)": spread([r.emerged_after for r in rows]),
    }
    for name, values in figures.items():
        print(f"  {name:45} {values}")
    met = {
        "fade within 4 days": sum(1 for r in rows if r.fade_lag is not None and r.fade_lag <= 4),
        "steep within 7 days": sum(1 for r in rows if r.steep_lag is not None
                                   and r.steep_lag <= 7),
        "loss within 14 days, named": sum(1 for r in rows if r.loss_lag is not None
                                          and r.loss_lag <= 14 and r.loss_named),
    }
    counted = {
        "fade within 4 days": sum(1 for r in rows if r.fade_lag is not None),
        "steep within 7 days": sum(1 for r in rows if r.steep_lag is not None),
        "loss within 14 days, named": sum(1 for r in rows if r.loss_lag is not None),
    }
    met["every starter F1 >= 0.9"] = sum(1 for r in rows if min(r.starter_f1.values()) >= 0.9)
    met["every mixed mean in 0.3-0.7"] = sum(
        1 for r in rows if all(0.3 <= v <= 0.7 for v in r.mixed_means.values()))
    met["emerging suggested within 10 days"] = sum(
        1 for r in rows if r.emerged_after is not None and r.emerged_after <= 10)
    for name in ("every starter F1 >= 0.9", "every mixed mean in 0.3-0.7",
                 "emerging suggested within 10 days"):
        counted[name] = len(rows)
    for name, n in met.items():
        print(f"  {name:45} {n} of {counted[name]}")
    ctr_rate = 10 * ctr_false / ctr_years if ctr_years else 0
    size_rate = 10 * size_false / size_years if size_years else 0
    print(f"  click-through false alarms: {ctr_false} in {ctr_years:.1f} stable segment-years "
          f"= {ctr_rate:.2f} per 10 (goal <= 1)")
    print(f"  size/loss false alarms: {size_false} in {size_years:.1f} stable segment-years "
          f"= {size_rate:.2f} per 10 (goal <= 1)")
    print(f"  {len(rows)} scenarios in {time.monotonic() - started:.0f} s")
    lag = spread([r.fade_lag for r in rows])
    record("segment_scenarios", f"fade flag - 3 SD day, {len(rows)} scenarios (min/med/max)",
           str(lag), "<= 4")
    record("segment_scenarios", "click-through false alarms per 10 segment-years",
           f"{ctr_rate:.2f}", "<= 1")
    record("segment_scenarios", "loss flag - 25% day (min/med/max)",
           str(spread([r.loss_lag for r in rows])), "<= 14")


STARTER_HEADER = ("seed", "F1 loyal", "F1 bargn", "F1 fans", "mix loyal", "mix bargn",
                  "mix fans", "emerge%", "days", "held")


def starter_cells(scenario, scores) -> tuple:
    f1, mixed = scores.starter_f1, scores.mixed_means
    fans = [v for k, v in f1.items() if k.startswith("fans")]
    fan_means = [v for k, v in mixed.items() if k.startswith("fans")]
    return (
        scenario.seed, f"{f1['loyal']:.3f}", f"{f1['bargain']:.3f}", f"{min(fans):.3f}",
        f"{mixed.get('loyal', 0):.2f}", f"{mixed.get('bargain', 0):.2f}",
        f"{min(fan_means):.2f}-{max(fan_means):.2f}" if fan_means else "-",
        f"{scenario.emerging[1]:.1%}", scores.emerged_after, scores.emerged_held,
    )


if __name__ == "__main__":
    main()
