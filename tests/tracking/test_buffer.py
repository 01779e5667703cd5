"""The default write path: page views queued by the request, written by a background thread."""

import time

import pytest
from django.db import OperationalError

from wagtail_pushseg.models import Event, Profile
from wagtail_pushseg.tracking.buffer import view_buffer


ARTICLE = "/magazine/best-laptops/"


@pytest.fixture
def buffered(settings):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG, "TRACKING_WRITES": "buffered",
        "TRACKING_FLUSH_SECONDS": 3600, "TRACKING_BATCH_SIZE": 10_000,
    }
    view_buffer.flush()
    yield
    view_buffer.flush()


@pytest.mark.django_db
def test_request_only_queues_and_a_flush_writes_the_batch(pages, subscribed, buffered):
    client, subscriber = subscribed
    client.get(ARTICLE)
    client.get(ARTICLE)
    assert not Event.objects.exists()  # nothing written on the request path
    assert len(view_buffer) == 2

    assert view_buffer.flush() == 2
    assert Event.objects.filter(subscriber=subscriber).count() == 2
    assert Profile.objects.get(subscriber=subscriber).total_visits == 2


@pytest.mark.django_db
def test_views_of_visitors_who_are_not_active_subscribers_are_dropped(
    pages, subscribed, buffered, client
):
    browser, subscriber = subscribed
    client.cookies["pushseg_vid"] = "f" * 32  # well-formed but nobody's
    client.get(ARTICLE, HTTP_USER_AGENT="Mozilla/5.0 Firefox/133.0")
    browser.get(ARTICLE)
    subscriber.status = "unsubscribed"
    subscriber.save()
    assert view_buffer.flush() == 0
    assert not Event.objects.exists()


def written(subscriber) -> bool:
    try:
        return Event.objects.filter(subscriber=subscriber).exists()
    except OperationalError:
        # The in-memory test database locks whole tables while the writer commits; a real
        # SQLite file (WAL) or PostgreSQL lets readers through.
        return False


# serialized_rollback: an earlier transactional test (the migration tests) may have flushed
# Wagtail's root page, which the shop pages are built under.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_background_thread_writes_a_full_batch_by_itself(pages, subscribed, settings):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG, "TRACKING_WRITES": "buffered", "TRACKING_BATCH_SIZE": 1,
    }
    client, subscriber = subscribed
    client.get(ARTICLE)
    deadline = time.monotonic() + 10
    while not written(subscriber):
        assert time.monotonic() < deadline, "the writer thread did not write the view"
        time.sleep(0.05)
    assert len(view_buffer) == 0
