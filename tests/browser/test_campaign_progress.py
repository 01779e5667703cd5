"""A campaign's page while it sends and after, in a real Chromium: the live progress (the
plugin's Stimulus poller and Chart.js redraws), then the results (funnel, per-segment table,
over-time chart, CSV), and a click through a notification's own link.

What is real: the browser, the admin page and its scripts, the live server answering the
poller, the sending engine pushing to the sandbox (VAPID checked, payloads decrypted) chunk by
chunk in the background, the click link from a decrypted payload. What the test steers: when
each chunk goes, so that every step is seen by at least one poll (the page polls every 3 s;
left alone, a small campaign is sent between two polls).
"""

import csv
import queue
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connections

from tests.campaigns import conftest as campaign_fixtures
from tests.segments.conftest import block, make_segment
from wagtail_pushseg.admin.campaigns.progress import CHART_ID
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.campaigns.sending.engine import send_chunk
from wagtail_pushseg.models import Campaign, Delivery

from .support import WAIT_MS


pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

make_sandbox_subscribers = campaign_fixtures.make_sandbox_subscribers

SUBSCRIBERS = 12
CHUNK = 4
#: Each push is answered this late, so a chunk is in flight while the page polls.
DELAY_MS = 800
S = Delivery.Status

#: A number of the progress list, as the page shows it now.
SHOWN = "key => document.querySelector(`.pushseg-progress [data-key='${key}']`).textContent.trim()"
#: A chart's data as Chart.js holds it (null when no Chart instance draws that canvas).
CHART_DATA = """id => {
    const canvas = document.getElementById(id);
    const chart = canvas && window.Chart.getChart(canvas);
    if (!chart || window.pushsegCharts.charts[id] !== chart) return null;
    return {labels: chart.data.labels.map(String),
            datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data}))};
}"""


class BackgroundSender(threading.Thread):
    """Sends the campaign with the engine's ``send_chunk`` on a thread of its own, as a queue
    worker would, one chunk per ``send()``; ``finish()`` marks the campaign sent once nothing
    is left (as the ``send_campaign_chunk`` task does).

    A thread of its own: the sender runs its own asyncio loop, and the test's thread has
    Playwright's. On the default in-memory SQLite the thread shares the test's connection, as
    Django's live server thread does (a second connection to a shared-cache in-memory database
    gets "table is locked" instead of waiting); on PostgreSQL it opens its own."""

    def __init__(self, campaign_id: int):
        super().__init__(daemon=True)
        self.campaign_id = campaign_id
        self.orders: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        connection = connections["default"]
        self.shared = (connection if connection.vendor == "sqlite"
                       and connection.is_in_memory_db() else None)

    def send(self, limit: int) -> None:
        self.orders.put(limit)

    def finish(self) -> None:
        self.orders.put(None)

    def outcome(self):
        """The next chunk's result (or the campaign's status after ``finish()``)."""
        result = self.results.get(timeout=WAIT_MS / 1000)
        if isinstance(result, BaseException):
            raise result
        return result

    def run(self):
        if self.shared is not None:
            self.shared.inc_thread_sharing()
            connections["default"] = self.shared
        try:
            while (limit := self.orders.get()) is not None:
                self.results.put(send_chunk(self.campaign_id, limit))
            campaign = Campaign.objects.get(pk=self.campaign_id)
            services.finish_if_done(campaign)
            campaign.refresh_from_db()
            self.results.put(campaign.status)
        except BaseException as exc:  # handed to the test, which raises it
            self.results.put(exc)
        finally:
            if self.shared is not None:
                self.shared.dec_thread_sharing()
            else:
                connections.close_all()


