"""Suggested segments over a population built day by day through the real tracking recorder,
with a frozen clock: a daily job refreshes the segments and then the suggestions, as the
django-q2 schedules do in production."""

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from wagtail.models import Page

from tests.segments.conftest import block, make_subscriber
from wagtail_pushseg import tasks
from wagtail_pushseg.insights.suggested_segments import (
    find_groups,
    growth_words,
    refresh_suggestions,
)
from wagtail_pushseg.models import Segment, SegmentSuggestion, Subscriber
from wagtail_pushseg.segments.refresh import refresh_all, refresh_segment
from wagtail_pushseg.tracking.page_tags import page_tags
from wagtail_pushseg.tracking.recorder import record_page_view


DAY0 = datetime(2026, 8, 3, 12, 0, tzinfo=UTC)
#: The day the cycling-and-camping group starts reading.
APPEARS = 30


def day(n: int) -> datetime:
    return DAY0 + timedelta(days=n)


class Site:
    """Tagged article pages and the subscribers who read them, one simulated day at a time."""

    def __init__(self):
        from demo.models import ArticlePage

        root = Page.get_first_root_node()
        self.pages = {}
        for tag in ("cooking", "cycling", "camping", "running", "gardening"):
            page = ArticlePage(title=f"About {tag}", slug=f"about-{tag}", date="2026-08-01")
            page.tags.add(tag)
            root.add_child(instance=page)
            self.pages[tag] = page
        self.tags = {tag: page_tags(page) for tag, page in self.pages.items()}
        # Who reads what, and how often: (subscribers, tag, every n days, first day, last day).
        self.habits: list[tuple[list[Subscriber], str, int, int, int]] = []

    def people(self, n: int, joined: int = 0) -> list[Subscriber]:
        return [make_subscriber(created_at=day(joined)) for _ in range(n)]

    def reads(self, who: list[Subscriber], tag: str, every: int, first: int = 0,
              last: int = 10_000) -> None:
        self.habits.append((who, tag, every, first, last))

    def live(self, first: int, last: int, refresh=True, on_day=None) -> None:
        """Days ``first``..``last``: the page views of each day, then the daily jobs."""
        for n in range(first, last + 1):
            for i, (who, tag, every, start, stop) in enumerate(self.habits):
                if start <= n <= stop and (n - start) % every == 0:
                    for k, subscriber in enumerate(who):
                        when = day(n) - timedelta(hours=3, minutes=(k + i) % 50)
                        record_page_view(subscriber, self.pages[tag], self.tags[tag], when)
            if refresh:
                with freeze_time(day(n)):
                    refresh_all()
                    refresh_suggestions()
            if on_day:
                on_day(n)


def tag_segment(name: str, tags: list[str], active: bool = True) -> Segment:
    return Segment.objects.create(
        name=name, active=active,
        rules=[block("tag_interest", tags=tags, match="all", starts_at=1.0, full_at=3.0)],
    )


@pytest.fixture
def site(db):
    return Site()


def populate(site: Site) -> Site:
    """Cooks (covered by an active segment), a few gardeners (too few to suggest) and, from
    day 30, a new group reading both cycling and camping."""
    site.cooks = site.people(30)
    site.reads(site.cooks, "cooking", every=3)
    site.gardeners = site.people(10)
    site.reads(site.gardeners, "gardening", every=2)
    site.outdoor = site.people(28)
    site.reads(site.outdoor, "cycling", every=2, first=APPEARS)
    site.reads(site.outdoor, "camping", every=2, first=APPEARS + 1)
    site.cooking_segment = tag_segment("Cooks", ["cooking"])
    return site


@pytest.fixture
def population(site):
    return populate(site)


def pair() -> SegmentSuggestion | None:
    return SegmentSuggestion.objects.filter(key="pair:camping+cycling").first()


def test_two_tag_group_is_suggested_within_14_days_of_appearing_and_not_before(population):
    found_on = []

    def check(n):
        suggestion = pair()
        if n < APPEARS:
            assert suggestion is None, f"suggested on day {n}, before the group exists"
        elif suggestion and not found_on:
            found_on.append(n)

    population.live(0, APPEARS + 14, on_day=check)

    assert found_on, "the cycling-and-camping group was not suggested within 14 days"
    assert APPEARS <= found_on[0] <= APPEARS + 14
    suggestion = pair()
    assert suggestion.status == SegmentSuggestion.Status.OPEN
    assert suggestion.first_found_at == day(found_on[0])
    assert suggestion.kind == SegmentSuggestion.Kind.PAIR
    assert suggestion.tags == ["camping", "cycling"]
    assert suggestion.size == 28 and suggestion.uncovered == 28
    assert suggestion.overlaps == []
    # Read only in the last 14 days (day 30 on, looked at on day 44): new, none before.
    assert (suggestion.recent_readers, suggestion.baseline_readers) == (28, 0)
    assert suggestion.growth is None
    assert suggestion.explanation == (
        "28 subscribers read both camping and cycling; 100% are in no segment about interests; "
        "new in the last two weeks."
    )
    with freeze_time(day(APPEARS + 14)):
        groups = {g.key: g for g in find_groups()}
    assert groups["pair:camping+cycling"].members == {s.pk for s in population.outdoor}
    # The cooks are as strong a group, but "Cooks" covers them; the gardeners are too few.
    assert "tag:cooking" not in groups and "tag:gardening" not in groups
    # One-tag groups the pair describes already are not repeated.
    assert "tag:cycling" not in groups and "tag:camping" not in groups


