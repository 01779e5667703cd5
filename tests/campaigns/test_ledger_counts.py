"""The ledger is counted in one place (``campaigns.results``): the details page (targets and
results), the CSV, the PushPanel and the live progress all show the numbers taken straight
from the deliveries, for a campaign with rows in every status and one removed target."""

import csv
import io
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.segments.conftest import make_segment, make_subscriber
from wagtail_pushseg.models import Campaign, Delivery

from .conftest import target


pytestmark = pytest.mark.django_db

S = Delivery.Status

#: Deliveries per target and status. The campaign's totals differ from status to status
#: (pending 9, sending 2, sent 12, retry 4, expired 3, failed 5, cancelled 6, capped 7), so no
#: two can be swapped unseen. "Gone" is deleted after planning (its rows keep no target).
LEDGER = {
    "German": {S.PENDING: 6, S.SENDING: 1, S.SENT: 8, S.RETRY: 3, S.EXPIRED: 1, S.FAILED: 3,
               S.CANCELLED: 2, S.CAPPED: 5},
    "French": {S.PENDING: 3, S.SENDING: 1, S.SENT: 3, S.RETRY: 1, S.EXPIRED: 2, S.FAILED: 1,
               S.CANCELLED: 4, S.CAPPED: 2},
    "Gone": {S.SENT: 1, S.FAILED: 1},
}


@pytest.fixture
def campaign(pages):
    campaign = Campaign.objects.create(title="Winter sale", url="/sale/", page=pages["article"],
                                       status=Campaign.Status.SENDING)
    now = timezone.now()
    rows = []
    for order, (name, statuses) in enumerate(LEDGER.items()):
        segment_target = target(campaign, make_segment([], name=name), order)
        for status, n in statuses.items():
            for i in range(n):
                sent = status == S.SENT
                rows.append(Delivery(
                    campaign=campaign, subscriber=make_subscriber(), target=segment_target,
                    status=status, sent_at=now if sent else None,
                    attempted_at=now if status in (S.SENT, S.FAILED, S.EXPIRED) else None,
                    # Receipts on some sent rows: up to 4 shown, 2 clicked, 1 dismissed.
                    shown_at=now if sent and i < 4 else None,
                    clicked_at=now if sent and i < 2 else None,
                    dismissed_at=now if sent and i == 2 else None))
    Delivery.objects.bulk_create(rows)
    campaign.targets.get(segment__name="Gone").delete()
    return campaign


def counted(campaign, **where) -> dict[str, int]:
    """The deliveries counted one by one in Python, the reference for every view."""
    rows = list(Delivery.objects.filter(campaign=campaign, **where))
    by_status = Counter(row.status for row in rows)
    return {
        "planned": len(rows), "sent": by_status[S.SENT], "expired": by_status[S.EXPIRED],
        "failed": by_status[S.FAILED], "capped": by_status[S.CAPPED],
        "cancelled": by_status[S.CANCELLED], "pending": by_status[S.PENDING],
        "sending": by_status[S.SENDING], "retrying": by_status[S.RETRY],
        "waiting": by_status[S.PENDING] + by_status[S.SENDING] + by_status[S.RETRY],
        "shown": sum(row.shown_at is not None for row in rows),
        "clicked": sum(row.clicked_at is not None for row in rows),
        "dismissed": sum(row.dismissed_at is not None for row in rows),
    }


def test_the_fixture_has_rows_in_every_status_and_a_removed_target(campaign):
    statuses = set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert statuses == set(S.values)
    assert counted(campaign, target__isnull=True)["planned"] == 2


def test_progress_shows_the_ledgers_counts(client, moderator, campaign):
    expected = counted(campaign)
    client.force_login(moderator)
    data = client.get(reverse("wagtail_pushseg_campaigns:progress",
                              args=[campaign.pk])).json()
    shown = {k: data[k] for k in ("planned", "sent", "failed", "expired", "pending",
                                  "retrying", "capped", "cancelled")}
    assert shown == {
        **{k: expected[k] for k in ("planned", "sent", "failed", "expired", "retrying",
                                    "capped", "cancelled")},
        # The page's "Pending" counts rows leased to a worker too: none of them is sent yet.
        "pending": expected["pending"] + expected["sending"]}


def test_the_csv_shows_the_ledgers_counts_per_target_and_in_total(client, moderator,
                                                                   campaign):
    client.force_login(moderator)
    response = client.get(reverse("wagtail_pushseg_campaigns:results_csv", args=[campaign.pk]))
    rows = {row["segment"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    columns = ("planned", "sent", "shown", "clicked", "dismissed", "expired", "failed",
               "capped", "cancelled", "waiting")
    expected = {
        "German": counted(campaign, target__segment__name="German"),
        "French": counted(campaign, target__segment__name="French"),
        "(removed target)": counted(campaign, target__isnull=True),
        "(all segments)": counted(campaign),
    }
    assert set(rows) == set(expected)
    for name, numbers in expected.items():
        assert {c: int(rows[name][c]) for c in columns} == {c: numbers[c] for c in columns}, name


def test_the_details_page_shows_the_ledgers_counts(client, moderator, campaign):
    client.force_login(moderator)
    html = client.get(reverse("wagtail_pushseg_campaigns:inspect",
                              args=[campaign.pk])).content.decode()
    # The audience table: sent / planned per target still on the campaign.
    table = html.split('class="listing pushseg-targets"')[1].split("</table>")[0]
    per_target = {name: (int(sent), int(planned)) for name, sent, planned in re.findall(
        r"<td>([A-Za-z]+)</td>.*?(\d+) / (\d+)", table, re.S)}
    assert per_target == {
        name: (counted(campaign, target__segment__name=name)["sent"],
               counted(campaign, target__segment__name=name)["planned"])
        for name in ("German", "French")}
    # The results' headline and the footer of the per-segment table.
    total = counted(campaign)
    text = " ".join(html.split())
    assert (f"{total['sent']} of {total['planned']} pushes delivered to the push services. "
            f"{total['waiting']} still waiting.") in text
    footer = html.split("All segments</th>")[1].split("</tr>")[0]
    cells = [int(n) for n in re.findall(r"<td>(\d+)</td>", footer)]
    assert cells == [total[k] for k in ("planned", "sent", "shown", "clicked", "dismissed",
                                        "expired", "failed", "capped")]


def test_the_push_panel_shows_the_ledgers_counts(client, moderator, campaign, pages):
    total = counted(campaign)
    client.force_login(moderator)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[pages["article"].pk])
                      ).content.decode()
    text = " ".join(html.split())
    assert f"{total['sent']} of {total['planned']} sent" in text
    assert f"· {total['waiting']} waiting" in text
    assert f"· <span class=\"pushseg-push-panel__clicks\">{total['clicked']} clicks" in text
    assert f"· {total['expired'] + total['failed']} not delivered" in text


def test_the_details_page_costs_the_same_queries_for_few_and_many_deliveries(
    client, moderator, campaign, django_assert_num_queries
):
    """Counted by the database: the ledger's size adds no query."""
    url = reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk])
    client.force_login(moderator)
    client.get(url)  # caches warmed (site, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    german = campaign.targets.get(segment__name="German")
    Delivery.objects.bulk_create(
        Delivery(campaign=campaign, subscriber=make_subscriber(), target=german, status=status)
        for status in [S.SENT] * 40 + [S.PENDING] * 30 + [S.FAILED] * 20)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)
