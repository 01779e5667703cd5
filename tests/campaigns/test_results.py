"""Campaign results: real sends to the sandbox (one push service answers 410, one 500 until
the last attempt), receipts and clicks through the public URLs, then the counts are checked
against the ledger itself: per target segment they add up to the campaign's totals."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail_pushseg.campaigns.results import campaign_report, funnels, timeline
from wagtail_pushseg.models import Delivery

from .sent import language_segment, new_campaign, payload_of, send


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.fixture
def outcome(make_sandbox_subscribers, sandbox, pages, settings, site_client,
            django_capture_on_commit_callbacks):
    """German: 4 subscribers (1 gone → expired); French: 3 (1 failing → failed).
    Receipts: 2 German + 1 French shown, 1 German dismissed; clicks: 1 German (after shown),
    1 French (without a shown receipt)."""
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "DELIVERY_MAX_ATTEMPTS": 1}
    german = make_sandbox_subscribers(4, language="de-DE")
    french = make_sandbox_subscribers(3, language="fr-FR")
    sandbox.set_behaviour(german[3].endpoint, status=410)
    sandbox.set_behaviour(french[2].endpoint, status=500)
    campaign = new_campaign(language_segment("de", "German"), language_segment("fr", "French"),
                            page=pages["article"])
    send(campaign, django_capture_on_commit_callbacks)

    def receipt(subscriber, event):
        url = payload_of(sandbox, subscriber)["data"]["receipt_url"]
        response = site_client.post(url, json.dumps({"event": event}),
                                    content_type="application/json")
        assert response.status_code == 200

    for subscriber in (german[0], german[1], french[0]):
        receipt(subscriber, "shown")
    receipt(german[1], "dismissed")
    for subscriber in (german[0], french[1]):
        for _ in range(2):  # a double click counts once
            Client().get(payload_of(sandbox, subscriber)["data"]["click_url"])
    return campaign


def ledger(campaign, **where) -> dict:
    """Counts taken straight from the deliveries, for comparison."""
    rows = Delivery.objects.filter(campaign=campaign, **where)
    return {
        "planned": rows.count(), "sent": rows.filter(status="sent").count(),
        "shown": rows.filter(shown_at__isnull=False).count(),
        "clicked": rows.filter(clicked_at__isnull=False).count(),
        "dismissed": rows.filter(dismissed_at__isnull=False).count(),
        "expired": rows.filter(status="expired").count(),
        "failed": rows.filter(status="failed").count(),
        "capped": rows.filter(status="capped").count(),
    }


def subset(funnel) -> dict:
    return {k: v for k, v in funnel.as_dict().items() if k in (
        "planned", "sent", "shown", "clicked", "dismissed", "expired", "failed", "capped")}


def test_results_are_exact_and_targets_add_up_to_the_campaign(outcome):
    report = campaign_report(outcome)
    total = report.funnel
    assert subset(total) == ledger(outcome)
    assert subset(total) == {"planned": 7, "sent": 5, "shown": 4, "clicked": 2,
                             "dismissed": 1, "expired": 1, "failed": 1, "capped": 0}
    assert total.ctr_sent == pytest.approx(2 / 5)
    assert total.ctr_shown == pytest.approx(2 / 4)
    german, french = report.targets
    assert (german.name, french.name) == ("German", "French")
    assert subset(german.funnel) == ledger(outcome, target=german.target)
    assert subset(french.funnel) == ledger(outcome, target=french.target)
    assert subset(german.funnel) == {"planned": 4, "sent": 3, "shown": 2, "clicked": 1,
                                     "dismissed": 1, "expired": 1, "failed": 0, "capped": 0}
    for name in ("planned", "sent", "shown", "clicked", "dismissed", "expired", "failed"):
        assert getattr(german.funnel, name) + getattr(french.funnel, name) == getattr(total,
                                                                                      name)
    assert funnels([outcome.pk])[outcome.pk] == total


def test_receipts_over_time_are_counted_per_hour(outcome):
    # Spread the receipts over three hours, then count them straight from the ledger.
    base = timezone.now().replace(minute=10, second=0, microsecond=0) - timedelta(hours=5)
    rows = list(Delivery.objects.filter(campaign=outcome).filter(
        Q(shown_at__isnull=False) | Q(clicked_at__isnull=False)).order_by("pk"))
    unclicked = 0
    for delivery in rows:
        if delivery.clicked_at:  # shown in the first hour, clicked four hours later
            times = {"shown_at": base, "clicked_at": base + timedelta(hours=4)}
        else:
            unclicked += 1
            times = {"shown_at": base + timedelta(hours=unclicked)}
        Delivery.objects.filter(pk=delivery.pk).update(**times)
    line = timeline(outcome.pk)
    assert line.unit == "hour"
    assert len(line.buckets) == 5  # base hour .. base + 4 h, empty hours included
    assert (line.shown, line.clicked) == ([2, 1, 1, 0, 0], [0, 0, 0, 0, 2])
    for bucket, shown, clicked in zip(line.buckets, line.shown, line.clicked, strict=True):
        hour = (bucket, bucket + timedelta(hours=1))
        assert shown == Delivery.objects.filter(shown_at__gte=hour[0],
                                                shown_at__lt=hour[1]).count()
        assert clicked == Delivery.objects.filter(clicked_at__gte=hour[0],
                                                  clicked_at__lt=hour[1]).count()


def test_receipts_spread_over_weeks_are_counted_per_day(outcome):
    start = timezone.now() - timedelta(days=20)
    delivery = Delivery.objects.filter(campaign=outcome, clicked_at__isnull=False).first()
    Delivery.objects.filter(pk=delivery.pk).update(shown_at=start, clicked_at=start)
    line = timeline(outcome.pk)
    assert line.unit == "day"
    assert 20 <= len(line.buckets) <= 22
    assert sum(line.shown) == 4 and sum(line.clicked) == 2
    assert line.clicked[0] == 1


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_export_has_a_row_per_segment_and_the_total(client, outcome, editor):
    client.force_login(editor)  # editors may view campaigns (not send them)
    response = client.get(reverse("wagtail_pushseg_campaigns:results_csv", args=[outcome.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert [r["segment"] for r in rows] == ["German", "French", "(all segments)"]
    for column in ("planned", "sent", "shown", "clicked", "dismissed", "expired", "failed"):
        assert int(rows[0][column]) + int(rows[1][column]) == int(rows[2][column])
    assert rows[2]["ctr_of_sent"] == "0.4000"
    assert rows[2]["clicked"] == "2"


@pytest.fixture
def outsider(django_user_model):
    """Admin access but no campaign permission at all."""
    from django.contrib.auth.models import Permission

    group = Group.objects.create(name="Reviewers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = django_user_model.objects.create_user("outsider", "o@example.com", "pw")
    user.groups.add(group)
    return user


def test_results_and_csv_refuse_users_without_campaign_permissions(client, outcome, outsider):
    client.force_login(outsider)
    csv_url = reverse("wagtail_pushseg_campaigns:results_csv", args=[outcome.pk])
    # Wagtail's admin turns the 403 into a redirect home with a message, except for scripts.
    assert client.get(csv_url, HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403
    for url in (csv_url, reverse("wagtail_pushseg_campaigns:inspect", args=[outcome.pk])):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/"), url
        assert b"German" not in response.content


def test_the_details_page_shows_the_funnel_segments_and_timeline(client, outcome, moderator):
    client.force_login(moderator)
    html = client.get(reverse("wagtail_pushseg_campaigns:inspect",
                              args=[outcome.pk])).content.decode()
    assert 'id="pushseg-results-funnel"' in html
    assert 'id="pushseg-results-timeline"' in html
    assert "vendor/chart.umd.min.js" in html
    funnel = json.loads(html.split('<script id="pushseg-results-funnel-config" '
                                   'type="application/json">')[1].split("</script>")[0])
    assert funnel["data"]["datasets"][0]["data"] == [7, 5, 4, 2, 1]
    assert "German" in html and "French" in html
    assert reverse("wagtail_pushseg_campaigns:results_csv", args=[outcome.pk]) in html


def test_the_push_panel_shows_clicks_and_click_through(client, outcome, moderator, pages):
    client.force_login(moderator)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[pages["article"].pk])
                      ).content.decode()
    assert "5 of 7 sent" in html
    assert "2 clicks (40% click-through)" in html
