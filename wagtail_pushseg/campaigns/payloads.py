"""The notification each target's subscribers get, and the size check editors see at save."""

from typing import Any

from ..delivery.payload import build_payload, encode_payload


def campaign_url(campaign) -> str:
    """Where a click leads: the page's full URL, else the campaign's own link."""
    if campaign.page_id:
        page = campaign.page.specific_deferred if hasattr(campaign.page, "specific_deferred") \
            else campaign.page
        return page.get_full_url() or page.url or "/"
    return campaign.url or "/"


def topic_for(campaign) -> str:
    """The RFC 8030 Topic: a second copy of the same campaign replaces the first on the device."""
    return f"pushseg-c{campaign.pk}"


def payload_for(campaign, target=None, *, url: str | None = None) -> dict[str, Any]:
    title = (target.title if target and target.title else "") or campaign.title
    body = (target.body if target and target.body else "") or campaign.body
    actions = [
        {"action": f"a{n}", "title": title_, "url": link}
        for n, (title_, link) in enumerate(
            ((campaign.action1_title, campaign.action1_url),
             (campaign.action2_title, campaign.action2_url)), start=1)
        if title_
    ]
    return build_payload(
        title=title,
        body=body,
        url=url if url is not None else campaign_url(campaign),
        icon=campaign.icon,
        image=campaign.image,
        tag=topic_for(campaign),
        actions=actions,
        data={"campaign": campaign.pk, **({"target": target.pk} if target and target.pk else {})},
    )


def encoded_payload(campaign, target=None, *, url: str | None = None) -> bytes:
    """The payload as bytes; raises ``PayloadTooLarge`` if it cannot fit in a push."""
    return encode_payload(payload_for(campaign, target, url=url))
