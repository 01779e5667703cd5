"""Overlap between segments: members of each, of both, and the Jaccard index."""

import pytest

from wagtail_pushseg.segments.overlap import overlap, overlap_matrix

from .conftest import block, make_member, make_segment, make_subscriber


pytestmark = pytest.mark.django_db


def _segment(name):
    return make_segment([block("browser", browsers=["Firefox"])], name=name)


def test_overlap_counts_members_of_each_and_both():
    a, b, c = _segment("A"), _segment("B"), _segment("C")
    subs = [make_subscriber() for _ in range(6)]
    for sub in subs[:4]:
        make_member(a, sub, 0.8)
    for sub in subs[2:6]:
        make_member(b, sub, 0.6)
    result = overlap(a, b)
    assert (result.a, result.b, result.both, result.either) == (4, 4, 2, 6)
    assert result.jaccard == pytest.approx(2 / 6)
    assert overlap(a.pk, c.pk).jaccard == 0.0
    assert overlap(c, c).jaccard == 0.0  # nobody in either: 0, not a division by zero


def test_overlap_matrix_gives_every_pair_from_one_query(django_assert_num_queries):
    a, b, c = _segment("A"), _segment("B"), _segment("C")
    subs = [make_subscriber() for _ in range(5)]
    for sub in subs[:3]:
        make_member(a, sub, 1.0)
    for sub in subs[1:5]:
        make_member(b, sub, 1.0)
    make_member(c, subs[0], 1.0)
    with django_assert_num_queries(1):
        matrix = overlap_matrix([a, b, c])
    assert matrix[(a.pk, b.pk)] == overlap(a, b)
    assert matrix[(b.pk, a.pk)].both == 2
    assert matrix[(a.pk, c.pk)].both == 1
    assert matrix[(b.pk, c.pk)].both == 0
    assert matrix[(a.pk, a.pk)].jaccard == 1.0
