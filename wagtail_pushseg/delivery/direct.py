"""Send one push to one Subscriber row right now (the admin's test push, previews)."""

from typing import Any

from ..conf import pushseg_settings
from ..models import Subscriber
from .payload import encode_payload
from .results import Outcome, PushResult
from .send_one import send_push
from .vapid import VapidSigner


def configured_signer() -> VapidSigner:
    return VapidSigner(pushseg_settings.VAPID_PRIVATE_KEY, pushseg_settings.VAPID_SUBJECT)


def send_to_subscriber(
    subscriber: Subscriber,
    payload: dict[str, Any],
    *,
    ttl: int | None = None,
    urgency: str = "normal",
    topic: str = "",
) -> PushResult:
    """Send ``payload`` now; a 404/410 answer marks the subscriber expired."""
    if subscriber.status != Subscriber.Status.ACTIVE:
        return PushResult(Outcome.FAILED, reason=f"subscriber is {subscriber.status}")
    result = send_push(
        subscriber.endpoint,
        subscriber.p256dh,
        subscriber.auth,
        encode_payload(payload),
        signer=configured_signer(),
        ttl=pushseg_settings.DEFAULT_TTL if ttl is None else ttl,
        urgency=urgency,
        topic=topic,
        timeout=pushseg_settings.PUSH_TIMEOUT,
        max_response_bytes=pushseg_settings.MAX_RESPONSE_BYTES,
    )
    if result.outcome is Outcome.GONE:
        subscriber.mark_expired()
    return result
