"""Live preview helpers: degrees of unsaved rules and their histogram."""

import pytest

from wagtail_pushseg.segments.blocks import SegmentRulesBlock
from wagtail_pushseg.segments.compiler import degree_queryset, with_degree
from wagtail_pushseg.segments.preview import HistogramBin, histogram

from .conftest import NOW, block, make_affinity, make_subscriber


pytestmark = pytest.mark.django_db

RULES = [block("tag_interest", tags=["laptops"], starts_at=0, full_at=10)]


@pytest.fixture
def readers(db):
    subs = []
    for score in (0.0, 0.5, 1.0, 2.5, 5.0, 9.99, 10.0, 12.0):
        sub = make_subscriber()
        make_affinity(sub, "laptops", score)
        subs.append(sub)
    return subs


def test_histogram_counts_degrees_in_equal_bins(readers):
    bins = histogram(RULES, bins=10, now=NOW)
    assert len(bins) == 10
    assert bins[0] == HistogramBin(0.0, 0.1, 1)  # 0.05
    # 0.05 | 0.1 | 0.25 | 0.5 | 0.999, 1.0 (capped at 1) and 1.0 in the last bin. Degree 0
    # (the reader with score 0) is not counted.
    assert [b.count for b in bins] == [1, 1, 1, 0, 0, 1, 0, 0, 0, 3]


def test_degrees_of_unsaved_rules_from_a_stream_value(readers):
    stream = SegmentRulesBlock()
    value = stream.clean(stream.to_python(RULES))
    assert dict(degree_queryset(value, NOW)) == dict(degree_queryset(RULES, NOW))


def test_with_degree_annotates_subscribers_for_listings(readers):
    top = with_degree(RULES, NOW).order_by("-degree", "pk").first()
    assert top.degree == 1.0 and top.pk in {readers[6].pk, readers[7].pk}
