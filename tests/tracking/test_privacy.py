import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_pushseg.models import Event, Profile, Subscriber, TagAffinity
from wagtail_pushseg.subscribers.services import erase
from wagtail_pushseg.tracking.export import export_subscriber
from wagtail_pushseg.tracking.recorder import record_custom_event
from wagtail_pushseg.tracking.retention import purge_old_events


pytestmark = pytest.mark.django_db


def test_retention_purges_old_events_but_keeps_profiles(pages, subscribed, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "EVENT_RETENTION_DAYS": 30}
    client, subscriber = subscribed
    client.get("/magazine/best-laptops/")
    old = record_custom_event(subscriber, "buy", when=timezone.now() - timedelta(days=31))
    edge = record_custom_event(subscriber, "buy", when=timezone.now() - timedelta(days=29))
    assert purge_old_events() == 1
    assert not Event.objects.filter(pk=old.pk).exists()
    assert Event.objects.filter(pk=edge.pk).exists()
    assert Profile.objects.filter(subscriber=subscriber, total_visits=1).exists()
    assert TagAffinity.objects.filter(subscriber=subscriber).count() == 2


def test_purge_runs_on_a_django_q_schedule():
    from django_q.models import Schedule

    call_command("migrate", verbosity=0)  # post_migrate creates or updates the schedules
    schedule = Schedule.objects.get(name="wagtail_pushseg: purge old events")
    assert schedule.func == "wagtail_pushseg.tasks.purge_events"
    assert schedule.schedule_type == Schedule.DAILY


def test_erase_leaves_no_row_referring_to_the_subscriber(pages, subscribed, client, push_manager):
    browser, subscriber = subscribed
    browser.get("/shop/headphones/")
    record_custom_event(subscriber, "buy")
    client.force_login(push_manager)
    client.post(f"/admin/pushseg/subscribers/test-push/{subscriber.pk}/", {"title": "t"})
    assert ModelLogEntry.objects.filter(object_id=str(subscriber.pk)).exists()

    erase(subscriber)

    assert not Subscriber.objects.exists()
    assert not Event.objects.exists()
    assert not Profile.objects.exists()
    assert not TagAffinity.objects.exists()
    assert not ModelLogEntry.objects.filter(object_id=str(subscriber.pk)).exists()


def test_export_returns_everything_stored_about_one_subscriber(pages, subscribed):
    client, subscriber = subscribed
    client.get("/shop/headphones/")
    record_custom_event(subscriber, "buy", {"sku": "HP-1"})
    data = export_subscriber(subscriber)
    json.dumps(data)  # JSON-ready
    assert data["subscriber"]["endpoint"] == subscriber.endpoint
    assert data["profile"]["total_visits"] == 1
    assert {a["tag"] for a in data["tag_affinities"]} == {"audio", "sale"}
    assert [(e["kind"], e["name"]) for e in data["events"]] == [
        ("page_view", ""),
        ("custom", "buy"),
    ]


def test_admin_export_downloads_the_json(pages, subscribed, client, push_manager):
    browser, subscriber = subscribed
    browser.get("/shop/headphones/")
    client.force_login(push_manager)
    response = client.get(f"/admin/pushseg/subscribers/export-data/{subscriber.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["profile"]["total_visits"] == 1


def test_editor_without_permissions_cannot_export(subscribed, client, editor):
    _, subscriber = subscribed
    client.force_login(editor)
    response = client.get(f"/admin/pushseg/subscribers/export-data/{subscriber.pk}/")
    assert response.status_code in (302, 403)
    assert subscriber.endpoint.encode() not in response.content


def test_subscriber_detail_shows_the_profile_in_words(pages, subscribed, client, push_manager):
    browser, subscriber = subscribed
    browser.get("/shop/headphones/")
    browser.get("/magazine/best-laptops/")
    client.force_login(push_manager)
    response = client.get(f"/admin/pushseg/subscribers/inspect/{subscriber.pk}/")
    text = response.content.decode()
    assert "Visited in 1 of the last 8 weeks" in text
    assert "50% of recent visits to sale pages" in text
    assert "audio (1.0)" in text and "laptops (1.0)" in text
