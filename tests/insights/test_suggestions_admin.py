"""The "Suggested segments" admin view: listing with the overlap chart, "Create draft segment"
(an inactive segment whose refreshed members hold the group, audit-logged) and "Dismiss"; all
of it refused to users who may not add segments."""

import json

import pytest
from django.urls import reverse
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from tests.insights.test_suggestions import APPEARS, Site, day, pair, populate
from tests.users import user_with
from wagtail_pushseg.insights.suggested_segments import refresh_suggestions
from wagtail_pushseg.models import Segment, SegmentSuggestion
from wagtail_pushseg.segments.refresh import refresh_all, refresh_segment


INDEX = reverse("wagtail_pushseg_suggestions:index")


def refused(response) -> bool:
    """Wagtail answers PermissionDenied in a page load with a redirect to the dashboard and
    its "Sorry, you do not have permission" message (a 403 for XMLHttpRequest): nothing of
    the view is shown."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


@pytest.fixture
def segment_author(django_user_model):
    return user_with(django_user_model, "author", "add_segment", "change_segment", "view_segment")


@pytest.fixture
def suggested(db):
    """The population two weeks after the cycling-and-camping group appeared, suggestions
    refreshed."""
    population = populate(Site())
    population.live(0, APPEARS + 14, refresh=False)
    with freeze_time(day(APPEARS + 14)):
        refresh_all()
        refresh_suggestions()
    assert pair() is not None
    return population


def test_listing_shows_size_growth_and_overlap_chart(client, segment_author, suggested):
    client.force_login(segment_author)
    response = client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    assert ("28 subscribers read both camping and cycling; 100% are in no segment about "
            "interests") in html
    assert "Create draft segment" in html and "Dismiss" in html
    chart_id = "suggestion-chart-paircampingcycling"
    config = response.context["suggestions"][0].chart
    assert config["type"] == "bar"
    assert config["data"]["datasets"][0]["data"] == [28]
    assert json.loads(html.split(f'id="{chart_id}-config" type="application/json">')[1]
                      .split("</script>")[0]) == config
    assert "chart.umd.min.js" in html


def test_create_draft_makes_an_inactive_segment_holding_the_group(
    client, segment_author, suggested
):
    client.force_login(segment_author)
    suggestion = pair()
    with freeze_time(day(APPEARS + 14)):
        response = client.post(reverse("wagtail_pushseg_suggestions:create_draft",
                                        args=[suggestion.pk]))
    segment = Segment.objects.get(name=suggestion.name)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtail_pushseg_segments:edit", args=[segment.pk])
    assert segment.active is False
    assert segment.threshold == 0.5
    assert segment.description == suggestion.explanation
    assert [b.block_type for b in segment.rules] == ["tag_interest"]
    assert sorted(segment.rules[0].value["tags"]) == ["camping", "cycling"]

    refresh_segment(segment, day(APPEARS + 14))
    members = set(segment.memberships.values_list("subscriber_id", flat=True))
    assert {s.pk for s in suggested.outdoor} <= members
    assert members == {s.pk for s in suggested.outdoor}

    suggestion.refresh_from_db()
    assert suggestion.status == SegmentSuggestion.Status.ACCEPTED
    assert suggestion.segment == segment and suggestion.decided_by == segment_author
    actions = set(ModelLogEntry.objects.filter(object_id=str(segment.pk), user=segment_author)
                  .values_list("action", flat=True))
    assert {"wagtail.create", "wagtail_pushseg.accept_suggestion"} <= actions
    # The edit page opens for the draft.
    assert client.get(response["Location"]).status_code == 200

    # A second click opens the same draft instead of making another.
    again = client.post(reverse("wagtail_pushseg_suggestions:create_draft",
                                args=[suggestion.pk]))
    assert again["Location"] == response["Location"]
    assert Segment.objects.filter(name=suggestion.name).count() == 1
    # Accepted suggestions leave the open list.
    assert suggestion.name not in client.get(INDEX).content.decode()


def test_dismiss_keeps_it_out_of_the_open_list(client, segment_author, suggested):
    client.force_login(segment_author)
    suggestion = pair()
    response = client.post(reverse("wagtail_pushseg_suggestions:dismiss", args=[suggestion.pk]))
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == SegmentSuggestion.Status.DISMISSED
    assert ModelLogEntry.objects.filter(
        object_id=str(suggestion.pk), action="wagtail_pushseg.dismiss_suggestion",
        user=segment_author,
    ).exists()
    assert "read both camping and cycling" not in client.get(INDEX).content.decode()
    assert "read both camping and cycling" in client.get(
        INDEX + "?status=dismissed").content.decode()
    # The next daily refresh finds the group again, and it stays dismissed.
    with freeze_time(day(APPEARS + 15)):
        refresh_suggestions()
    assert pair().status == SegmentSuggestion.Status.DISMISSED


def test_get_does_not_create_or_dismiss(client, segment_author, suggested):
    client.force_login(segment_author)
    suggestion = pair()
    for name in ("create_draft", "dismiss"):
        response = client.get(reverse(f"wagtail_pushseg_suggestions:{name}", args=[suggestion.pk]))
        assert response.status_code == 405
    assert pair().status == SegmentSuggestion.Status.OPEN
    assert not Segment.objects.filter(name=suggestion.name).exists()


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_users_who_may_not_add_segments_get_403(client, editor, django_user_model, who,
                                                 suggested):
    user = editor if who == "editor" else user_with(django_user_model, "viewer", "view_segment")
    client.force_login(user)
    suggestion = pair()
    assert refused(client.get(INDEX))
    assert client.get(INDEX, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403
    for name in ("create_draft", "dismiss"):
        url = reverse(f"wagtail_pushseg_suggestions:{name}", args=[suggestion.pk])
        assert refused(client.post(url))
        assert client.post(
            url, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403
    assert pair().status == SegmentSuggestion.Status.OPEN
    assert Segment.objects.filter(active=False).count() == 0
    # No menu item either.
    assert INDEX not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_menu_item_for_segment_authors(client, segment_author, db):
    client.force_login(segment_author)
    assert INDEX in client.get(reverse("wagtailadmin_home")).content.decode()
