"""Which wording variant leads, and how sure we can be: Wilson intervals and a two-proportion
z-test, put in plain words for editors ("Variant B leads, 94% confidence")."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _


#: Below this confidence the verdict says there is no clear winner yet.
CLEAR_LEAD = 0.90


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a rate (95 % by default); (0, 1) without trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def lead_confidence(clicks_a: int, sent_a: int, clicks_b: int, sent_b: int) -> float:
    """How confident we are that A's true click-through is above B's: the one-sided
    two-proportion z-test with the pooled rate, as a probability (0.5 = no idea)."""
    if sent_a <= 0 or sent_b <= 0:
        return 0.5
    pooled = (clicks_a + clicks_b) / (sent_a + sent_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / sent_a + 1 / sent_b))
    if spread == 0:
        return 0.5
    return _normal_cdf((clicks_a / sent_a - clicks_b / sent_b) / spread)


@dataclass(frozen=True)
class VariantVerdict:
    leader: str
    runner_up: str
    confidence: float

    @property
    def clear(self) -> bool:
        return self.confidence >= CLEAR_LEAD

    def __str__(self) -> str:
        percent = f"{self.confidence:.0%}"
        if self.clear:
            return _("Variant %(leader)s leads, %(percent)s confidence") % {
                "leader": self.leader, "percent": percent}
        return _("No clear winner yet: variant %(leader)s is ahead of %(runner)s with "
                 "%(percent)s confidence") % {
            "leader": self.leader, "runner": self.runner_up, "percent": percent}


def compare_variants(variants: Sequence[tuple[str, int, int]]) -> VariantVerdict | None:
    """``variants`` as (name, clicks, sent); the leader by click-through against the runner-up.
    None until at least two variants have been sent."""
    tried = [v for v in variants if v[2] > 0]
    if len(tried) < 2:
        return None
    ranked = sorted(tried, key=lambda v: (v[1] / v[2], v[2]), reverse=True)
    (leader, clicks_a, sent_a), (runner, clicks_b, sent_b) = ranked[0], ranked[1]
    return VariantVerdict(leader, runner, lead_confidence(clicks_a, sent_a, clicks_b, sent_b))
