"""The plugin on the Wagtail home page: numbers exact against counts taken directly from the
rows, and shown only to users with the plugin's view permissions."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from freezegun import freeze_time

from tests.segments.conftest import block, make_segment, make_subscriber
from tests.users import user_with
from wagtail_pushseg.insights.dashboard import (
    LAST_CAMPAIGNS,
    last_campaigns,
    open_suggestion_count,
    subscriber_numbers,
)
from wagtail_pushseg.models import (
    Campaign,
    Delivery,
    SegmentAlert,
    SegmentSuggestion,
    Subscriber,
)


NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
HOME = reverse("wagtailadmin_home")


@pytest.fixture
def world(db):
    """Subscribers of every status over two months; seven campaigns (one a draft) with
    deliveries in every status, some clicked; suggestions in every status. Seeded, so a
    failure can be replayed."""
    rng = random.Random(7)
    subscribers = [
        make_subscriber(
            status=rng.choice(["active"] * 4 + ["expired", "unsubscribed"]),
            created_at=NOW - timedelta(days=rng.uniform(0, 60)),
        )
        for _ in range(80)
    ]
    # Exactly on the edge of the week counts as new.
    make_subscriber(created_at=NOW - timedelta(days=7))
    for n in range(7):
        status = Campaign.Status.DRAFT if n == 3 else (
            Campaign.Status.SENDING if n == 6 else Campaign.Status.SENT)
        campaign = Campaign.objects.create(
            title=f"Campaign number {n}", body="Hello", url="https://example.com/",
            status=status,
            queued_at=None if status == Campaign.Status.DRAFT else NOW - timedelta(days=10 - n),
        )
        for subscriber in rng.sample(subscribers, 30):
            delivery_status = rng.choice(
                [Delivery.Status.SENT] * 5 + [Delivery.Status.FAILED, Delivery.Status.EXPIRED,
                                              Delivery.Status.PENDING, Delivery.Status.CAPPED])
            sent = delivery_status == Delivery.Status.SENT
            Delivery.objects.create(
                campaign=campaign, subscriber=subscriber, status=delivery_status,
                sent_at=NOW if sent else None,
                clicked_at=NOW if sent and rng.random() < 0.3 else None,
            )
    for n, status in enumerate(["open", "open", "open", "dismissed", "accepted"]):
        SegmentSuggestion.objects.create(
            key=f"tag:t{n}", kind="tag", tags=[f"t{n}"], status=status, name=f"Fans of t{n}",
            explanation="x", size=30, first_found_at=NOW, refreshed_at=NOW,
        )


@pytest.fixture
def analyst(django_user_model):
    return user_with(django_user_model, "analyst", "view_subscriber", "view_campaign",
                     "view_segment", "add_segment")


def direct_campaign_rows():
    """Campaigns that went out, latest queued first, with sent / clicked counted row by row."""
    went_out = [c for c in Campaign.objects.all() if c.status in ("sent", "sending")]
    went_out.sort(key=lambda c: c.queued_at, reverse=True)
    rows = []
    for campaign in went_out[:LAST_CAMPAIGNS]:
        deliveries = list(Delivery.objects.filter(campaign=campaign))
        sent = [d for d in deliveries if d.status == "sent"]
        rows.append((campaign.title, len(sent), sum(d.clicked_at is not None for d in sent)))
    return rows


def test_numbers_are_exact_against_direct_counts(world):
    everybody = list(Subscriber.objects.all())
    with freeze_time(NOW):
        numbers = subscriber_numbers()
    assert numbers.active == sum(s.status == "active" for s in everybody)
    assert numbers.new_this_week == sum(
        s.status == "active" and s.created_at >= NOW - timedelta(days=7) for s in everybody
    )
    assert 0 < numbers.new_this_week < numbers.active < len(everybody)

    rows = last_campaigns()
    assert [(r.campaign.title, r.sent, r.clicked) for r in rows] == direct_campaign_rows()
    assert len(rows) == LAST_CAMPAIGNS
    assert "Campaign number 3" not in [r.campaign.title for r in rows]  # the draft
    for row in rows:
        assert row.click_through == pytest.approx(row.clicked / row.sent)

    assert open_suggestion_count() == 3


def test_panel_and_summary_item_show_the_numbers(client, world, analyst):
    client.force_login(analyst)
    with freeze_time(NOW):
        response = client.get(HOME)
        numbers = subscriber_numbers()
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="pushseg-dashboard' in html
    assert f"{numbers.active} push subscribers" in " ".join(html.split())
    assert (f"<strong>{numbers.active}</strong> active subscribers, "
            f"<strong>{numbers.new_this_week}</strong> new in the last seven days."
            in " ".join(html.split()))
    flat = " ".join(html.split())
    for title, sent, clicked in direct_campaign_rows():
        assert title in html
        percent = round(100 * clicked / sent)
        assert f"{title}</a>" in flat
        assert f"<td>{sent}</td> <td>{clicked}</td> <td>{percent} %</td>" in flat
    assert "<strong>3</strong> suggested segments are waiting." in " ".join(html.split())
    assert reverse("wagtail_pushseg_suggestions:index") in html


def test_panel_lists_open_drift_alerts_with_a_link_to_the_segment_trends(client, world, analyst):
    segment = make_segment([block("language", languages=["fr"])], name="Bargain hunters")
    day = NOW.date()
    SegmentAlert.objects.create(
        segment=segment, kind=SegmentAlert.Kind.CLICK_THROUGH, opened_on=day, opened_at=NOW,
        checked_on=day, message="Bargain hunters clicked 9% of pushes in the last two weeks, "
                                "down from 21% over the six before.")
    SegmentAlert.objects.create(
        segment=segment, kind=SegmentAlert.Kind.SIZE, opened_on=day, opened_at=NOW,
        checked_on=day, resolved_on=day, resolved_at=NOW, message="An old resolved alert.")
    client.force_login(analyst)
    html = " ".join(client.get(HOME).content.decode().split())
    assert "clicked 9% of pushes in the last two weeks, down from 21%" in html
    assert reverse("wagtail_pushseg_segments:trends", args=[segment.pk]) in html
    assert "An old resolved alert." not in html


def test_alerts_need_the_segment_view_permission(client, world, django_user_model):
    segment = make_segment([block("language", languages=["fr"])], name="Bargain hunters")
    SegmentAlert.objects.create(
        segment=segment, kind=SegmentAlert.Kind.SIZE, opened_on=NOW.date(), opened_at=NOW,
        checked_on=NOW.date(), message="Bargain hunters grew by half in three days.")
    client.force_login(user_with(django_user_model, "counter", "view_subscriber"))
    html = client.get(HOME).content.decode()
    assert "pushseg-dashboard" in html  # the panel, for the subscriber numbers
    assert "grew by half" not in html and "Open alerts" not in html


def test_ordinary_editor_sees_no_panel_and_no_numbers(client, world, editor):
    # Editors may compose campaigns (so see campaigns), but not the audience's numbers.
    assert editor.has_perm("wagtail_pushseg.view_campaign")
    client.force_login(editor)
    request_html = client.get(HOME).content.decode()
    assert "pushseg-dashboard" not in request_html
    assert "push subscribers" not in request_html
    assert "Campaign number" not in request_html
    assert "suggested segment" not in request_html


def test_each_part_needs_its_own_permission(client, world, django_user_model):
    # Subscriber permissions and no campaign permission (not in Editors): subscribers yes,
    # campaigns and suggestions no.
    user = django_user_model.objects.create_user("audience", "a@example.com", "pw")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"))
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="wagtail_pushseg", codename="view_subscriber"))
    client.force_login(user)
    html = " ".join(client.get(HOME).content.decode().split())
    assert "pushseg-dashboard" in html
    assert "active subscribers" in html and "push subscribers" in html
    assert "Click-through" not in html and "Campaign number" not in html
    assert "suggested segment" not in html


def test_segment_viewers_see_suggestions_without_the_review_link(client, world,
                                                                  django_user_model):
    user = user_with(django_user_model, "segviewer", "view_segment")
    client.force_login(user)
    html = " ".join(client.get(HOME).content.decode().split())
    assert "<strong>3</strong> suggested segments are waiting." in html
    assert reverse("wagtail_pushseg_suggestions:index") not in html
    assert "push subscribers" not in html and "active subscribers" not in html
