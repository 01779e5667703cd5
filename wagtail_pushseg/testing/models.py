"""Plain records held by the push sandbox: subscriptions, received messages, rejections."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec

from .keys import (
    b64url_decode,
    b64url_encode,
    private_from_b64,
    private_to_b64,
    public_raw,
)


URGENCIES = ("very-low", "low", "normal", "high")


@dataclass
class ReceivedMessage:
    """A push message the sandbox accepted (201) and decrypted."""

    subscription_id: str
    endpoint: str
    payload: bytes
    ttl: int
    urgency: str
    topic: str | None
    vapid_claims: dict[str, Any]
    received_at: float
    message_id: str = ""
    # True once a later message with the same Topic superseded this one.
    replaced: bool = False

    def json(self) -> Any:
        """The payload parsed as JSON (raises ``ValueError`` if it is not JSON)."""
        return json.loads(self.payload.decode("utf-8"))

    @property
    def parsed(self) -> Any:
        """The payload parsed as JSON, or ``None`` when it is not JSON."""
        try:
            return self.json()
        except ValueError:
            return None

    @property
    def text(self) -> str:
        """The payload as text (undecodable bytes replaced)."""
        return self.payload.decode("utf-8", errors="replace")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, used for persistence and the ``/inbox*.json`` views."""
        return {
            "id": self.message_id,
            "subscription_id": self.subscription_id,
            "endpoint": self.endpoint,
            "payload_b64": b64url_encode(self.payload),
            "payload": self.text,
            "json": self.parsed,
            "ttl": self.ttl,
            "urgency": self.urgency,
            "topic": self.topic,
            "vapid_claims": self.vapid_claims,
            "received_at": self.received_at,
            "replaced": self.replaced,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReceivedMessage:
        """Inverse of :meth:`to_dict` (ignores the derived fields)."""
        return cls(
            subscription_id=data["subscription_id"],
            endpoint=data["endpoint"],
            payload=b64url_decode(data["payload_b64"]),
            ttl=int(data["ttl"]),
            urgency=data.get("urgency", "normal"),
            topic=data.get("topic"),
            vapid_claims=dict(data.get("vapid_claims") or {}),
            received_at=float(data["received_at"]),
            message_id=data.get("id", ""),
            replaced=bool(data.get("replaced", False)),
        )


@dataclass
class Subscription:
    """One simulated browser subscription: its keys and the messages it received."""

    id: str
    endpoint: str
    application_server_key: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    created_at: float = field(default_factory=time.time)
    messages: list[ReceivedMessage] = field(default_factory=list)

    @cached_property
    def p256dh_raw(self) -> bytes:
        """The browser public key as its 65-byte point (part of every message's key info)."""
        return public_raw(self.private_key.public_key())

    @property
    def p256dh(self) -> str:
        """The browser public key, base64url (the ``keys.p256dh`` value)."""
        return b64url_encode(self.p256dh_raw)

    def push_subscription(self) -> dict[str, Any]:
        """The standard ``PushSubscription.toJSON()`` shape."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url_encode(self.auth_secret)},
        }

    def inbox(self) -> list[ReceivedMessage]:
        """What the device shows: latest message per topic, newest first."""
        return [m for m in reversed(self.messages) if not m.replaced]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form including the private key (this is test data, not a secret)."""
        return {
            "id": self.id,
            "endpoint": self.endpoint,
            "application_server_key": self.application_server_key,
            "private_key": private_to_b64(self.private_key),
            "auth": b64url_encode(self.auth_secret),
            "created_at": self.created_at,
            "messages": [m.to_dict() for m in self.messages],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=data["id"],
            endpoint=data["endpoint"],
            application_server_key=data["application_server_key"],
            private_key=private_from_b64(data["private_key"]),
            auth_secret=b64url_decode(data["auth"]),
            created_at=float(data.get("created_at", 0.0)),
            messages=[ReceivedMessage.from_dict(m) for m in data.get("messages", [])],
        )


class Rejection(NamedTuple):
    """A push request the sandbox answered with an error status."""

    subscription_id: str
    status: int
    reason: str
