"""The campaign listing shows what was sent and clicked, and when a sent campaign went out
(issue 17, item 9). Django's test client: the columns are server-rendered."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from wagtail_pushseg.models import Delivery


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


def row_of(html: str, title: str) -> str:
    rows = re.findall(r"<tr.*?</tr>", html, flags=re.S)
    [row] = [r for r in rows if title in r]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


def test_a_sent_campaign_shows_when_it_went_out_what_was_sent_and_clicked(sent, admin_client):
    campaign, readers = sent
    Delivery.objects.filter(campaign=campaign, subscriber=readers[0]).update(
        clicked_at=timezone.now())
    html = admin_client.get(reverse("wagtail_pushseg_campaigns:index")).content.decode()
    assert "Click-through" in html
    row = row_of(html, campaign.title)
    went_out = date_format(timezone.localtime(campaign.queued_at), "SHORT_DATETIME_FORMAT")
    assert went_out in row
    assert " Now " not in row
    assert " 2 " in row  # sent
    assert "50.0 %" in row  # one click of two sent
