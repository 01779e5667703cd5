"""The frequency cap is exact when two campaigns' chunks reach the same subscribers at the same
moment: with one push a day allowed, each subscriber gets exactly one push and the other
delivery ends capped; never both sent, never both capped.

The race runs on PostgreSQL with two threads (two connections) each running
``engine.send_chunk``; a barrier holds both after their claim until the other has claimed too,
so each decides its cap while the other chunk is claimed and not yet sent.
"""

import threading

import pytest
from django.db import connection, connections

from tests.campaigns import conftest as campaign_fixtures
from tests.segments.conftest import block, make_segment
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.campaigns.sending import engine
from wagtail_pushseg.models import Campaign, Delivery

from .committed import committed_rows


make_sandbox_subscribers = campaign_fixtures.make_sandbox_subscribers

READERS = 6


@pytest.fixture
def one_a_day(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "FREQUENCY_CAP_PER_DAY": 1}


@pytest.fixture
def racing_db(django_db_setup, django_db_blocker):
    """Committed rows, so that each thread's own connection sees what the test wrote."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: a claim's write lock already makes two chunks "
                    "take turns, so there is no race; it runs in the PostgreSQL pass")
    with committed_rows(django_db_blocker):
        yield


def two_campaigns_for_the_same_readers() -> tuple[Campaign, Campaign]:
    """Two campaigns, planned and sending, both to every English subscriber."""
    english = make_segment([block("language", languages=["en"])], name="English")
    made = []
    for title in ("Morning news", "Flash sale"):
        campaign = Campaign.objects.create(title=title, body="Read it", url="/news/")
        campaign_fixtures.target(campaign, english, 0)
        services.send_now(campaign, enqueue=False)
        assert services.plan(campaign.pk, enqueue=False) == READERS
        made.append(campaign)
    return made[0], made[1]


def assert_one_push_each(sandbox, readers, campaigns) -> None:
    for subscriber in readers:
        rows = sorted(Delivery.objects.filter(subscriber=subscriber, campaign__in=campaigns)
                      .values_list("status", "reason"))
        assert rows == [("capped", "frequency cap: 1 a day"), ("sent", "")], subscriber.pk
        assert len(sandbox.messages(subscriber.endpoint)) == 1, subscriber.pk
    assert sandbox.total_requests == len(readers)  # the capped ones were never POSTed


@pytest.mark.django_db
def test_chunks_one_after_the_other_send_once_and_cap_the_second(
    one_a_day, sandbox, make_sandbox_subscribers
):
    readers = make_sandbox_subscribers(READERS, language="en-GB")
    first, second = two_campaigns_for_the_same_readers()
    done = [engine.send_chunk(first.pk), engine.send_chunk(second.pk)]
    assert [(r.claimed, r.sent, r.capped) for r in done] == [(6, 6, 0), (6, 0, 6)]
    assert_one_push_each(sandbox, readers, [first, second])


def test_two_chunks_claimed_together_send_each_subscriber_one_push(
    racing_db, one_a_day, sandbox, make_sandbox_subscribers, monkeypatch
):
    readers = make_sandbox_subscribers(READERS, language="en-GB")
    first, second = two_campaigns_for_the_same_readers()

    both_claimed = threading.Barrier(2, timeout=30)
    decide = engine.hold_back

    def hold_back_once_both_claimed(campaign, ids, now=None):
        assert len(ids) == READERS  # this chunk has claimed every reader...
        both_claimed.wait()  # ...and so has the other one: now both decide the cap
        return decide(campaign, ids, now)

    monkeypatch.setattr(engine, "hold_back", hold_back_once_both_claimed)
    results: dict = {}

    def send(campaign_id: int) -> None:
        try:
            results[campaign_id] = engine.send_chunk(campaign_id)
        except BaseException as exc:  # handed to the test, which raises it
            results[campaign_id] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=send, args=(c.pk,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    for outcome in results.values():
        if isinstance(outcome, BaseException):
            raise outcome

    # One chunk decided first and sent to everyone; the other saw those pushes in flight.
    assert sorted((r.claimed, r.sent, r.capped) for r in results.values()) == [
        (READERS, 0, READERS), (READERS, READERS, 0)]
    assert_one_push_each(sandbox, readers, [first, second])