def test_an_uncovered_strong_tag_group_is_suggested_with_its_overlaps(site):
    cooks = site.people(30)
    site.reads(cooks, "cooking", every=3)
    # Ten of them are in a segment about interests: 20 of 30 (67 %) are in none.
    early = Segment.objects.create(
        name="Early cooks", rules=[block("subscription_age", starts_at=30, full_at=90),
                                   block("tag_interest", tags=["cooking"], starts_at=1,
                                         full_at=2)],
    )
    site.live(0, 20, refresh=False)
    with freeze_time(day(20)):
        Subscriber.objects.filter(pk__in=[s.pk for s in cooks[:10]]).update(created_at=day(-200))
        refresh_all()
        refresh_suggestions()
    suggestion = SegmentSuggestion.objects.get(key="tag:cooking")
    assert suggestion.size == 30 and suggestion.uncovered == 20
    assert suggestion.overlaps == [{"segment_id": early.pk, "name": "Early cooks",
                                    "members": 10, "about_interests": True}]
    assert suggestion.explanation.startswith(
        "30 subscribers read a lot about cooking; 67% are in no segment about interests;"
    )

    # 21 of 30 in the segment: only 30 % outside every segment, below the 60 % asked for.
    with freeze_time(day(20)):
        Subscriber.objects.filter(pk__in=[s.pk for s in cooks[:21]]).update(created_at=day(-200))
        refresh_all()
        refresh_suggestions()
    assert not SegmentSuggestion.objects.filter(key="tag:cooking").exists()


def test_not_suggested_when_an_active_segment_covers_the_group(population):
    population.live(0, APPEARS + 14, refresh=False)
    with freeze_time(day(APPEARS + 14)):
        refresh_all()
        refresh_suggestions()
        assert pair() is not None
        outdoor = tag_segment("Outdoor people", ["cycling", "camping"])
        refresh_all()
        assert outdoor.memberships.count() == 28
        result = refresh_suggestions()
    assert pair() is None, "an open suggestion the segment covers now is withdrawn"
    assert result.removed == 1
    # An inactive segment covers nobody: the group is suggested again.
    Segment.objects.filter(pk=outdoor.pk).update(active=False)
    with freeze_time(day(APPEARS + 14)):
        refresh_suggestions()
    assert pair() is not None


def test_a_dismissed_suggestion_stays_dismissed_with_fresh_numbers(population):
    population.live(0, APPEARS + 10, refresh=False)
    with freeze_time(day(APPEARS + 10)):
        refresh_suggestions()
    SegmentSuggestion.objects.filter(pk=pair().pk).update(
        status=SegmentSuggestion.Status.DISMISSED
    )
    outdoor_later = population.people(5, joined=APPEARS + 10)
    population.reads(outdoor_later, "cycling", every=2, first=APPEARS + 11)
    population.reads(outdoor_later, "camping", every=2, first=APPEARS + 11)
    population.live(APPEARS + 11, APPEARS + 20, refresh=False)
    with freeze_time(day(APPEARS + 20)):
        refresh_suggestions()
    suggestion = pair()
    assert suggestion.status == SegmentSuggestion.Status.DISMISSED
    assert suggestion.size == 33
    assert suggestion.refreshed_at == day(APPEARS + 20)


