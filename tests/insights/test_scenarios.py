"""The scenario family runs through the real daily machinery and its scorer reads what the
machinery recorded. Whether the goals are met is the benchmark's business
(``benchmarks/segment_scenarios.py``), not this test's."""

import pytest

from wagtail_pushseg.insights import scenarios
from wagtail_pushseg.insights.scenario_scores import Scores, score, spread


pytestmark = pytest.mark.django_db(transaction=False)


def test_two_small_scenarios_are_played_and_scored():
    results = [scenarios.run_scenario(scenarios.Scenario.from_seed(seed, sizes=(250, 300)))
               for seed in (3, 4)]
    scored = [score(result) for result in results]
    for result, scores in zip(results, scored, strict=True):
        assert isinstance(scores, Scores)
        # The snapshot recorded every day of every segment, with pushes on the planted days.
        assert all(len(days) == scenarios.DAYS for days in result.series.values())
        fade_segment = result.segment_ids[result.scenario.fade[0]]
        assert sum(p for _d, _m, p, _c in result.series[fade_segment]) > 0
        assert scores.reach_25 is not None  # the planted migration reached 25%
        assert scores.ctr_years > 0 and scores.size_years > 0
        # The graded starters were scored against the planted groups and habits.
        assert set(scores.starter_f1) == {"loyal", "bargain",
                                          *(f"fans:{tag}" for tag in scenarios.TAGS)}
        assert all(0.0 <= f1 <= 1.0 for f1 in scores.starter_f1.values())
        assert {"loyal", "bargain"} <= set(scores.mixed_means)
        assert scores.emerged_after is not None  # 999 when never suggested
    # Only the last scenario's rows stay: each run clears the one before.
    assert len({r.segment_ids[0] for r in results}) == 2
    assert spread([1, 5, 3]) == (1, 3, 5)