@pytest.fixture
def sending(pages, sandbox, superuser, make_sandbox_subscribers):
    """A campaign for the offer page to twelve sandbox subscribers, planned and sending,
    nothing sent yet; the sandbox answers each push late."""
    subscribers = make_sandbox_subscribers(SUBSCRIBERS, language="en-GB")
    campaign = Campaign.objects.create(title="Headphones at half price", body="Only this week",
                                       page=pages["offer"], created_by=superuser)
    readers = make_segment([block("language", languages=["en"])], name="English readers")
    campaign_fixtures.target(campaign, readers, 0)
    services.send_now(campaign, superuser, enqueue=False)
    assert services.plan(campaign.pk, enqueue=False) == SUBSCRIBERS
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    sandbox.set_behaviour(None, delay_ms=DELAY_MS)
    sender = BackgroundSender(campaign.pk)
    sender.start()
    yield campaign, subscribers, sender
    sender.finish()  # lets the thread end if the test failed half-way
    sender.join(timeout=WAIT_MS / 1000)


def wait_for_sent(page, n: int) -> None:
    page.wait_for_function(f"n => ({SHOWN})('sent') === String(n)", arg=n)


def chart(page, chart_id: str):
    return page.evaluate(CHART_DATA, chart_id)


def picture(page, screenshot, locator, name: str) -> None:
    """A screenshot of one part of the page, however tall: the admin scrolls its main column
    rather than the window, so the window grows to hold the part (and room for the sticky
    header above it), then shrinks back."""
    size = page.viewport_size
    height = locator.evaluate("e => e.getBoundingClientRect().height")
    tall = max(size["height"], int(height) + 240)
    page.set_viewport_size({"width": size["width"], "height": tall})
    locator.evaluate("e => e.scrollIntoView({ block: 'center' })")
    box = locator.bounding_box()
    # To the window's right edge: a wide table may stick out of its section.
    screenshot(page, name, clip={"x": box["x"] - 16, "y": box["y"] - 16,
                                 "width": size["width"] - box["x"] + 16,
                                 "height": box["height"] + 32})
    page.set_viewport_size(size)


def ledger(campaign) -> dict[str, int]:
    """The funnel counted straight from the delivery rows."""
    rows = list(Delivery.objects.filter(campaign=campaign).values_list(
        "status", "shown_at", "clicked_at", "dismissed_at"))
    status = Counter(row[0] for row in rows)
    return {
        "planned": len(rows), "sent": status[S.SENT],
        "shown": sum(1 for row in rows if row[1]), "clicked": sum(1 for row in rows if row[2]),
        "dismissed": sum(1 for row in rows if row[3]), "expired": status[S.EXPIRED],
        "failed": status[S.FAILED], "capped": status[S.CAPPED],
        "cancelled": status[S.CANCELLED],
        "waiting": status[S.PENDING] + status[S.SENDING] + status[S.RETRY],
    }


