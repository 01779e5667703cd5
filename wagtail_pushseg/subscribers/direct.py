"""Send one push to one Subscriber row right now (the admin's test push, previews).

The same sender as a campaign's chunks (``delivery.async_sender``), with one message.
"""

from typing import Any

from ..conf import pushseg_settings
from ..delivery.async_sender import OutgoingPush, send_many_sync
from ..delivery.payload import encode_payload
from ..delivery.results import Outcome, PushResult
from ..delivery.vapid import configured_signer
from ..models import Subscriber


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
    message = OutgoingPush(subscriber.endpoint, subscriber.p256dh, subscriber.auth,
                           encode_payload(payload))
    [result] = send_many_sync(
        [message],
        signer=configured_signer(),
        ttl=pushseg_settings.DEFAULT_TTL if ttl is None else ttl,
        urgency=urgency,
        topic=topic,
        timeout=pushseg_settings.PUSH_TIMEOUT,
        max_response_bytes=pushseg_settings.MAX_RESPONSE_BYTES,
        concurrency=1,
        per_host=1,
        # A web request's thread keeps no event loop or connections between test pushes.
        reuse_connections=False,
    )
    if result.outcome is Outcome.GONE:
        subscriber.mark_expired()
    return result
