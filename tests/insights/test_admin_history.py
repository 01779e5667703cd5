"""The history page and the alerts panel: charts and alerts for users with a segment
permission, 403 for an ordinary editor."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from wagtail_pushseg.insights.history import take_snapshot
from wagtail_pushseg.models import SegmentAlert

from .conftest import make_segment, make_subscribers, set_members


pytestmark = pytest.mark.django_db


@pytest.fixture
def segment():
    segment = make_segment("Bargain hunters")
    set_members(segment, dict.fromkeys(make_subscribers(3), 0.8))
    today = timezone.localdate()
    take_snapshot(today - timedelta(days=1), capture=True)
    take_snapshot(today, capture=True)
    SegmentAlert.objects.create(
        segment=segment, kind="ctr", opened_on=today, opened_at=timezone.now(),
        checked_on=today, numbers={"z": -4.2},
        message="Bargain hunters clicked 9% of pushes in the last two weeks, down from 21% "
                "over the six before.",
    )
    return segment


@pytest.fixture
def segment_viewer(editor):
    editor.user_permissions.add(Permission.objects.get(
        content_type__app_label="wagtail_pushseg", codename="view_segment"))
    return editor


def test_ordinary_editor_is_refused(client, editor, segment):
    """Wagtail's admin answers PermissionDenied with a redirect to the dashboard (403 for
    AJAX); either way the page is not shown."""
    client.force_login(editor)
    url = reverse("wagtail_pushseg_segments:trends", args=[segment.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    ajax = client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
    assert ajax.status_code == 403
    edit = client.get(reverse("wagtail_pushseg_segments:edit", args=[segment.pk]))
    assert "down from 21%" not in edit.content.decode()


def test_history_page_shows_charts_and_the_alert(client, segment_viewer, segment):
    client.force_login(segment_viewer)
    response = client.get(reverse("wagtail_pushseg_segments:trends", args=[segment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "down from 21% over the six before" in html
    for chart in ("members", "ctr", "pushes"):
        assert f'id="pushseg-history-{chart}"' in html
    members = response.context["charts"]["members"]
    assert members["data"]["datasets"][0]["data"] == [3, 3]
    assert members["data"]["datasets"][1]["data"] == [None, 0]
    assert json.dumps(members)  # plain JSON for the page


def test_a_bad_period_shows_a_form_error_and_the_default(client, segment_viewer, segment):
    client.force_login(segment_viewer)
    response = client.get(reverse("wagtail_pushseg_segments:trends", args=[segment.pk]),
                          {"days": "evil"})
    assert response.status_code == 200
    assert response.context["days"] == 90
    assert response.context["form"].errors["days"]


def test_edit_view_shows_open_alerts_and_links_the_history(client, admin_user, segment):
    client.force_login(admin_user)
    response = client.get(reverse("wagtail_pushseg_segments:edit", args=[segment.pk]))
    html = response.content.decode()
    assert "down from 21% over the six before" in html
    assert reverse("wagtail_pushseg_segments:trends", args=[segment.pk]) in html
