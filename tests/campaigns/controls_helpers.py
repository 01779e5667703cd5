"""Shared bits of the delivery-controls tests: a campaign for every English subscriber, and
subscribers in named time zones."""

from datetime import UTC, datetime

from freezegun import freeze_time

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.campaigns.planning import plan_deliveries
from wagtail_pushseg.models import Campaign

from .conftest import target


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def frozen(when: datetime):
    """A frozen clock that still lets asyncio (the real sender) and the sandbox run."""
    return freeze_time(when, real_asyncio=True)


def campaign_for_everyone(title: str = "News", **fields) -> Campaign:
    campaign = Campaign.objects.create(title=title, body="Read it", url="/news/", **fields)
    target(campaign, make_segment([block("language", languages=["en"])]), 0)
    return campaign


def send(campaign: Campaign, capture) -> Campaign:
    """Send now with django-q2 inline and the on-commit work run; the campaign reloaded."""
    with capture(execute=True):
        services.send_now(campaign)
    campaign.refresh_from_db()
    return campaign


def people_in(make, *zones: str) -> dict:
    """One English sandbox subscriber per time zone name."""
    return {zone: make(1, language="en-GB", timezone=zone)[0] for zone in zones}


def plan_only(campaign: Campaign) -> int:
    """Write the deliveries (segments refreshed first), without timing or sending."""
    services.refresh_campaign_segments(campaign)
    return plan_deliveries(campaign)
