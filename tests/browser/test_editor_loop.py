"""The editor's everyday loop in a real Chromium (issue 17): what the browser showed wrong, each
checked where the editor sees it, and a walk over every plugin admin page that fails on any
JavaScript error. The data is the insights simulation (weeks of pushes, clicks and segment
history, written through the plugin's own code) plus a drift alert, as on the demo.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.insights.simulation import Simulation
from wagtail_pushseg.models import Campaign, CampaignTarget, Segment, SegmentAlert, Subscriber
from wagtail_pushseg.segments.refresh import refresh_segment
from wagtail_pushseg.subscribers.services import parse_subscription, subscribe

from .support import collect_console_errors, contrast, use_dark_theme


pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _offline(settings):
    # Wagtail's upgrade check fetches releases.wagtail.org: not a page error of ours.
    settings.WAGTAIL_ENABLE_UPDATE_CHECK = False


@pytest.fixture
def history():
    """Three weeks of simulated readers, pushes and clicks (click-through of a few percent),
    with the daily segment history, and an open drift alert on the bargain hunters."""
    result = Simulation(seed=17, days=21, subscribers=60).run()
    bargain = Segment.objects.get(pk=result.segments["sim-bargain-hunters"])
    today = timezone.localdate()
    SegmentAlert.objects.create(
        segment=bargain, kind=SegmentAlert.Kind.CLICK_THROUGH, message="Click-through falling",
        numbers={"recent_rate": 0.04, "before_rate": 0.22}, opened_on=today,
        opened_at=timezone.now(), checked_on=today)
    return {"result": result, "bargain": bargain}


@pytest.fixture
def draft(pages, sandbox, settings):
    """A draft campaign about the offer to two sandbox subscribers (German readers)."""
    key = settings.WAGTAIL_PUSHSEG["VAPID_PUBLIC_KEY"]
    readers = []
    for _ in range(2):
        subscriber, _ = subscribe(parse_subscription(sandbox.subscribe(key)))
        subscriber.language = "de-DE"
        subscriber.save()
        readers.append(subscriber)
    segment = make_segment([block("language", languages=["de"])], name="German readers")
    refresh_segment(segment)
    campaign = Campaign.objects.create(title="Headphones at half price", body="This week",
                                       page=pages["offer"])
    CampaignTarget.objects.create(campaign=campaign, segment=segment, sort_order=0)
    return {"campaign": campaign, "readers": readers, "segment": segment}


def test_segment_trends_draw_every_chart_with_realistic_data(page, history, superuser, login):
    """Item 4: the percent axis of the click-through chart threw a RangeError in Chart.js for
    rates of a few percent, and the click-through and pushes charts stayed blank."""
    errors = collect_console_errors(page)
    login(page, "admin")
    page.goto(reverse("wagtail_pushseg_segments:trends", args=[history["bargain"].pk]))
    page.get_by_text("Click-through falling").first.wait_for()
    canvases = page.locator("canvas[data-pushseg-chart]")
    ids = canvases.evaluate_all("cs => cs.map(c => c.id)")
    assert {"pushseg-history-ctr", "pushseg-history-pushes"} <= set(ids)
    drawn = page.evaluate("Object.keys(window.pushsegCharts.charts)")
    assert sorted(drawn) == sorted(ids), errors
    ticks = page.evaluate("""() => {
        const chart = Object.values(window.pushsegCharts.charts)
            .find(c => c.options.scales.y.ticks.format);
        return chart.scales.y.ticks.map(t => t.label);
    }""")
    # Chart.js writes zero as "0" whatever the format.
    assert ticks and all(label.endswith("%") for label in ticks if label != "0"), ticks
    assert errors == []


def test_buttons_with_an_icon_draw_it_at_text_size(page, pages, superuser, login):
    """Item 6: on Wagtail 8 an icon in a button without ``button--icon`` has no size and the
    SVG takes its default 300×150, drawing the button as an empty box."""
    login(page, "admin")
    page.goto(f"/admin/pages/{pages['offer'].pk}/edit/")
    tab = page.get_by_role("tab", name="Push")
    if tab.count():
        tab.click()
    button = page.get_by_role("link", name="Prepare a push for when this page is published")
    button.wait_for()
    box = button.locator("svg.icon").bounding_box()
    assert box["width"] <= 24 and box["height"] <= 24, box
    assert button.bounding_box()["height"] < 60


def test_a_subscriber_opens_from_the_listing_and_tests_a_campaign_there(
        page, draft, sandbox, superuser, login):
    """Item 5: the listing's rows link to the subscriber's page, and from there a campaign's
    test-send opens with this subscriber chosen: no "number in the address"."""
    reader = draft["readers"][0]
    login(page, "admin")
    page.goto(reverse("wagtail_pushseg_subscribers:index"))
    page.get_by_role("link", name=str(reader)).click()
    page.wait_for_url(f"**{reverse('wagtail_pushseg_subscribers:inspect', args=[reader.pk])}")
    page.get_by_role("link", name="Test a campaign on this subscriber").click()
    page.get_by_label("Campaign").select_option(str(draft["campaign"].pk))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/test-send/{draft['campaign'].pk}/?subscriber={reader.pk}")
    assert "number" not in page.locator("main").inner_text()
    chosen = page.get_by_label(f"This subscriber: {reader}")
    assert chosen.is_checked()
    page.get_by_role("button", name="Send test pushes").click()
    page.get_by_text("1 test push sent.").wait_for()
    [message] = sandbox.messages(reader.endpoint)
    assert message.json()["title"] == "Headphones at half price"
    assert sandbox.messages(draft["readers"][1].endpoint) == []


def test_the_send_page_has_wagtails_date_picker_and_says_the_format(
        page, draft, superuser, login):
    """Item 8: the send page left out its form's media, so ``initDateTimeChooser`` was not
    defined and there was no picker; the field says which format it reads."""
    errors = collect_console_errors(page)
    login(page, "admin")
    page.goto(reverse("wagtail_pushseg_campaigns:send", args=[draft["campaign"].pk]))
    page.get_by_label("At a date and time").check()
    field = page.locator("#id_send_at")
    field.click()
    page.locator(".xdsoft_datetimepicker").first.wait_for(state="visible")
    assert errors == []
    # The format is said before anything is typed (the refusal itself: test_send_form.py).
    tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert f"For example {tomorrow} 09:00" in page.locator("main").inner_text()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_composer_counts_characters_as_the_editor_types(page, draft, superuser, login,
                                                            screenshot, theme):
    """Item 7: title and body have a maximum length and the browser stops typing there without
    a word; a live counter says how much is used and when the limit is reached, readable in
    both of Wagtail's themes."""
    if theme == "dark":
        use_dark_theme(superuser)
    login(page, "admin")
    page.goto(reverse("wagtail_pushseg_campaigns:edit", args=[draft["campaign"].pk]))
    counter = page.locator("#id_body-count")
    assert counter.inner_text() == "9 / 400 characters"
    page.fill("#id_body", "x" * 399)
    assert counter.inner_text() == "399 / 400 characters"
    page.locator("#id_body").press_sequentially("yz")
    assert page.input_value("#id_body") == "x" * 399 + "y"
    assert counter.inner_text().startswith("400 / 400 characters · the limit")
    assert page.locator("#id_title-count").inner_text() == "24 / 120 characters"
    assert contrast(counter) >= 4.5
    counter.scroll_into_view_if_needed()
    screenshot(page, f"composer-counter-{theme}")


