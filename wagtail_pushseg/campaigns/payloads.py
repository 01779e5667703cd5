"""The notification each target's subscribers get, and the size check editors see at save."""

import copy
from typing import Any

from ..delivery.payload import MAX_PLAINTEXT_BYTES, PayloadTooLarge, build_payload, encode_payload
from .tokens import MAX_TOKEN_LENGTH, PLACEHOLDER, split_template


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


def wording(campaign, target=None, variant=None) -> tuple[str, str]:
    """(title, body): the variant's, else the target's own, else the campaign's."""
    title = (target.title if target and target.title else "") or campaign.title
    body = (target.body if target and target.body else "") or campaign.body
    if variant is not None:
        title, body = variant.title or title, variant.body or body
    return title, body


def tracking_links(token: str) -> dict[str, str]:
    """The click link and the receipt endpoint of one delivery (paths on the site: the service
    worker resolves them against its own origin, the one the subscriber subscribed on)."""
    from django.urls import reverse

    return {"click_url": reverse("wagtail_pushseg:click", args=[token]),
            "receipt_url": reverse("wagtail_pushseg:receipt", args=[token])}


def payload_for(campaign, target=None, *, url: str | None = None, variant=None,
                token: str | None = None) -> dict[str, Any]:
    """The notification; with ``token`` it carries the delivery's click and receipt links
    (the sender passes ``tokens.PLACEHOLDER`` and splices each delivery's token in)."""
    title, body = wording(campaign, target, variant)
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
        data={"campaign": campaign.pk, **({"target": target.pk} if target and target.pk else {}),
              **(tracking_links(token) if token else {})},
    )


def encoded_payload(campaign, target=None, *, url: str | None = None, variant=None) -> bytes:
    """The payload as bytes; raises ``PayloadTooLarge`` if it cannot fit in a push."""
    return encode_payload(payload_for(campaign, target, url=url, variant=variant))


def payload_template(campaign, target=None, variant=None, *,
                     url: str | None = None) -> tuple[bytes, ...]:
    """The tracked payload cut around the token (see ``tokens.splice``); raises
    ``PayloadTooLarge`` unless it fits with the longest token a delivery can get."""
    raw = encode_payload(payload_for(campaign, target, url=url, variant=variant,
                                     token=PLACEHOLDER), check=False)
    parts = split_template(raw)
    longest = len(raw) + (len(parts) - 1) * (MAX_TOKEN_LENGTH - len(PLACEHOLDER))
    if longest > MAX_PLAINTEXT_BYTES:
        raise PayloadTooLarge(longest)
    return parts


#: Stands in for the ids an unsaved campaign and its targets will get, so the size check
#: counts them (they travel in the payload) with room to spare.
PROBE_ID = 10**12 - 1


def payload_excess(campaign, target=None, variant=None) -> int:
    """How many bytes the push for ``campaign`` (and ``target``'s or ``variant``'s wording,
    with the click and receipt links the sender adds) is over the limit; 0 when it fits.
    Works on unsaved instances (the admin form's check, field by field)."""
    probe = copy.copy(campaign)
    probe.pk = campaign.pk or PROBE_ID
    if target is not None:
        target = copy.copy(target)
        target.pk = target.pk or PROBE_ID
    try:
        payload_template(probe, target, variant)
    except PayloadTooLarge as exc:
        return exc.excess
    return 0


def largest_payload_excess(campaign) -> int:
    """The worst :func:`payload_excess` over every payload a saved campaign sends: its own,
    each target's (which carries the target) and each variant's; 0 when all fit."""
    from ..models import CampaignTarget
    from .variants import variants_by_target

    variants = variants_by_target(campaign)
    excesses = [payload_excess(campaign)]
    for target in CampaignTarget.objects.filter(campaign=campaign):
        excesses.append(payload_excess(campaign, target))
        excesses += [payload_excess(campaign, target, v) for v in variants.get(target.pk, ())]
    return max(excesses)
