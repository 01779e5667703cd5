"""The frequency cap across campaigns, with a frozen clock: per day and per week, the
campaign's own numbers or "no cap", and capped deliveries recorded as such."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_pushseg.campaigns.results import funnels
from wagtail_pushseg.campaigns.sending.claim import claim
from wagtail_pushseg.campaigns.sending.controls import hold_back
from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.models import Campaign, Delivery

from .controls_helpers import campaign_for_everyone, frozen, plan_only, send, utc


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]

MONDAY = utc(2026, 5, 4, 9, 0)


@pytest.fixture
def caps(settings):
    def set_caps(day=None, week=None):
        settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "FREQUENCY_CAP_PER_DAY": day,
                                    "FREQUENCY_CAP_PER_WEEK": week}
    return set_caps


@pytest.fixture
def readers(make_sandbox_subscribers, sandbox):
    return make_sandbox_subscribers(3, language="en-GB", timezone="Europe/Berlin")


def statuses(campaign) -> list[str]:
    return sorted(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True))


def inbox_sizes(sandbox, subscribers) -> list[int]:
    return [len(sandbox.messages(s.endpoint)) for s in subscribers]


def send_at(when, capture, **fields) -> Campaign:
    with frozen(when):
        return send(campaign_for_everyone(**fields), capture)


def test_one_push_a_day_caps_the_second_campaign_until_the_next_day(
    readers, sandbox, caps, django_capture_on_commit_callbacks
):
    caps(day=1)
    first = send_at(MONDAY, django_capture_on_commit_callbacks, title="Morning news")
    second = send_at(MONDAY + timedelta(hours=5), django_capture_on_commit_callbacks,
                     title="Afternoon news")
    assert statuses(first) == ["sent"] * 3
    assert statuses(second) == ["capped"] * 3
    assert set(Delivery.objects.filter(campaign=second).values_list("reason", flat=True)) == {
        "frequency cap: 1 a day"}
    assert second.status == Campaign.Status.SENT  # capped is final: nothing left to do
    assert funnels([second.pk])[second.pk].capped == 3
    assert inbox_sizes(sandbox, readers) == [1, 1, 1]
    assert [m.json()["title"] for m in sandbox.messages(readers[0].endpoint)] == ["Morning news"]

    third = send_at(MONDAY + timedelta(hours=24, minutes=1), django_capture_on_commit_callbacks)
    assert statuses(third) == ["sent"] * 3
    assert inbox_sizes(sandbox, readers) == [2, 2, 2]


def test_the_cap_counts_each_subscriber_on_their_own(
    make_sandbox_subscribers, sandbox, caps, django_capture_on_commit_callbacks
):
    caps(day=1)
    [fresh] = make_sandbox_subscribers(1, language="de-DE", timezone="Asia/Tokyo")
    [busy] = make_sandbox_subscribers(1, language="en-GB", timezone="America/New_York")
    send_at(MONDAY, django_capture_on_commit_callbacks)  # English only: busy gets it
    fresh.language = "en-GB"
    fresh.save()
    later = send_at(MONDAY + timedelta(hours=1), django_capture_on_commit_callbacks)
    assert Delivery.objects.get(campaign=later, subscriber=fresh).status == "sent"
    assert Delivery.objects.get(campaign=later, subscriber=busy).status == "capped"
    assert inbox_sizes(sandbox, [fresh, busy]) == [1, 1]


def test_two_pushes_a_week_caps_the_third_within_seven_days(
    readers, sandbox, caps, django_capture_on_commit_callbacks
):
    caps(week=2)
    capture = django_capture_on_commit_callbacks
    assert statuses(send_at(MONDAY, capture)) == ["sent"] * 3
    assert statuses(send_at(MONDAY + timedelta(days=2), capture)) == ["sent"] * 3
    capped = send_at(MONDAY + timedelta(days=4), capture)
    assert statuses(capped) == ["capped"] * 3
    assert Delivery.objects.filter(campaign=capped).first().reason == "frequency cap: 2 a week"
    assert inbox_sizes(sandbox, readers) == [2, 2, 2]
    # Eight days on, Monday's push has left the seven-day window: one in the week so far.
    assert statuses(send_at(MONDAY + timedelta(days=8), capture)) == ["sent"] * 3
    assert inbox_sizes(sandbox, readers) == [3, 3, 3]


def test_urgent_campaign_with_no_cap_reaches_everyone(
    readers, sandbox, caps, django_capture_on_commit_callbacks
):
    caps(day=1, week=1)
    send_at(MONDAY, django_capture_on_commit_callbacks)
    urgent = send_at(MONDAY + timedelta(hours=1), django_capture_on_commit_callbacks,
                     ignore_frequency_cap=True)
    assert statuses(urgent) == ["sent"] * 3
    assert inbox_sizes(sandbox, readers) == [2, 2, 2]
    # Urgent pushes still count for the campaigns after them.
    after = send_at(MONDAY + timedelta(hours=2), django_capture_on_commit_callbacks)
    assert statuses(after) == ["capped"] * 3


def test_campaigns_own_cap_overrides_the_site_setting(
    readers, sandbox, caps, django_capture_on_commit_callbacks
):
    caps(day=1)
    capture = django_capture_on_commit_callbacks
    send_at(MONDAY, capture)
    looser = send_at(MONDAY + timedelta(hours=1), capture, cap_per_day=2)
    assert statuses(looser) == ["sent"] * 3
    stricter_week = send_at(MONDAY + timedelta(hours=2), capture, cap_per_day=5, cap_per_week=2)
    assert statuses(stricter_week) == ["capped"] * 3
    assert inbox_sizes(sandbox, readers) == [2, 2, 2]


def test_without_cap_settings_nothing_is_capped(readers, sandbox,
                                                django_capture_on_commit_callbacks):
    for hour in range(3):
        campaign = send_at(MONDAY + timedelta(hours=hour), django_capture_on_commit_callbacks)
        assert statuses(campaign) == ["sent"] * 3


def test_cap_is_one_aggregate_query_per_chunk_whatever_its_size(
    make_sandbox_subscribers, sandbox, caps, django_capture_on_commit_callbacks
):
    caps(day=1, week=3)
    make_sandbox_subscribers(8, language="en-GB", timezone="Europe/Berlin")
    send_at(MONDAY, django_capture_on_commit_callbacks)
    counts = []
    for size in (2, 6):
        with frozen(MONDAY + timedelta(hours=1)):
            campaign = campaign_for_everyone()
            plan_only(campaign)
            ids = claim(campaign.pk, size)
            with CaptureQueriesContext(connection) as queries:
                held = hold_back(campaign, ids)
        assert (len(held.send), held.capped) == (0, size)
        counts.append(len(queries.captured_queries))
    # Read the chunk, (PostgreSQL) lock its subscribers in one statement, count recent pushes
    # (one GROUP BY), one UPDATE for the capped.
    assert counts == ([4, 4] if connection.vendor == "postgresql" else [3, 3])
    if connection.vendor == "postgresql":
        [lock] = [q for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
    group_by = [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert len(group_by) == 1


def test_a_push_another_campaign_has_in_flight_counts_until_its_lease_runs_out(
    readers, sandbox, caps
):
    caps(day=1)
    with frozen(MONDAY):
        first, second = campaign_for_everyone("First"), campaign_for_everyone("Second")
        plan_only(first)
        plan_only(second)
        in_flight = claim(first.pk, 10)
        assert sorted(hold_back(first, in_flight).send) == sorted(in_flight)  # leased, unanswered
        held = hold_back(second, claim(second.pk, 10))
    assert (held.send, held.capped) == ([], 3)
    assert statuses(second) == ["capped"] * 3
    # The first campaign's worker died: once its lease has run out its rows count no more.
    lease = timedelta(seconds=pushseg_settings.DELIVERY_LEASE_SECONDS)
    with frozen(MONDAY + lease + timedelta(seconds=1)):
        third = campaign_for_everyone("Third")
        plan_only(third)
        ids = claim(third.pk, 10)
        assert sorted(hold_back(third, ids).send) == sorted(ids)
