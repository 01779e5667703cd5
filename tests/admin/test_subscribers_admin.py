import json

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_pushseg.models import Subscriber


pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber(site_client, sandbox_subscription) -> Subscriber:
    response = site_client.post(
        "/pushseg/api/subscribe",
        json.dumps({**sandbox_subscription, "language": "fr-FR"}),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    )
    assert response.status_code == 201
    return Subscriber.objects.get()


def url(name, *args):
    return reverse(f"wagtail_pushseg_subscribers:{name}", args=args)


def test_listing_filters_search_and_export(client, push_manager, subscriber):
    Subscriber.objects.create(endpoint="https://fcm.googleapis.com/x", p256dh="k", auth="a",
                              browser="Chrome", language="de-DE", status="expired")
    client.force_login(push_manager)
    listing = client.get(url("index"))
    assert listing.status_code == 200
    assert b"Firefox" in listing.content and b"Chrome" in listing.content

    filtered = client.get(url("index"), {"status": "expired"})
    assert b"Chrome" in filtered.content and b"Firefox" not in filtered.content

    searched = client.get(url("index"), {"q": "fr-FR"})
    assert b"Firefox" in searched.content and b"Chrome" not in searched.content

    export = client.get(url("index"), {"export": "csv"})
    assert export.status_code == 200
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert len(rows) == 3 and "Status" in rows[0]


def test_detail_shows_the_subscriber_and_the_test_push_button(client, push_manager, subscriber):
    client.force_login(push_manager)
    response = client.get(url("inspect", subscriber.pk))
    assert response.status_code == 200
    assert b"Firefox" in response.content
    assert url("test_push", subscriber.pk).encode() in response.content


def test_test_push_reaches_the_sandbox_and_is_logged(
    client, push_manager, subscriber, sandbox, sandbox_subscription
):
    client.force_login(push_manager)
    response = client.post(
        url("test_push", subscriber.pk), {"title": "Hello from the admin", "body": "B", "url": "/"}
    )
    assert response.status_code == 302
    [message] = sandbox.messages(sandbox_subscription["endpoint"])
    assert message.json()["title"] == "Hello from the admin"
    entry = ModelLogEntry.objects.get(action="wagtail_pushseg.send_test_push")
    assert entry.user == push_manager and entry.data["outcome"] == "sent"


def test_test_push_that_does_not_fit_is_a_form_error(client, push_manager, subscriber, sandbox):
    client.force_login(push_manager)
    response = client.post(url("test_push", subscriber.pk), {"title": "T", "body": "x" * 5000})
    assert response.status_code == 200
    assert b"too long to push" in response.content
    assert sandbox.messages(subscriber.endpoint) == []


def test_delete_erases_the_subscriber(client, push_manager, subscriber):
    client.force_login(push_manager)
    response = client.post(url("delete", subscriber.pk))
    assert response.status_code == 302
    assert not Subscriber.objects.exists()


def test_nobody_adds_or_edits_subscribers_by_hand(admin_client, subscriber):
    assert admin_client.get(url("add")).status_code in (302, 403)
    assert admin_client.get(url("edit", subscriber.pk)).status_code in (302, 403)
    listing = admin_client.get(url("index"))
    assert url("add").encode() not in listing.content


def test_editor_without_plugin_permissions_gets_nothing(client, editor, subscriber, sandbox):
    client.force_login(editor)
    for path in (url("index"), url("inspect", subscriber.pk), url("test_push", subscriber.pk),
                 url("delete", subscriber.pk), url("index") + "?export=csv"):
        response = client.get(path)
        assert response.status_code in (302, 403), path
        assert subscriber.endpoint.encode() not in response.content
    assert client.post(url("test_push", subscriber.pk), {"title": "x"}).status_code in (302, 403)
    assert client.post(url("delete", subscriber.pk)).status_code in (302, 403)
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert sandbox.messages(subscriber.endpoint) == []


def test_viewer_without_send_permission_cannot_send_a_test_push(
    client, django_user_model, editor, subscriber, sandbox
):
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    client.force_login(editor)
    assert client.get(url("inspect", subscriber.pk)).status_code == 200
    assert client.post(url("test_push", subscriber.pk), {"title": "x"}).status_code in (302, 403)
    assert sandbox.messages(subscriber.endpoint) == []


def test_push_menu_group_is_in_the_admin_menu(client, push_manager):
    client.force_login(push_manager)
    response = client.get("/admin/")
    assert b"Push notifications" in response.content
