"""A campaign prepared for a page goes out when the page really goes live, exactly once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.models import Campaign, Delivery

from .conftest import target


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.fixture
def waiting(pages, make_sandbox_subscribers):
    make_sandbox_subscribers(2, language="de-DE")
    offer = pages["offer"]
    campaign = Campaign.objects.create(title="Deal", page=offer)
    target(campaign, make_segment([block("language", languages=["de"])]), 0)
    services.wait_for_publish(campaign)
    return campaign, offer


def publish(page):
    page.title += "!"
    page.save_revision().publish()


def test_publishing_the_page_sends_the_campaign_once(
    waiting, sandbox, django_capture_on_commit_callbacks
):
    campaign, offer = waiting
    with django_capture_on_commit_callbacks(execute=True):
        publish(offer)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 2
    assert sandbox.all_messages()[0].json()["url"].endswith(offer.url)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish(offer)  # republish
        first_revision = offer.revisions.order_by("created_at").first()
        first_revision.publish()  # revert to an older revision
    assert callbacks == []
    assert len(sandbox.all_messages()) == 2
    assert Delivery.objects.filter(campaign=campaign).count() == 2


def test_a_rolled_back_publish_queues_nothing(waiting, django_capture_on_commit_callbacks):
    campaign, offer = waiting
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish(offer)
        raise RuntimeError("the publish failed after the signal")
    assert callbacks == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.WAITING


def test_scheduled_publishing_queues_at_go_live(
    waiting, sandbox, django_capture_on_commit_callbacks
):
    campaign, offer = waiting
    go_live = timezone.now() + timedelta(hours=2)
    offer.go_live_at = go_live
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        offer.save_revision().publish()  # only scheduled: the page is not live with it yet
    assert callbacks == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.WAITING

    with (
        freeze_time(go_live + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("publish_scheduled")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 2


def test_publishing_another_page_does_nothing(waiting, pages, django_capture_on_commit_callbacks):
    campaign, _ = waiting
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish(pages["article"])
    assert callbacks == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.WAITING
