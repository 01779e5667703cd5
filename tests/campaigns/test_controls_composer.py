"""The composer's delivery controls, as an ordinary editor uses them: saved when they make
sense, refused with a reason when they do not, and shown on the campaign's page."""

from datetime import time

import pytest
from django.urls import reverse

from wagtail_pushseg.models import Campaign

from .test_admin_campaigns import composer_data


pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("21:00", "08:00"),
                                "FREQUENCY_CAP_PER_DAY": 2}
    client.force_login(editor)
    return client


def post(client, **fields):
    return client.post(reverse("wagtail_pushseg_campaigns:add"), composer_data(**fields))


def errors(response) -> dict:
    form = response.context["form"]
    return {name: [str(e) for e in errs] for name, errs in form.errors.items()}


def test_composer_shows_the_controls_with_the_sites_rules(editor_client):
    html = editor_client.get(reverse("wagtail_pushseg_campaigns:add")).content.decode()
    assert "At a local time in each subscriber&#x27;s time zone" in html
    assert "At each subscriber&#x27;s most active hour" in html
    assert "This site&#x27;s quiet hours: 21:00 to 08:00 in each subscriber&#x27;s time zone." \
        in html
    assert "Its frequency cap: 2 a day." in html


def test_editor_saves_local_time_delivery_and_own_caps(editor_client):
    response = post(editor_client, send_time="local_time", local_time="09:00",
                    cap_per_day="3", cap_per_week="10")
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.send_time, campaign.local_time) == ("local_time", time(9, 0))
    assert (campaign.cap_per_day, campaign.cap_per_week) == (3, 10)


def test_editor_saves_most_active_hour_with_a_window(editor_client):
    assert post(editor_client, send_time="best_hour", window_start_hour="8",
                window_end_hour="21").status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.send_time, campaign.window_start_hour, campaign.window_end_hour) == (
        "best_hour", 8, 21)


def test_controls_left_out_of_the_form_mean_send_as_soon_as_possible(editor_client):
    assert post(editor_client).status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.send_time, campaign.window_start_hour, campaign.window_end_hour) == (
        "as_soon", 0, 24)
    assert not campaign.ignore_quiet_hours and not campaign.ignore_frequency_cap


@pytest.mark.parametrize("fields, field, message", [
    ({"send_time": "local_time"}, "local_time", "Choose the local time, for example 09:00."),
    ({"send_time": "local_time", "local_time": "22:30"}, "local_time",
     "22:30 is inside this site's quiet hours (21:00 to 08:00)"),
    ({"send_time": "as_soon", "local_time": "09:00"}, "local_time",
     "A local time is only used with"),
    ({"send_time": "best_hour", "window_start_hour": "18", "window_end_hour": "9"},
     "window_end_hour", "The window must end after it starts"),
    ({"send_time": "best_hour", "window_start_hour": "9", "window_end_hour": "9"},
     "window_end_hour", "The window must end after it starts"),
    ({"ignore_frequency_cap": "on", "cap_per_day": "2"}, "ignore_frequency_cap",
     "Either set this campaign's own cap or switch the cap off"),
    ({"cap_per_day": "0"}, "cap_per_day", "greater than or equal to 1"),
])
def test_composer_refuses_controls_that_make_no_sense(editor_client, fields, field, message):
    response = post(editor_client, **fields)
    assert response.status_code == 200
    assert any(message in e for e in errors(response).get(field, [])), errors(response)
    assert not Campaign.objects.exists()


def test_a_night_time_is_fine_for_a_campaign_that_ignores_quiet_hours(editor_client):
    assert post(editor_client, send_time="local_time", local_time="22:30",
                ignore_quiet_hours="on").status_code == 302


def test_inspect_page_shows_the_campaigns_controls(editor_client):
    local = Campaign.objects.create(title="Morning", url="/", send_time="local_time",
                                    local_time=time(9, 0), cap_per_week=4)
    html = editor_client.get(reverse("wagtail_pushseg_campaigns:inspect",
                                     args=[local.pk])).content.decode()
    assert "at 09:00 in each subscriber&#x27;s time zone" in html
    assert "21:00 to 08:00, subscriber&#x27;s time" in html
    assert "2 a day, 4 a week" in html

    urgent = Campaign.objects.create(title="Storm warning", url="/", send_time="best_hour",
                                     window_start_hour=7, window_end_hour=20,
                                     ignore_quiet_hours=True, ignore_frequency_cap=True)
    html = editor_client.get(reverse("wagtail_pushseg_campaigns:inspect",
                                     args=[urgent.pk])).content.decode()
    assert "most active hour between 07:00 and 20:00" in html
    assert "ignored (urgent)" in html
    assert "none for this campaign (urgent)" in html


def test_send_page_reminds_the_sender_of_the_controls(client, moderator, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("22:00", "07:00")}
    campaign = Campaign.objects.create(title="Morning", url="/", send_time="local_time",
                                       local_time=time(8, 30), ignore_frequency_cap=True)
    client.force_login(moderator)
    html = client.get(reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])
                      ).content.decode()
    assert "at 08:30 in each subscriber&#x27;s time zone" in html
    assert "22:00 to 07:00, subscriber&#x27;s time" in html
    assert "none for this campaign (urgent)" in html