def test_every_plugin_admin_page_loads_without_a_javascript_error(
        page, history, draft, pages, superuser, login):
    """No console error and no uncaught exception on any of the plugin's admin pages, with
    realistic data (the issue's "walk them all")."""
    errors = collect_console_errors(page)
    bargain, campaign = history["bargain"], draft["campaign"]
    sent = Campaign.objects.filter(status=Campaign.Status.SENT).order_by("-pk").first()
    subscriber = Subscriber.objects.order_by("pk").first()
    member = bargain.memberships.order_by("pk").first()
    urls = [
        "/admin/",
        reverse("wagtail_pushseg_campaigns:index"),
        reverse("wagtail_pushseg_campaigns:add"),
        reverse("wagtail_pushseg_campaigns:edit", args=[campaign.pk]),
        reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk]),
        reverse("wagtail_pushseg_campaigns:inspect", args=[sent.pk]),
        reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk]),
        reverse("wagtail_pushseg_campaigns:test_send", args=[campaign.pk]),
        reverse("wagtail_pushseg_segments:list"),
        reverse("wagtail_pushseg_segments:add"),
        reverse("wagtail_pushseg_segments:edit", args=[bargain.pk]),
        reverse("wagtail_pushseg_segments:members", args=[bargain.pk]),
        reverse("wagtail_pushseg_segments:trends", args=[bargain.pk]),
        reverse("wagtail_pushseg_segments:refresh", args=[bargain.pk]),
        reverse("wagtail_pushseg_segments:overlap"),
        reverse("wagtail_pushseg_suggestions:index"),
        reverse("wagtail_pushseg_subscribers:index"),
        reverse("wagtail_pushseg_subscribers:inspect", args=[subscriber.pk]),
        reverse("wagtail_pushseg_subscribers:test_push", args=[draft["readers"][0].pk]),
        reverse("wagtail_pushseg_subscribers:test_campaign", args=[draft["readers"][0].pk]),
        f"/admin/pages/{pages['offer'].pk}/edit/",
    ]
    if member is not None:
        urls.append(reverse("wagtail_pushseg_segments:explain",
                            args=[bargain.pk, member.subscriber_id]))
    login(page, "admin")
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
    assert errors == []
