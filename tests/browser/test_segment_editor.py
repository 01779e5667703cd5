"""The segment editor's live preview in a real Chromium, and the subscribers listing.

Real: Wagtail's snippet editor with the plugin's rule blocks, the ``pushseg-segment-preview``
Stimulus controller posting the unsaved form, the preview endpoint and the rule compiler.
"""

import pytest
from django.utils import timezone

from tests.segments.conftest import block, make_affinity, make_segment, make_subscriber
from wagtail_pushseg.models import Segment


pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CAMERAS = [block("tag_interest", tags=["cameras"], starts_at=1, full_at=3)]


@pytest.fixture
def camera_fans():
    """A segment and four readers with degrees 1.0, 0.85, 0.65 and 0.35 (linear from an
    affinity of 1 to 3), plus a reader with no interest in cameras."""
    now = timezone.now()
    for score, language in ((3.5, "de-DE"), (2.7, "en-GB"), (2.3, "fr-FR"), (1.7, "de-AT")):
        subscriber = make_subscriber(browser="Firefox", platform="Linux", language=language,
                                     timezone="Europe/Berlin", created_at=now)
        make_affinity(subscriber, "cameras", score, updated_at=now)
    make_subscriber(browser="Chrome", platform="Android", language="it-IT",
                    timezone="Europe/Rome", created_at=now)
    return make_segment(CAMERAS, name="Camera fans", threshold=0.5)


def count_text(page) -> str:
    return page.locator(".pushseg-preview__count").inner_text()


def test_segment_editor_preview_follows_unsaved_changes(
    page, camera_fans, superuser, login, screenshot,
):
    login(page, "admin")
    page.goto(f"/admin/pushseg/segments/edit/{camera_fans.pk}/")

    # On opening: the saved rules at the saved threshold.
    count = page.locator(".pushseg-preview__count")
    count.wait_for()
    assert count_text(page) == "3 of 5 active subscribers reach the threshold 0.50."
    assert len(page.locator(".pushseg-preview__sample tbody tr").all()) == 3

    # A stricter threshold, not saved: the preview follows.
    page.fill("input[name=threshold]", "0.9")
    page.get_by_text("1 of 5 active subscribers reach the threshold 0.90.").wait_for()

    # Back to 0.5, and a rule edit: interest only counts from an affinity of 2.
    page.fill("input[name=threshold]", "0.5")
    starts_at = page.locator("input[name^=rules-][name$=starts_at]")
    starts_at.fill("2")
    page.get_by_text("2 of 5 active subscribers reach the threshold 0.50.").wait_for()
    page.locator(".pushseg-segment-preview").scroll_into_view_if_needed()
    screenshot(page, "segment-editor-preview")

    # Nothing was saved.
    camera_fans.refresh_from_db()
    assert camera_fans.threshold == 0.5
    assert camera_fans.rules.raw_data[0]["value"]["starts_at"] == 1
    assert Segment.objects.count() == 1


def test_subscribers_listing(page, camera_fans, superuser, login, screenshot):
    login(page, "admin")
    page.goto("/admin/pushseg/subscribers/")
    rows = page.locator("table.listing tbody tr")
    rows.first.wait_for()
    assert rows.count() == 5
    assert "it-IT" in rows.all_inner_texts()[0]  # newest first
    screenshot(page, "subscribers")
