"""Segment permissions with ordinary accounts (never a superuser, who passes every check).

Every URL of the segment admin is found from the URL configuration, so a view added later is
checked too: an editor without segment permissions gets 403 or a redirect, on GET and POST,
and nothing changes. A viewer (``view_segment`` only) reads but cannot change or refresh.
"""

import re

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import nested_form_data, streamfield

from tests.users import user_with
from wagtail_pushseg.models import Membership, Segment

from .conftest import block, make_affinity, make_member, make_segment, make_subscriber


pytestmark = pytest.mark.django_db

NAMESPACES = ("wagtail_pushseg_segments", "wagtailsnippetchoosers_wagtail_pushseg_segment")


def segment_urls(segment: Segment, subscriber_pk: int) -> list[str]:
    """Every URL in the segment namespaces, with this segment and subscriber filled in."""
    urls = []
    for namespace in NAMESPACES:
        resolver = get_resolver().namespace_dict[namespace][1]
        for pattern in resolver.url_patterns:
            kwargs = {}
            for name in re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern)):
                kwargs[name] = subscriber_pk if name == "subscriber_pk" else segment.pk
            urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=kwargs))
    return urls


def edit_form(name: str) -> dict:
    return nested_form_data({
        "name": name, "slug": "", "description": "", "threshold": "0.5", "active": "on",
        "rules": streamfield([("browser", {"browsers": "Safari"})]),
    })


@pytest.fixture
def world():
    subscriber = make_subscriber(browser="Firefox")
    make_affinity(subscriber, "cameras", 3, updated_at=timezone.now())
    segment = make_segment([block("browser", browsers=["Firefox"])], name="Firefox users")
    make_member(segment, subscriber, 1.0)
    return segment, subscriber


def snapshot():
    return (
        list(Segment.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        ModelLogEntry.objects.count(),
    )


def refused(response) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "/pushseg/segments/" not in response["Location"]


def test_editors_without_segment_permissions_are_refused_everywhere(client, editor, world):
    segment, subscriber = world
    assert not editor.has_perm("wagtail_pushseg.view_segment")
    client.force_login(editor)
    before = snapshot()
    urls = segment_urls(segment, subscriber.pk)
    assert len(urls) >= 14
    for url in urls:
        for suffix in ("", "?export=csv"):
            assert refused(client.get(url + suffix)), url + suffix
        assert refused(client.post(url, edit_form("Hijacked"))), url
    bulk = reverse("wagtail_bulk_action", args=["wagtail_pushseg", "segment", "delete"])
    assert client.post(f"{bulk}?id={segment.pk}").status_code in (302, 403)
    assert snapshot() == before
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtail_pushseg_segments:list") not in home


def test_subscriber_detail_hides_segments_from_users_without_segment_permissions(
    client, django_user_model, world
):
    _segment, subscriber = world
    user = user_with(django_user_model, "support", "view_subscriber")
    client.force_login(user)
    html = client.get(
        reverse("wagtail_pushseg_subscribers:inspect", args=[subscriber.pk])
    ).content.decode()
    assert "Firefox users" not in html and "at the last refresh" not in html


def test_viewers_read_members_but_cannot_change_preview_or_refresh(
    client, django_user_model, world
):
    segment, subscriber = world
    viewer = user_with(django_user_model, "viewer", "view_segment")
    client.force_login(viewer)
    ok = [
        reverse("wagtail_pushseg_segments:list"),
        reverse("wagtail_pushseg_segments:members", args=[segment.pk]),
        reverse("wagtail_pushseg_segments:members", args=[segment.pk]) + "?export=csv",
        reverse("wagtail_pushseg_segments:explain", args=[segment.pk, subscriber.pk]),
        reverse("wagtail_pushseg_segments:overlap"),
    ]
    for url in ok:
        assert client.get(url).status_code == 200, url
    before = snapshot()
    refresh = reverse("wagtail_pushseg_segments:refresh", args=[segment.pk])
    for url, data in [
        (reverse("wagtail_pushseg_segments:add"), edit_form("New")),
        (reverse("wagtail_pushseg_segments:edit", args=[segment.pk]), edit_form("Changed")),
        (reverse("wagtail_pushseg_segments:delete", args=[segment.pk]), {}),
        (reverse("wagtail_pushseg_segments:preview"), edit_form("Preview")),
        (refresh, {}),
    ]:
        assert refused(client.post(url, data)), url
    assert refused(client.get(refresh))
    assert snapshot() == before
    members = client.get(reverse("wagtail_pushseg_segments:members", args=[segment.pk]))
    assert refresh not in members.content.decode()  # no button they cannot use


def test_segment_permissions_are_enough_without_being_superuser(
    client, django_user_model, world
):
    segment, subscriber = world
    manager = user_with(
        django_user_model, "manager",
        "add_segment", "change_segment", "delete_segment", "view_segment",
    )
    client.force_login(manager)
    urls = segment_urls(segment, subscriber.pk)
    for url in urls:
        if "/preview/" in url:
            continue  # POST only
        assert client.get(url).status_code == 200, url
    preview = client.post(reverse("wagtail_pushseg_segments:preview"), edit_form("Preview"))
    assert preview.status_code == 200
    refresh = client.post(reverse("wagtail_pushseg_segments:refresh", args=[segment.pk]))
    assert refresh.status_code == 302
    edit = client.post(reverse("wagtail_pushseg_segments:edit", args=[segment.pk]),
                       edit_form("Safari users"))
    assert edit.status_code == 302
    assert Segment.objects.get(pk=segment.pk).name == "Safari users"
