"""Why a subscriber is (not) in a segment, in words: each rule's measure and degree, nested like
the rules, and the total against the threshold.

Built on the reference evaluator's breakdown and each rule kind's ``words``, e.g.::

    Loyal readers: 0.50 (threshold 0.50) → member
      all of these (the weakest counts) → 0.50
        active 4 of the last 8 weeks (starts counting at 2, fully counts at 6) → 0.50
        affinity to laptops 2.3 (starts counting at 1, fully counts at 2) → 1.00
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from ..models import Segment, Subscriber
from . import rules as r
from .compiler import evaluation_time
from .parse import rule_tree
from .reference import Outcome, reference_degree


@dataclass
class Line:
    """One rule or group in words, with its degree."""

    text: str
    degree: float
    children: list["Line"] = field(default_factory=list)
    #: The StreamField block this line is about ("" for the segment as a whole).
    block_id: str = ""


@dataclass
class Explanation:
    """A subscriber's degree in a segment, its threshold, and the rules' lines."""

    title: str
    degree: float
    threshold: float
    active: bool
    lines: list[Line]

    @property
    def is_member(self) -> bool:
        return self.active and self.degree > 0 and self.degree >= self.threshold

    def summary(self) -> str:
        verdict = _("member") if self.is_member else _("not a member")
        if not self.active:
            verdict = _("not a member: the subscription is not active")
        return _("%(title)s: %(degree)s (threshold %(threshold)s) → %(verdict)s") % {
            "title": self.title, "degree": f"{self.degree:.2f}",
            "threshold": f"{self.threshold:.2f}", "verdict": verdict,
        }

    def as_text(self) -> str:
        """The summary and the lines, indented two spaces per level."""
        out = [self.summary()]

        def walk(lines: list[Line], depth: int) -> None:
            for line in lines:
                out.append("  " * depth + line.text)
                walk(line.children, depth + 1)

        walk(self.lines, 1)
        return "\n".join(out)


def number_words(x: float) -> str:
    """2.3, 2, 0.25: at most two decimals, no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def ramp_words(ramp: r.Ramp, scale: float = 1.0) -> str:
    """"starts counting at 2, fully counts at 6", or "at least 5" for a step."""
    start, full = number_words(ramp.start * scale), number_words(ramp.full * scale)
    if ramp.is_step:
        return (_("at least %(n)s") if ramp.at_least else _("at most %(n)s")) % {"n": start}
    return _("starts counting at %(start)s, fully counts at %(full)s") % {
        "start": start, "full": full,
    }


def ago_words(days: float, never: str, template: str) -> str:
    """``never`` for infinitely long ago, else ``template`` with ``%(days)s``."""
    return never if math.isinf(days) else template % {"days": number_words(days)}


_GROUP_WORDS = {
    r.ALL: lambda: _("all of these (the weakest counts)"),
    r.ANY: lambda: _("any of these (the strongest counts)"),
    r.NONE: lambda: _("none of these (1 − the strongest)"),
}


def _line(outcome: Outcome, loaded: dict[str, Any]) -> Line:
    node = outcome.node
    if isinstance(node, r.Group):
        children = [_line(child, loaded) for child in outcome.children]
        text = _GROUP_WORDS[node.match]()
        return Line(f"{text} → {outcome.degree:.2f}", outcome.degree, children, node.block_id)
    text = node.words(outcome.measure, loaded.get(node.kind))
    return Line(f"{text} → {outcome.degree:.2f}", outcome.degree, [], node.block_id)


def explain(subscriber: Subscriber | int, segment: Any, now: datetime | None = None,
            threshold: float | None = None) -> Explanation:
    """Explain ``subscriber``'s degree in ``segment`` (a Segment, or unsaved rules with a
    ``threshold``, default 0.5)."""
    now = evaluation_time(now)
    if not isinstance(subscriber, Subscriber):
        subscriber = Subscriber.objects.get(pk=subscriber)
    tree = rule_tree(segment)
    outcome = reference_degree(subscriber, tree, now)
    loaded = {kind.kind: kind.load_words(nodes) for kind, nodes in tree.rules_by_kind().items()}
    if threshold is None:
        threshold = getattr(segment, "threshold", 0.5)
    title = str(segment) if isinstance(segment, Segment) else _("These rules")
    # The implicit top-level "all" is shown only when it combines several rules.
    root = _line(outcome, loaded) if tree.children else Line(_("no rules"), 0.0)
    lines = root.children if len(tree.children) == 1 else [root]
    return Explanation(
        title=title, degree=outcome.degree, threshold=threshold,
        active=subscriber.status == Subscriber.Status.ACTIVE, lines=lines,
    )
