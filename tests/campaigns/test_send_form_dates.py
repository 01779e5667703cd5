"""The send page refuses a time it cannot read with the format it wants (issue 17, item 8).
Django's test client: the refusal is the server's (in the browser, Wagtail's date picker
rewrites what it cannot read; tests/browser/test_editor_loop.py checks the picker)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_pushseg.models import Campaign

from .sent import language_segment, new_campaign


pytestmark = pytest.mark.django_db


def test_an_unreadable_send_time_is_refused_with_the_expected_format(admin_client, pages):
    campaign = new_campaign(language_segment("de", "German"), page=pages["offer"])
    url = reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])
    response = admin_client.post(url, {"timing": "at", "send_at": "tomorrow 9am"})
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["send_at"])
    tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert message == (f"Enter the date and time as {tomorrow} 09:00 (year-month-day "
                       "hours:minutes), or pick it from the calendar.")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_the_send_page_loads_wagtails_date_picker(admin_client, pages):
    campaign = new_campaign(language_segment("de", "German"), page=pages["offer"])
    html = admin_client.get(
        reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])).content.decode()
    assert "wagtailadmin/js/date-time-chooser.js" in html
