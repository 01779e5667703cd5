"""Starter segments: valid rules an editor could have built, installed once by slug, by a
function and by ``manage.py pushseg_starter_segments``."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_pushseg.models import Segment
from wagtail_pushseg.segments.compiler import degree_queryset
from wagtail_pushseg.segments.reference import reference_degree
from wagtail_pushseg.segments.starter import (
    fans_of,
    install_starter_segments,
    most_read_tag,
    starter_definitions,
)
from wagtail_pushseg.tracking.activity import day_number, mark_active

from .conftest import make_affinity, make_profile, make_subscriber


pytestmark = pytest.mark.django_db

FIXED = ["loyal-subscribers", "bargain-hunters", "lapsed", "new-subscribers"]


def slugs() -> list[str]:
    return list(Segment.objects.order_by("pk").values_list("slug", flat=True))


def weekly_visitor(weeks: int, now, sale_share: float = 0.0, **fields):
    """A subscriber who visited once a week for ``weeks`` weeks, up to yesterday."""
    subscriber = make_subscriber(created_at=now - timedelta(days=200), **fields)
    days = weeks_mask = anchor = 0
    for week in range(weeks, 0, -1):
        day = day_number(now - timedelta(days=7 * week - 6))
        days, weeks_mask, anchor = mark_active(days, weeks_mask, anchor, day)
    make_profile(subscriber, total_visits=weeks, activity_day=anchor, active_days=days,
                 active_weeks=weeks_mask, last_visit_at=now - timedelta(days=1),
                 recent_visits=float(weeks), recent_sale_visits=weeks * sale_share,
                 recent_at=now)
    return subscriber


def test_every_starter_passes_the_editor_checks():
    for starter in starter_definitions(["cameras", "smart-home"]):
        segment = Segment(name=starter.name, slug=starter.slug, rules=starter.rules,
                          threshold=starter.threshold)
        segment.full_clean()  # the blocks' own checks, as the admin form runs them
    assert fans_of(" Smart Home ").slug == "fans-of-smart-home"


def test_install_is_idempotent_by_slug_and_keeps_edited_segments():
    first = install_starter_segments(fan_tags=["cameras"])
    assert [item.created for item in first] == [True] * 5
    assert slugs() == FIXED + ["fans-of-cameras"]
    loyal = Segment.objects.get(slug="loyal-subscribers")
    loyal.threshold = 0.8
    loyal.save()
    again = install_starter_segments(fan_tags=["cameras", "audio"])
    assert [item.created for item in again] == [False] * 5 + [True]
    assert Segment.objects.get(slug="loyal-subscribers").threshold == 0.8
    assert Segment.objects.count() == 6
    created = ModelLogEntry.objects.filter(content_type__model="segment",
                                           action="wagtail.create")
    assert created.count() == 6


def test_most_read_tag_leaves_sale_tags_aside():
    assert most_read_tag() is None
    a, b = make_subscriber(), make_subscriber()
    for subscriber, tag, views in [(a, "sale", 50), (a, "audio", 3), (b, "audio", 4),
                                   (b, "cameras", 6)]:
        affinity = make_affinity(subscriber, tag, 1.0)
        affinity.views = views
        affinity.save()
    assert most_read_tag() == "audio"  # 7 views, cameras 6, sale does not count
    installed = install_starter_segments()
    assert installed[-1].segment.slug == "fans-of-audio"


def test_loyal_and_bargain_starters_tell_weekly_readers_from_sale_regulars():
    now = timezone.now()
    loyal = weekly_visitor(10, now)
    bargain = weekly_visitor(10, now, sale_share=1.0)
    occasional = weekly_visitor(3, now)
    rules = {s.slug: s for s in starter_definitions()}
    members = {
        slug: {pk for pk, degree in degree_queryset(rules[slug].rules, now)
               if degree >= rules[slug].threshold}
        for slug in ("loyal-subscribers", "bargain-hunters")
    }
    assert members["loyal-subscribers"] == {loyal.pk}
    assert members["bargain-hunters"] == {bargain.pk}
    explained = reference_degree(occasional, rules["loyal-subscribers"].rules, now)
    assert explained.degree == 0.0


def test_command_installs_refreshes_and_reports(settings):
    out = StringIO()
    make_subscriber(created_at=timezone.now() - timedelta(days=2))  # a new subscriber
    call_command("pushseg_starter_segments", "--tag", "cameras", "--tag", "audio",
                 "--refresh", stdout=out)
    text = out.getvalue()
    assert "New subscribers (new-subscribers): created; 1 members" in text
    assert "Fans of audio (fans-of-audio): created; 0 members" in text
    assert "Starter segments: 6 created, 0 already there." in text
    assert Segment.objects.get(slug="new-subscribers").member_count == 1
    out = StringIO()
    call_command("pushseg_starter_segments", "--tag", "cameras", stdout=out)
    assert "Starter segments: 0 created, 5 already there." in out.getvalue()


def test_command_without_reads_says_how_to_get_a_fans_segment():
    out = StringIO()
    call_command("pushseg_starter_segments", stdout=out)
    assert "add --tag TAG" in out.getvalue()
    assert slugs() == FIXED
