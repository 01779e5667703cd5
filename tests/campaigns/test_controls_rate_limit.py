"""The global send rate: a budget per second shared through the cache. A chunk sends what the
budget allows; the rest stays pending with no attempt spent and goes out in a later second."""

import pytest
from django.core.cache import cache

from wagtail_pushseg.campaigns.sending import rate_budget
from wagtail_pushseg.campaigns.sending.engine import send_chunk
from wagtail_pushseg.models import Delivery

from .controls_helpers import campaign_for_everyone, frozen, plan_only, utc


pytestmark = pytest.mark.django_db

NOON = utc(2026, 5, 4, 12, 0)


@pytest.fixture
def limit(settings):
    def set_limit(per_second):
        settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "SEND_RATE_LIMIT": per_second}
    return set_limit


def by_status(campaign) -> dict[str, int]:
    rows = Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)
    return {status: list(rows).count(status) for status in set(rows)}


def test_budget_is_shared_and_unused_reservations_come_back(limit):
    limit(10)
    with frozen(NOON) as clock:
        first = rate_budget.take(6)
        second = rate_budget.take(6)  # another worker, same second: only what is left
        assert (first.granted, second.granted) == (6, 4)
        assert rate_budget.take(1).granted == 0
        rate_budget.give_back(first, 2)  # two of the first chunk were held back
        assert rate_budget.take(5).granted == 2
        clock.tick(1)  # a new second, a new budget
        assert rate_budget.take(15).granted == 10


def test_unlimited_rate_never_touches_the_cache(limit):
    limit(None)
    with frozen(NOON):
        assert rate_budget.take(5000).granted == 5000
        assert cache.get(rate_budget.KEY.format(int(NOON.timestamp()))) is None


def test_rate_limit_leaves_the_rest_pending_and_the_next_second_sends_it(
    make_sandbox_subscribers, sandbox, limit
):
    limit(3)
    subscribers = make_sandbox_subscribers(5, language="en-GB")
    campaign = campaign_for_everyone()
    with frozen(NOON) as clock:
        plan_only(campaign)
        first = send_chunk(campaign.pk, limit=100)
        assert (first.claimed, first.sent) == (3, 3)
        assert by_status(campaign) == {"sent": 3, "pending": 2}
        waiting = Delivery.objects.filter(campaign=campaign, status="pending")
        assert set(waiting.values_list("attempts", flat=True)) == {0}
        assert len(sandbox.all_messages()) == 3

        clock.tick(1)
        second = send_chunk(campaign.pk, limit=100)
        assert (second.claimed, second.sent) == (2, 2)
    assert by_status(campaign) == {"sent": 5}
    assert sorted(len(sandbox.messages(s.endpoint)) for s in subscribers) == [1] * 5


def test_spent_budget_waits_for_the_next_second_instead_of_claiming(
    make_sandbox_subscribers, sandbox, limit, monkeypatch
):
    limit(2)
    make_sandbox_subscribers(3, language="en-GB")
    campaign = campaign_for_everyone()
    with frozen(NOON) as clock:
        plan_only(campaign)
        assert send_chunk(campaign.pk).sent == 2
        # Waiting moves the frozen clock, as a real sleep moves the real one.
        waits = []
        monkeypatch.setattr(rate_budget.time, "sleep",
                            lambda s: (waits.append(s), clock.tick(s)))
        later = send_chunk(campaign.pk)
        assert waits == [1.0]
        assert later.sent == 1


def test_spent_budget_with_no_second_to_wait_for_reports_throttled(
    make_sandbox_subscribers, sandbox, limit, monkeypatch
):
    limit(2)
    make_sandbox_subscribers(3, language="en-GB")
    campaign = campaign_for_everyone()
    with frozen(NOON):
        plan_only(campaign)
        send_chunk(campaign.pk)
        monkeypatch.setattr(rate_budget.time, "sleep", lambda s: None)  # clock stays frozen
        throttled = send_chunk(campaign.pk)
    assert (throttled.claimed, throttled.throttled) == (0, True)
    assert by_status(campaign) == {"sent": 2, "pending": 1}


def test_held_back_deliveries_give_their_budget_back(
    make_sandbox_subscribers, sandbox, limit, settings
):
    limit(4)
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("21:00", "08:00")}
    make_sandbox_subscribers(2, language="en-GB", timezone="Asia/Tokyo")  # 21:00 there: quiet
    make_sandbox_subscribers(2, language="en-GB", timezone="Europe/Berlin")
    campaign = campaign_for_everyone()
    with frozen(NOON):
        plan_only(campaign)
        result = send_chunk(campaign.pk)
        assert (result.claimed, result.deferred, result.sent) == (4, 2, 2)
        # The two deferred pushes did not use this second's budget.
        assert rate_budget.take(4).granted == 2


def test_system_checks_flag_controls_that_cannot_work(settings):
    from wagtail_pushseg.checks import check_delivery_controls

    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("late", "08:00"),
                                "FREQUENCY_CAP_PER_DAY": 0, "SEND_RATE_LIMIT": 100}
    assert [p.id for p in check_delivery_controls()] == [
        "wagtail_pushseg.E010", "wagtail_pushseg.E011", "wagtail_pushseg.W010"]
    settings.CACHES = {**settings.CACHES, "shared": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/11"}}
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("22:00", "07:00"),
                                "FREQUENCY_CAP_PER_DAY": 2, "SEND_RATE_CACHE": "shared"}
    assert check_delivery_controls() == []
