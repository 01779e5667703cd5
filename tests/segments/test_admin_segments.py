"""The segment snippet in the admin: created and edited through Wagtail's own views with
StreamField rules, listed with its numbers, logged, and protected when others build on it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import nested_form_data, streamfield

from wagtail_pushseg.models import Segment
from wagtail_pushseg.segments.kinds.interests import TagInterest
from wagtail_pushseg.segments.parse import rule_tree
from wagtail_pushseg.segments.rules import NONE
from wagtail_pushseg.segments.rules import Group as RuleGroup

from .conftest import block, make_affinity, make_member, make_segment, make_subscriber


pytestmark = pytest.mark.django_db

URL = "wagtail_pushseg_segments:%s"


@pytest.fixture
def segment_manager(django_user_model):
    """An ordinary editor who was given every segment permission (not a superuser)."""
    user = django_user_model.objects.create_user("segman", "sm@example.com", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="wagtail_pushseg", codename__endswith="_segment",
    ))
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="wagtail_pushseg", codename="view_subscriber",
    ))
    return user


def form(name="Camera fans", threshold="0.5", active=True, **overrides) -> dict:
    """The segment form as the editor posts it: cameras, not mainly for sales."""
    rules = streamfield([
        ("tag_interest", {"tags": "cameras, Photo", "match": "any", "starts_at": "1",
                          "full_at": "3"}),
        ("group", {"match": "none", "rules": streamfield([
            ("sale_share", {"starts_at": "30", "full_at": "60"}),
        ])}),
    ])
    data = {"name": name, "slug": "", "description": "Read about cameras", "rules": rules,
            "threshold": threshold, **overrides}
    if active:
        data["active"] = "on"
    return nested_form_data(data)


def actions(segment: Segment) -> list[str]:
    entries = ModelLogEntry.objects.filter(
        content_type__model="segment", object_id=str(segment.pk)
    ).order_by("timestamp", "pk")
    return [entry.action for entry in entries]


def test_a_segment_is_created_with_nested_streamfield_rules_and_logged(client, segment_manager):
    client.force_login(segment_manager)
    response = client.post(reverse(URL % "add"), form())
    assert response.status_code == 302, response.content.decode()[:2000]
    segment = Segment.objects.get()
    assert (segment.name, segment.slug, segment.threshold, segment.active) == (
        "Camera fans", "camera-fans", 0.5, True
    )
    tree = rule_tree(segment)
    interest, none = tree.children
    assert isinstance(interest, TagInterest) and interest.tags == ("cameras", "photo")
    assert isinstance(none, RuleGroup) and none.match == NONE
    assert none.children[0].ramp.start == pytest.approx(0.3)  # percent → fraction
    entry = ModelLogEntry.objects.get(object_id=str(segment.pk))
    assert (entry.action, entry.user_id) == ("wagtail.create", segment_manager.pk)


def test_editing_the_rules_and_threshold_is_saved_and_logged(client, segment_manager):
    client.force_login(segment_manager)
    client.post(reverse(URL % "add"), form())
    segment = Segment.objects.get()
    data = form(threshold="0.8", active=False)
    data.update({"rules-count": "1", "rules-0-value-tags": "audio",
                 "rules-0-value-match": "all"})
    response = client.post(reverse(URL % "edit", args=[segment.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    segment.refresh_from_db()
    assert segment.threshold == 0.8 and not segment.active
    (rule,) = rule_tree(segment).children
    assert rule.tags == ("audio",) and rule.match == "all"
    assert actions(segment) == ["wagtail.create", "wagtail.edit"]
    history = client.get(reverse(URL % "history", args=[segment.pk]))
    assert history.status_code == 200


def test_invalid_rules_are_shown_on_the_form_and_nothing_is_saved(client, segment_manager):
    client.force_login(segment_manager)
    data = form()
    data["rules-0-value-tags"] = ""  # a tag interest without tags
    response = client.post(reverse(URL % "add"), data)
    assert response.status_code == 200
    assert "Choose at least one tag." in response.content.decode()
    assert not Segment.objects.exists()
    data = form(threshold="0")
    response = client.post(reverse(URL % "add"), data)
    assert response.status_code == 200 and not Segment.objects.exists()


def test_the_editor_carries_the_live_preview_and_the_segment_buttons(client, segment_manager):
    segment = make_segment([block("browser", browsers=["Firefox"])], name="Firefox users")
    client.force_login(segment_manager)
    html = client.get(reverse(URL % "edit", args=[segment.pk])).content.decode()
    assert 'data-controller="pushseg-segment-preview"' in html
    assert reverse(URL % "preview") in html
    assert "wagtail_pushseg/admin/segment-preview.js" in html
    assert reverse(URL % "members", args=[segment.pk]) in html
    assert reverse(URL % "refresh", args=[segment.pk]) in html
    add = client.get(reverse(URL % "add")).content.decode()
    assert 'data-controller="pushseg-segment-preview"' in add


def test_listing_shows_numbers_searches_and_filters(client, segment_manager):
    refreshed = timezone.now()
    make_segment([block("browser", browsers=["Firefox"])], name="Firefox users",
                 member_count=42, last_refreshed_at=refreshed)
    make_segment([block("browser", browsers=["Safari"])], name="Safari users", active=False)
    client.force_login(segment_manager)
    response = client.get(reverse(URL % "list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Firefox users" in html and "Safari users" in html and "42" in html
    assert "Inactive" in html and "0.50" in html
    assert reverse(URL % "overlap") in html
    found = client.get(reverse(URL % "list"), {"q": "safari"}).content.decode()
    assert "Safari users" in found and "Firefox users" not in found
    active = client.get(reverse(URL % "list"), {"active": "true"}).content.decode()
    assert "Firefox users" in active and "Safari users" not in active
    big = client.get(reverse(URL % "list"), {"min_members": "10"}).content.decode()
    assert "Firefox users" in big and "Safari users" not in big


def test_the_segment_is_in_the_push_menu_not_under_snippets(client, segment_manager):
    client.force_login(segment_manager)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(URL % "list") in html
    snippets = client.get(reverse("wagtailsnippets:index"))
    assert snippets.status_code in (200, 302, 403)  # 302, 403: no snippet type to list
    if snippets.status_code == 200:
        assert "Segments" not in snippets.content.decode()


def test_a_segment_others_are_built_on_cannot_be_deleted(client, segment_manager):
    base = make_segment([block("browser", browsers=["Firefox"])], name="Firefox users")
    make_segment([block("member_of", segment=base.pk)], name="Built on it")
    client.force_login(segment_manager)
    url = reverse(URL % "delete", args=[base.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert Segment.objects.filter(pk=base.pk).exists()
    listing = client.get(response["Location"]).content.decode()
    assert "Other segments are built on this one: “Built on it”" in listing
    bulk = reverse("wagtail_bulk_action", args=["wagtail_pushseg", "segment", "delete"])
    client.post(f"{bulk}?id={base.pk}")
    assert Segment.objects.filter(pk=base.pk).exists()
    free = make_segment([block("browser", browsers=["Safari"])], name="Nobody uses it")
    client.post(reverse(URL % "delete", args=[free.pk]))
    assert not Segment.objects.filter(pk=free.pk).exists()


def test_subscriber_detail_explains_their_segments(client, segment_manager):
    subscriber = make_subscriber(browser="Firefox")
    make_affinity(subscriber, "cameras", 2.5, updated_at=timezone.now())
    segment = make_segment([block("tag_interest", tags=["cameras"], starts_at=1, full_at=3)],
                           name="Camera fans")
    make_member(segment, subscriber, 0.75)
    client.force_login(segment_manager)
    url = reverse("wagtail_pushseg_subscribers:inspect", args=[subscriber.pk])
    html = client.get(url).content.decode()
    assert "Camera fans" in html and "degree 0.75 at the last refresh" in html
    assert "affinity to cameras 2.5" in html
    assert reverse(URL % "explain", args=[segment.pk, subscriber.pk]) in html
