"""Builders for segment tests: subscribers, profiles, affinities, events and rules as raw JSON."""

import itertools
from datetime import UTC, datetime

import pytest

from wagtail_pushseg.models import Event, Membership, Profile, Segment, Subscriber, TagAffinity
from wagtail_pushseg.segments.compiler import degree_queryset
from wagtail_pushseg.segments.reference import reference_degree


#: A Monday noon, UTC: the "now" of most segment tests.
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
_counter = itertools.count(1)


def block(kind: str, **value) -> dict:
    """One rule block as a StreamField stores it."""
    return {"type": kind, "value": value, "id": f"b{next(_counter)}"}


def group(match: str, *children: dict) -> dict:
    return block("group", match=match, rules=list(children))


def make_subscriber(**fields) -> Subscriber:
    n = next(_counter)
    fields.setdefault("created_at", NOW)
    return Subscriber.objects.create(
        endpoint=f"https://fcm.googleapis.com/fcm/send/test-{n}",
        p256dh="p" * 87, auth="a" * 22, **fields,
    )


def make_profile(subscriber: Subscriber, **fields) -> Profile:
    return Profile.objects.create(subscriber=subscriber, **fields)


def make_affinity(subscriber: Subscriber, tag: str, score: float, updated_at=NOW) -> TagAffinity:
    return TagAffinity.objects.create(
        subscriber=subscriber, tag=tag, score=score, views=1, updated_at=updated_at
    )


def make_event(subscriber: Subscriber, name: str, when) -> Event:
    return Event.objects.create(
        subscriber=subscriber, kind=Event.Kind.CUSTOM, name=name, occurred_at=when
    )


def make_segment(rules: list, threshold: float = 0.5, name: str | None = None,
                 **fields) -> Segment:
    name = name or f"Segment {next(_counter)}"
    return Segment.objects.create(name=name, rules=rules, threshold=threshold, **fields)


def make_member(segment: Segment, subscriber: Subscriber, degree: float) -> Membership:
    return Membership.objects.create(
        segment=segment, subscriber=subscriber, degree=degree, entered_at=NOW, updated_at=NOW
    )


def degrees(rules, now=NOW) -> dict[int, float]:
    """Set-based degrees above 0, by subscriber id."""
    return dict(degree_queryset(rules, now))


def degree_of(subscriber: Subscriber, rules, now=NOW) -> float:
    """One subscriber's degree, set-based, after checking it equals the reference evaluator's."""
    sql = degrees(rules, now).get(subscriber.pk, 0.0)
    python = reference_degree(subscriber, rules, now).degree
    assert sql == pytest.approx(python, abs=1e-9), (sql, python)
    return sql


@pytest.fixture
def subscriber(db) -> Subscriber:
    return make_subscriber(browser="Firefox", platform="Linux", language="de-DE",
                           timezone="Europe/Berlin")
