"""Helpers for tests of what happens after a campaign went out: real sends to the sandbox."""

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.models import Campaign

from .conftest import target


def language_segment(code: str, name: str):
    return make_segment([block("language", languages=[code])], name=name)


def send(campaign: Campaign, capture) -> Campaign:
    """Send now with the on-commit callbacks run (django-q2 inline), and reload."""
    with capture(execute=True):
        services.send_now(campaign)
    campaign.refresh_from_db()
    return campaign


def payload_of(sandbox, subscriber) -> dict:
    """The one notification the sandbox decrypted for ``subscriber``."""
    [message] = sandbox.messages(subscriber.endpoint)
    return message.json()


def new_campaign(*segments, **fields) -> Campaign:
    fields.setdefault("title", "Winter sale")
    fields.setdefault("body", "30% off")
    campaign = Campaign.objects.create(**fields)
    for order, segment in enumerate(segments):
        target(campaign, segment, order)
    return campaign