def test_progress_updates_in_place_then_the_results_show(
    page, context, site, pages, sending, sandbox, login, screenshot,
):
    campaign, subscribers, sender = sending
    login(page, "admin")
    page.goto(f"/admin/pushseg/campaigns/inspect/{campaign.pk}/")

    # 1. Sending, nothing sent: the numbers and an empty chart, the poller on.
    progress = page.locator(".pushseg-progress")
    assert progress.get_attribute("data-pushseg-progress-live-value") == "true"
    assert page.evaluate(SHOWN, "planned") == str(SUBSCRIBERS)
    assert page.evaluate(SHOWN, "sent") == "0"
    assert page.evaluate(SHOWN, "pending") == str(SUBSCRIBERS)
    before = chart(page, CHART_ID)
    assert before == {"labels": [], "datasets": []}  # nothing answered yet
    # Gone if the page reloads: the numbers below must arrive without one.
    page.evaluate("window.pushsegTestMarker = 'no reload'")

    # 2. Chunk by chunk: the numbers change in place and the chart is redrawn with them.
    seen = [before]
    for sent in range(CHUNK, SUBSCRIBERS, CHUNK):
        sender.send(CHUNK)
        assert sender.outcome().sent == CHUNK
        wait_for_sent(page, sent)
        page.wait_for_function(
            f"n => ({CHART_DATA})('{CHART_ID}')?.datasets[0]?.data"
            ".reduce((a, b) => a + b, 0) === n", arg=sent)
        assert page.evaluate(SHOWN, "pending") == str(SUBSCRIBERS - sent)
        data = chart(page, CHART_ID)
        assert data["datasets"][0]["label"] == "Sent" and data["labels"]
        assert data not in seen
        seen.append(data)
        assert page.evaluate("window.pushsegTestMarker") == "no reload"
        if sent == SUBSCRIBERS - CHUNK:
            picture(page, screenshot, progress, "campaign-progress")

    # 3. The last chunk: the campaign is sent; the page reloads itself to show the results.
    sender.send(CHUNK)
    assert sender.outcome().sent == CHUNK
    sender.finish()
    assert sender.outcome() == Campaign.Status.SENT
    summary = page.get_by_text(f"{SUBSCRIBERS} of {SUBSCRIBERS} pushes delivered")
    summary.wait_for()
    assert page.evaluate("window.pushsegTestMarker") is None
    assert progress.get_attribute("data-pushseg-progress-live-value") == "false"
    assert {key: page.evaluate(SHOWN, key) for key in ("planned", "sent", "failed", "pending")} \
        == {"planned": "12", "sent": "12", "failed": "0", "pending": "0"}
    assert sum(chart(page, CHART_ID)["datasets"][0]["data"]) == SUBSCRIBERS
    funnel = chart(page, "pushseg-results-funnel")
    assert funnel["labels"] == ["Planned", "Sent", "Shown", "Clicked", "Dismissed"]
    assert funnel["datasets"][0]["data"] == [SUBSCRIBERS, SUBSCRIBERS, 0, 0, 0]
    segments = page.locator(".pushseg-results__segments")
    assert segments.locator("tbody tr").all_inner_texts() == [
        "English readers\tHeadphones at half price\t12\t12\t0\t0\t0\t0\t0\t0\t0%\t-"]
    page.get_by_text("No notification has been shown or clicked yet.").wait_for()
    for subscriber in subscribers:
        [message] = sandbox.messages(subscriber.endpoint)
        assert message.json()["title"] == "Headphones at half price"

    # 4. A reader clicks the notification: its own link (from the decrypted payload) records
    # the click and leads to the offer; the campaign's page, reloaded, counts it.
    click_url = sandbox.messages(subscribers[0].endpoint)[0].json()["data"]["click_url"]
    reader = context.new_page()
    reader.goto(click_url)
    assert reader.url == pages["offer"].get_full_url()
    reader.close()
    page.reload()
    summary.wait_for()
    funnel = chart(page, "pushseg-results-funnel")
    assert funnel["datasets"][0]["data"][3] == 1
    assert page.locator(".pushseg-results .pushseg-facts dd").first.inner_text() == "1"
    timeline = chart(page, "pushseg-results-timeline")
    assert [d["label"] for d in timeline["datasets"]] == ["Shown", "Clicked"]
    assert sum(timeline["datasets"][1]["data"]) == 1
    results = page.locator("section[aria-labelledby=pushseg-results-heading]")
    picture(page, screenshot, results, "campaign-results")

    # 5. The CSV: its totals are the ledger's.
    link = page.get_by_role("link", name="Download the results (CSV)")
    # Wagtail sizes a button's icon only with ``button--icon``; else it is 300 px wide.
    assert link.locator("svg").bounding_box()["width"] < 24
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"campaign-{campaign.pk}-results.csv"
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    [total] = [row for row in rows if row["segment"] == "(all segments)"]
    [segment] = [row for row in rows if row["segment"] == "English readers"]
    expected = ledger(campaign)
    assert expected["clicked"] == 1 and expected["sent"] == SUBSCRIBERS
    for row in (total, segment):
        assert {key: int(row[key]) for key in expected} == expected
