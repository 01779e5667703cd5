"""Send one message to one subscription: encrypt (RFC 8291), sign (RFC 8292), POST (RFC 8030).

The same encryption and headers as the batch sender (``async_sender``), one message at a time.

Plain data in, a classified :class:`PushResult` out; no Django models here, so the same code
serves the admin's test push and the workers.
"""

import re

import requests

from ..subscribers.endpoint_policy import EndpointRejected, check_endpoint, origin_of
from .encryption import encrypt
from .results import Outcome, PushResult, classify
from .safe_resolver import refusal_in, safe_session
from .vapid import VapidSigner


URGENCIES = ("very-low", "low", "normal", "high")
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def push_headers(
    signer: VapidSigner, endpoint: str, ttl: int, urgency: str = "normal", topic: str = ""
) -> dict[str, str]:
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {', '.join(URGENCIES)}")
    if topic and not _TOPIC.match(topic):
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


def send_push(
    endpoint: str,
    p256dh: str,
    auth: str,
    payload: bytes,
    *,
    signer: VapidSigner,
    ttl: int,
    urgency: str = "normal",
    topic: str = "",
    timeout: float = 10.0,
    max_response_bytes: int = 4096,
    session: requests.Session | None = None,
) -> PushResult:
    """POST one encrypted message. Never raises for the subscription's own faults."""
    try:
        endpoint = check_endpoint(endpoint)  # canonical: what is connected to and signed for
    except EndpointRejected as exc:
        return PushResult(Outcome.FAILED, reason=f"endpoint refused: {exc}")
    try:
        body = encrypt(payload, p256dh, auth)
    except Exception as exc:  # a corrupt key fails this message only
        return PushResult(Outcome.FAILED, reason=f"cannot encrypt for this subscription: {exc}")
    headers = push_headers(signer, endpoint, ttl, urgency, topic)
    # The default session connects only to addresses that passed the public-address check.
    http = session or safe_session()
    try:
        response = http.post(
            endpoint, data=body, headers=headers, timeout=timeout, allow_redirects=False,
            stream=True,
        )
    except requests.Timeout:
        return PushResult(Outcome.RETRY, reason="timed out")
    except requests.RequestException as exc:
        refused = refusal_in(exc)
        if refused:  # the host resolved to a private address: not the subscriber's fault
            return PushResult(Outcome.FAILED, reason=refused)
        return PushResult(Outcome.RETRY, reason=f"connection failed: {exc.__class__.__name__}")
    try:
        # Read only a bounded prefix: the body is for the error message, nothing else.
        text = response.raw.read(max_response_bytes, decode_content=True) or b""
    except Exception:
        text = b""
    finally:
        response.close()
    if 300 <= response.status_code < 400:
        return PushResult(
            Outcome.FAILED, response.status_code, reason="push service answered with a redirect"
        )
    return classify(
        response.status_code,
        response.headers.get("Retry-After"),
        text.decode("utf-8", "replace"),
    )
