"""Migration 0014 run for real: rows written under the 0012 schema with one push address spelt
three ways become one subscriber that keeps everyone's history (issue 14, item 4)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from wagtail_pushseg.models import endpoint_hash
from wagtail_pushseg.tracking.decay import decayed


# serialized_rollback: its flush then leaves the migrations' data (Wagtail's root page, content
# types) for the transactional tests after it to restore, instead of re-creating part of it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("wagtail_pushseg", "0012_progress")]
AFTER = [("wagtail_pushseg", "0014_canonical_endpoints")]
CANONICAL = "https://fcm.googleapis.com/fcm/send/M1"
DAY = datetime(2026, 11, 1, 12, tzinfo=UTC)


def at(days: float) -> datetime:
    return DAY + timedelta(days=days)


@pytest.fixture
def executor():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    # The schema is shared with the rest of the run: leave it at the latest migrations.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(executor, targets):
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def write_old_rows(apps) -> dict:
    """Three spellings of one address (a, b, c), a lone odd spelling, an unreadable and a
    canonical endpoint, with history on a and b."""
    Subscriber = apps.get_model("wagtail_pushseg", "Subscriber")
    Profile = apps.get_model("wagtail_pushseg", "Profile")
    TagAffinity = apps.get_model("wagtail_pushseg", "TagAffinity")
    Event = apps.get_model("wagtail_pushseg", "Event")
    Segment = apps.get_model("wagtail_pushseg", "Segment")
    Membership = apps.get_model("wagtail_pushseg", "Membership")
    MembershipDay = apps.get_model("wagtail_pushseg", "MembershipDay")
    Campaign = apps.get_model("wagtail_pushseg", "Campaign")
    Delivery = apps.get_model("wagtail_pushseg", "Delivery")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")

    def subscriber(endpoint, **fields):
        fields = {"p256dh": "k", "auth": "a", **fields}
        return Subscriber.objects.create(endpoint=endpoint, endpoint_hash=endpoint_hash(endpoint),
                                         **fields)

    a = subscriber(CANONICAL, created_at=at(0), last_seen_at=at(1), visitor_id="va")
    b = subscriber("https://FCM.GOOGLEAPIS.COM./fcm/send/M1", created_at=at(2),
                   last_seen_at=at(5), visitor_id="vb", p256dh="newest", language="de")
    c = subscriber("https://fcm.googleapis.com:0443/fcm/send/M1", created_at=at(-3),
                   last_seen_at=at(3), visitor_id="vc", user_agent="Firefox/140")
    lone = subscriber("https://Updates.Push.Services.Mozilla.com.:443/wpush/v2/Q")
    unreadable = subscriber("https://[not-ipv6]/x")
    other = subscriber("https://fcm.googleapis.com/fcm/send/OTHER")

    Profile.objects.create(subscriber=a, total_visits=3, first_visit_at=at(0),
                           last_visit_at=at(1), activity_day=20393, active_days=0b11,
                           active_weeks=0b1, recent_visits=2.0, recent_at=at(1),
                           active_hours=[1] * 24, pushes_received=2, pushes_clicked=1,
                           last_click_at=at(1))
    Profile.objects.create(subscriber=b, total_visits=4, first_visit_at=at(2),
                           last_visit_at=at(5), activity_day=20397, active_days=0b1,
                           active_weeks=0b1, recent_visits=1.0, recent_at=at(5),
                           active_hours=[2] * 24, pushes_received=1)
    TagAffinity.objects.create(subscriber=a, tag="laptops", score=2.0, views=2, updated_at=at(1))
    TagAffinity.objects.create(subscriber=b, tag="laptops", score=1.0, views=1, updated_at=at(5))
    TagAffinity.objects.create(subscriber=b, tag="audio", score=1.0, views=1, updated_at=at(5))
    Event.objects.create(subscriber=a, kind="page_view", occurred_at=at(1))
    Event.objects.create(subscriber=b, kind="page_view", occurred_at=at(5))
    segment = Segment.objects.create(name="Readers", slug="readers")
    Membership.objects.create(segment=segment, subscriber=a, degree=0.6, entered_at=at(0),
                              updated_at=at(1))
    Membership.objects.create(segment=segment, subscriber=b, degree=0.8, entered_at=at(2),
                              updated_at=at(4))
    for s, degree in ((a, 0.6), (b, 0.8)):
        MembershipDay.objects.create(day=at(4).date(), segment=segment, subscriber=s,
                                     degree=degree)
    sent, running = Campaign.objects.create(title="Sent"), Campaign.objects.create(title="Running")
    Delivery.objects.create(campaign=sent, subscriber=a, status="sent", sent_at=at(1),
                            shown_at=at(1), clicked_at=at(1))
    Delivery.objects.create(campaign=sent, subscriber=b, status="sent", sent_at=at(1))
    Delivery.objects.create(campaign=sent, subscriber=other, status="sent", sent_at=at(1))
    Delivery.objects.create(campaign=running, subscriber=a, status="pending")
    Delivery.objects.create(campaign=running, subscriber=c, status="retry", attempts=1)
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtail_pushseg",
                                                        model="subscriber")
    ModelLogEntry.objects.create(content_type=content_type, object_id=str(c.pk), label="test",
                                 action="wagtail_pushseg.test_push", timestamp=at(3))
    return {"a": a.pk, "b": b.pk, "c": c.pk, "lone": lone.pk, "unreadable": unreadable.pk,
            "other": other.pk, "sent": sent.pk, "running": running.pk}


def funnel(Delivery, campaign_id):
    rows = Delivery.objects.filter(campaign_id=campaign_id)
    return (rows.filter(status="sent").count(), rows.filter(clicked_at__isnull=False).count(),
            rows.count())


def test_duplicates_written_under_the_old_schema_merge_into_the_most_recently_seen_row(
    executor, settings
):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "TAG_HALF_LIFE_DAYS": 10.0,
                                "RECENT_HALF_LIFE_DAYS": 7.0}
    ids = write_old_rows(MigrationExecutor(connection).loader.project_state(BEFORE).apps)

    apps = migrate(executor, AFTER)

    Subscriber = apps.get_model("wagtail_pushseg", "Subscriber")
    Delivery = apps.get_model("wagtail_pushseg", "Delivery")
    assert set(Subscriber.objects.values_list("pk", flat=True)) == {
        ids["b"], ids["lone"], ids["unreadable"], ids["other"]}
    kept = Subscriber.objects.get(pk=ids["b"])
    assert (kept.endpoint, kept.endpoint_hash) == (CANONICAL, endpoint_hash(CANONICAL))
    # The newest row's keys and cookie; the oldest subscription date; blanks filled.
    assert (kept.p256dh, kept.visitor_id, kept.language) == ("newest", "vb", "de")
    assert (kept.created_at, kept.user_agent) == (at(-3), "Firefox/140")
    lone = Subscriber.objects.get(pk=ids["lone"])
    assert lone.endpoint == "https://updates.push.services.mozilla.com/wpush/v2/Q"
    assert lone.endpoint_hash == endpoint_hash(lone.endpoint)
    assert Subscriber.objects.get(pk=ids["unreadable"]).endpoint == "https://[not-ipv6]/x"

    events = apps.get_model("wagtail_pushseg", "Event").objects
    assert events.filter(subscriber_id=kept.pk).count() == 2

    profile = apps.get_model("wagtail_pushseg", "Profile").objects.get()
    assert profile.subscriber_id == kept.pk
    assert (profile.total_visits, profile.first_visit_at, profile.last_visit_at) == (
        7, at(0), at(5))
    assert (profile.activity_day, profile.active_days) == (20397, 0b110001)
    assert profile.recent_visits == pytest.approx(1.0 + decayed(2.0, at(1), at(5), 7.0))
    assert profile.active_hours == [3] * 24
    assert (profile.pushes_received, profile.pushes_clicked, profile.last_click_at) == (
        3, 1, at(1))

    affinities = {a.tag: a for a in apps.get_model("wagtail_pushseg", "TagAffinity").objects
                  .filter(subscriber_id=kept.pk)}
    assert set(affinities) == {"laptops", "audio"}
    assert affinities["laptops"].score == pytest.approx(1.0 + decayed(2.0, at(1), at(5), 10.0))
    assert (affinities["laptops"].views, affinities["laptops"].updated_at) == (3, at(5))

    membership = apps.get_model("wagtail_pushseg", "Membership").objects.get()
    assert (membership.subscriber_id, membership.degree, membership.entered_at) == (
        kept.pk, 0.8, at(0))
    day = apps.get_model("wagtail_pushseg", "MembershipDay").objects.get()
    assert (day.subscriber_id, day.degree) == (kept.pk, 0.8)

    # One delivery per campaign for the kept row (the clicked one); the other stays, anonymous,
    # so the finished campaign's funnel does not change. The duplicate's retry is cancelled.
    assert funnel(Delivery, ids["sent"]) == (3, 1, 3)
    mine = Delivery.objects.get(campaign_id=ids["sent"], subscriber_id=kept.pk)
    assert mine.clicked_at == at(1)
    assert Delivery.objects.get(campaign_id=ids["sent"], subscriber=None).status == "sent"
    running = Delivery.objects.filter(campaign_id=ids["running"])
    assert running.get(subscriber_id=kept.pk).status == "pending"
    assert running.get(subscriber=None).status == "cancelled"

    log = apps.get_model("wagtailcore", "ModelLogEntry").objects.get(label="test")
    assert log.object_id == str(kept.pk)

    # Back to the old schema (anonymous deliveries cannot be NOT NULL there) and forward again.
    old = migrate(executor, BEFORE)
    assert old.get_model("wagtail_pushseg", "Delivery").objects.filter(
        campaign_id=ids["sent"]).count() == 2
    again = migrate(executor, AFTER)
    assert again.get_model("wagtail_pushseg", "Subscriber").objects.count() == 4


def test_a_database_without_duplicates_only_gets_its_spellings_rewritten(executor):
    apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    Subscriber = apps.get_model("wagtail_pushseg", "Subscriber")
    endpoint = "https://FCM.googleapis.com:443/fcm/send/x"
    Subscriber.objects.create(endpoint=endpoint, endpoint_hash=endpoint_hash(endpoint),
                              p256dh="k", auth="a")

    apps = migrate(executor, AFTER)

    row = apps.get_model("wagtail_pushseg", "Subscriber").objects.get()
    assert row.endpoint == "https://fcm.googleapis.com/fcm/send/x"
    assert row.endpoint_hash == endpoint_hash(row.endpoint)