def test_rising_tag_is_detected_from_page_views(site):
    # Ten readers of running now and then for weeks; from day 45 forty more, once each.
    regulars = site.people(10)
    site.reads(regulars, "running", every=10, first=0, last=40)
    newcomers = site.people(40, joined=44)
    site.reads(newcomers, "running", every=100, first=45)
    site.live(0, 56, refresh=False)
    with freeze_time(day(56)):
        refresh_suggestions()
    suggestion = SegmentSuggestion.objects.get(key="rising:running")
    # Days 42-56: the 40 newcomers; days 28-42 and 14-28: the 10 regulars each (views on
    # days 20, 30, 40), so 10 per fortnight before.
    assert (suggestion.recent_readers, suggestion.baseline_readers) == (40, 10)
    assert suggestion.growth == pytest.approx(4.0)
    assert suggestion.size == 40 and suggestion.uncovered == 40
    assert suggestion.explanation == (
        "40 subscribers read about running in the last two weeks; 100% are in no segment "
        "about interests; "
        "up 4× in two weeks."
    )
    # One view each is no strong interest: no "Fans of running".
    assert not SegmentSuggestion.objects.filter(key="tag:running").exists()
    # Its rules take everybody who read the tag in the last fortnight (and the regulars'
    # older views have faded below them only after about a month).
    draft = Segment.objects.create(name="Runners", rules=suggestion.rules, threshold=0.5,
                                   active=False)
    refresh_segment(draft, day(56))
    members = set(draft.memberships.values_list("subscriber_id", flat=True))
    assert {s.pk for s in newcomers} <= members

    # Four weeks later the newcomers are old news: not rising any more, withdrawn.
    with freeze_time(day(84)):
        refresh_suggestions()
    assert not SegmentSuggestion.objects.filter(key="rising:running").exists()


def test_steady_readership_is_not_rising(site):
    readers = site.people(30)
    site.reads(readers, "running", every=7)
    site.live(0, 56, refresh=False)
    with freeze_time(day(56)):
        groups = {g.key: g for g in find_groups()}
    assert "rising:running" not in groups
    # Weekly views add up to a strong interest: a tag suggestion instead, steady.
    assert groups["tag:running"].growth == pytest.approx(1.0)


@pytest.mark.parametrize("recent, baseline, words", [
    (30, 0, "new in the last two weeks"),
    (30, 10, "up 3× in two weeks"),
    (25, 10, "up 2.5× in two weeks"),
    (10, 10, "steady over the last six weeks"),
    (5, 20, "down to 25% of before in two weeks"),
])
def test_growth_in_words(recent, baseline, words):
    assert growth_words(recent, baseline) == words


def test_daily_task_refreshes_the_suggestions(population):
    population.live(0, APPEARS + 14, refresh=False)
    with freeze_time(day(APPEARS + 14)):
        refresh_all()
        assert tasks.refresh_segment_suggestions() >= 1
    assert pair() is not None


def test_finding_groups_costs_the_same_statements_for_any_population(site, settings):
    """Bulk statements and set maths: no query per subscriber, tag pair or segment."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "SUGGESTION_MIN_SIZE": 3}
    tag_segment("Cooks", ["cooking"])
    tag_segment("Runners", ["running"])

    def statements() -> tuple[int, int]:
        with freeze_time(day(12)):
            refresh_all()
            with CaptureQueriesContext(connection) as queries:
                groups = find_groups()
        return len(queries), len(groups)

    outdoor, cooks = site.people(4), site.people(4)
    site.reads(outdoor, "cycling", every=2)
    site.reads(outdoor, "camping", every=2)
    site.reads(cooks, "cooking", every=2)
    site.live(0, 12, refresh=False)
    small, small_groups = statements()

    more = site.people(12)
    site.reads(more, "gardening", every=2)
    site.reads(more, "cycling", every=3)
    site.habits = site.habits[-2:]
    site.live(0, 12, refresh=False)
    large, large_groups = statements()

    assert large_groups > small_groups >= 1
    assert small == large


def test_a_new_pair_group_is_suggested_while_new_subscribers_still_holds_them(site):
    """Issue 16: a group of new subscribers reading two tags together sat inside the starter
    "New subscribers" (a lifecycle segment, nothing about interests) and was suggested only
    once that segment let them go, four weeks later."""
    from wagtail_pushseg.segments.starter import new_subscribers

    starter = new_subscribers()
    newcomers = Segment.objects.create(name=starter.name, slug=starter.slug,
                                       rules=starter.rules)
    outdoor = site.people(28, joined=APPEARS)
    site.reads(outdoor, "cycling", every=2, first=APPEARS)
    site.reads(outdoor, "camping", every=2, first=APPEARS + 1)
    found_on = []

    def check(n):
        if pair() and not found_on:
            found_on.append(n)
            assert newcomers.memberships.filter(degree__gte=0.5).count() == 28

    site.live(0, APPEARS + 10, on_day=check)

    assert found_on and found_on[0] <= APPEARS + 10, "not suggested within 10 days"
    suggestion = pair()
    assert suggestion.uncovered == 28
    assert suggestion.overlaps == [{"segment_id": newcomers.pk, "name": "New subscribers",
                                    "members": 28, "about_interests": False}]
    assert "28 in New subscribers: a lifecycle segment, not about interests" in (
        suggestion.explanation)
