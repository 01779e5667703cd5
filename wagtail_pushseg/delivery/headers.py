"""The request headers of one Web Push message: VAPID (RFC 8292), TTL, Urgency and Topic
(RFC 8030), and the content coding of the encrypted body (RFC 8188/8291)."""

import re

from .endpoint_policy import origin_of
from .vapid import VapidSigner


URGENCIES = ("very-low", "low", "normal", "high")
#: A Topic is at most 32 characters of the URL-safe base64 alphabet (RFC 8030 §5.4).
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def push_headers(
    signer: VapidSigner, endpoint: str, ttl: int, urgency: str = "normal", topic: str = ""
) -> dict[str, str]:
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {', '.join(URGENCIES)}")
    if topic and not TOPIC.match(topic):
        raise ValueError("topic must be 1-32 characters of the base64url alphabet")
    headers = {
        "Authorization": signer.header(origin_of(endpoint)),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(int(ttl)),
        "Urgency": urgency,
    }
    if topic:
        headers["Topic"] = topic
    return headers
