"""Sandbox state: subscriptions and their inboxes, with optional JSON-file persistence.

Usable without a running server, e.g. to create subscriptions offline::

    state = SandboxState.load("sandbox.json", "http://127.0.0.1:8001")
    sub = state.create_subscription(vapid_public_key_b64)
    state.save()
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .keys import generate_private_key, normalize_public_key
from .models import ReceivedMessage, Subscription


STATE_VERSION = 1
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=256)  # asked three times per push, for a handful of URLs
def origin_of(url: str) -> str:
    """ASCII serialisation of a URL's origin (scheme://host[:port], default port omitted)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def subscription_id_of(endpoint_or_id: str) -> str:
    """Accept either a full endpoint URL (``.../push/<id>``) or a bare id."""
    if "/" in endpoint_or_id:
        return endpoint_or_id.rstrip("/").rsplit("/", 1)[-1]
    return endpoint_or_id


class SandboxState:
    """Subscriptions and received messages of one sandbox; thread-safe.

    ``path`` (optional) is the JSON state file; ``base_url`` is where the sandbox is
    served, which fixes the endpoint URLs, so it is stored in the file too.
    """

    def __init__(self, base_url: str | None = None, path: str | os.PathLike | None = None):
        self.lock = threading.RLock()
        self._save_lock = threading.Lock()
        self.path = Path(path) if path is not None else None
        self._base_url: str | None = None
        self._subs: dict[str, Subscription] = {}
        self._by_message_id: dict[str, ReceivedMessage] = {}
        self._version = 0  # bumped on every change; compared with _saved_version
        self._saved_version = 0
        if base_url:
            self.base_url = base_url

    # -- base URL -------------------------------------------------------------------------
    @property
    def base_url(self) -> str | None:
        """``scheme://host:port`` the endpoints live under (None until known)."""
        return self._base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {value!r}")
        with self.lock:
            self._base_url = value.rstrip("/")
            self._touch()

    @property
    def origin(self) -> str:
        """The origin VAPID ``aud`` claims must name."""
        if not self._base_url:
            raise RuntimeError("sandbox base_url is not known yet (server not started?)")
        return origin_of(self._base_url)

    # -- subscriptions --------------------------------------------------------------------
    def create_subscription(self, application_server_key: str) -> dict[str, Any]:
        """Subscribe like a browser would; returns the PushSubscription JSON.

        ``application_server_key`` is the site's VAPID public key (base64url, uncompressed
        P-256 point). Raises ``ValueError`` if it is not one.
        """
        key = normalize_public_key(application_server_key)
        with self.lock:
            if not self._base_url:
                raise RuntimeError("cannot create a subscription before base_url is known")
            sub_id = secrets.token_urlsafe(24)
            sub = Subscription(
                id=sub_id,
                endpoint=f"{self._base_url}/push/{sub_id}",
                application_server_key=key,
                private_key=generate_private_key(),
                auth_secret=secrets.token_bytes(16),
            )
            self._subs[sub_id] = sub
            self._touch()
            return sub.push_subscription()

    def get(self, endpoint_or_id: str) -> Subscription | None:
        """The subscription for an endpoint URL or id, if any."""
        with self.lock:
            return self._subs.get(subscription_id_of(endpoint_or_id))

    def subscriptions(self) -> list[Subscription]:
        """All subscriptions, oldest first (a snapshot list)."""
        with self.lock:
            return sorted(self._subs.values(), key=lambda s: s.created_at)

    def __len__(self) -> int:
        with self.lock:
            return len(self._subs)

    # -- messages -------------------------------------------------------------------------
    def record_message(
        self,
        subscription_id: str,
        payload: bytes,
        *,
        ttl: int,
        urgency: str = "normal",
        topic: str | None = None,
        vapid_claims: dict[str, Any] | None = None,
    ) -> ReceivedMessage:
        """Store an accepted message; an earlier one with the same topic is marked replaced."""
        with self.lock:
            sub = self._subs[subscription_id]
            if topic is not None:
                for old in sub.messages:
                    if old.topic == topic:
                        old.replaced = True
            msg = ReceivedMessage(
                subscription_id=sub.id,
                endpoint=sub.endpoint,
                payload=payload,
                ttl=ttl,
                urgency=urgency,
                topic=topic,
                vapid_claims=dict(vapid_claims or {}),
                received_at=time.time(),
                message_id=secrets.token_urlsafe(12),
            )
            sub.messages.append(msg)
            self._by_message_id[msg.message_id] = msg
            self._touch()
            return msg

    def message(self, message_id: str) -> ReceivedMessage | None:
        """Look a message up by the id used in its ``Location`` URL."""
        with self.lock:
            return self._by_message_id.get(message_id)

    def messages(self, endpoint_or_id: str) -> list[ReceivedMessage]:
        """Accepted messages of one subscription, oldest first (replaced ones included)."""
        with self.lock:
            sub = self._subs.get(subscription_id_of(endpoint_or_id))
            return list(sub.messages) if sub else []

    def all_messages(self) -> list[ReceivedMessage]:
        """Accepted messages of every subscription, oldest first."""
        with self.lock:
            msgs = [m for s in self._subs.values() for m in s.messages]
        return sorted(msgs, key=lambda m: m.received_at)

    def clear_messages(self) -> None:
        """Empty every inbox (subscriptions stay)."""
        with self.lock:
            for sub in self._subs.values():
                sub.messages.clear()
            self._by_message_id.clear()
            self._touch()

    # -- persistence ----------------------------------------------------------------------
    def _touch(self) -> None:
        self._version += 1

    @property
    def dirty(self) -> bool:
        """True when there are changes not yet written to ``path``."""
        return self._version != self._saved_version

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot of the whole state."""
        with self.lock:
            return {
                "version": STATE_VERSION,
                "base_url": self._base_url,
                "subscriptions": [s.to_dict() for s in self.subscriptions()],
            }

    def save(self, path: str | os.PathLike | None = None) -> None:
        """Write the state atomically (temp file + ``os.replace``) to ``path``/``self.path``."""
        target = Path(path) if path is not None else self.path
        if target is None:
            return
        # One writer at a time, so an older snapshot never lands after a newer one.
        with self._save_lock:
            with self.lock:
                version = self._version
                data = self.to_dict()
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(data, fh, indent=1)
                os.replace(tmp, target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            if path is None or target == self.path:
                self._saved_version = version

    def save_if_dirty(self) -> bool:
        """Save when something changed since the last save; returns whether it wrote."""
        if self.path is None or not self.dirty:
            return False
        self.save()
        return True

    @classmethod
    def load(cls, path: str | os.PathLike, base_url: str | None = None) -> SandboxState:
        """Open the state file at ``path`` (an empty state if it does not exist yet).

        A ``base_url`` different from the one stored in an existing file is an error,
        because the stored endpoints would no longer point at the sandbox.
        """
        state = cls(path=path)
        p = Path(path)
        if p.exists() and p.stat().st_size > 0:
            data = json.loads(p.read_text(encoding="utf-8"))
            stored: str | None = data.get("base_url")
            if stored and base_url and stored.rstrip("/") != base_url.rstrip("/"):
                raise ValueError(
                    f"state file {p} belongs to {stored}, not {base_url}; "
                    "use the stored base URL or a new file"
                )
            with state.lock:
                if url := stored or base_url:
                    state.base_url = url
                for item in data.get("subscriptions", []):
                    sub = Subscription.from_dict(item)
                    state._subs[sub.id] = sub
                    for msg in sub.messages:
                        state._by_message_id[msg.message_id] = msg
                state._saved_version = state._version
            if not stored and base_url:
                state._touch()
        elif base_url:
            state.base_url = base_url
        return state
