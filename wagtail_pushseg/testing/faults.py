"""Fault injection for the push sandbox: fixed statuses, delays, random failures, counters.

Besides HTTP statuses, a fault can be a connection-level one, as real push services and the
networks in front of them produce: ``"timeout"`` holds the request without answering until the
client gives up (the message is not stored), ``"reset"`` drops the connection with a TCP reset.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .models import Rejection
from .reader import Reaction


#: Faults below HTTP: no answer until the client gives up, or a TCP reset.
CONNECTION_FAULTS = ("timeout", "reset")
#: What a push service may answer for a message it accepted (RFC 8030 says 201).
ACCEPT_STATUSES = (200, 201, 202)

@dataclass
class Behaviour:
    """How the sandbox answers pushes to one subscription (or to all, as the default).

    ``status`` forces that answer for every request; ``fail_rate`` answers ``fail_status``
    for that fraction of requests at random; ``delay_ms`` delays every answer (it leaves no
    sooner than that after its request came; the checks run meanwhile).
    ``retry_after`` adds a ``Retry-After`` header to injected answers.
    ``fail_mix`` spreads the random failures over several kinds by weight, e.g.
    ``{"500": 1, "429": 1, "timeout": 1, "reset": 1}`` (keys: HTTP statuses, ``"timeout"``,
    ``"reset"``); ``hang_ms`` is how long a ``"timeout"`` holds the request before dropping it.
    """

    status: int | None = None
    retry_after: int | None = None
    delay_ms: int = 0
    fail_rate: float = 0.0
    fail_status: int = 500
    seed: int | None = None
    fail_mix: dict[str, float] | None = None
    hang_ms: int = 10_000
    accept_status: int = 201
    show_rate: float = 0.0
    click_rate: float = 0.0
    site_url: str | None = None
    rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= int(self.status) <= 599:
            raise ValueError(f"status must be an HTTP status code, got {self.status!r}")
        if not 100 <= int(self.fail_status) <= 599:
            raise ValueError(f"fail_status must be an HTTP status code, got {self.fail_status!r}")
        if not 0.0 <= float(self.fail_rate) <= 1.0:
            raise ValueError(f"fail_rate must be within [0, 1], got {self.fail_rate!r}")
        if int(self.delay_ms) < 0:
            raise ValueError("delay_ms must be >= 0")
        if self.retry_after is not None and int(self.retry_after) < 0:
            raise ValueError("retry_after must be >= 0")
        if int(self.hang_ms) < 0:
            raise ValueError("hang_ms must be >= 0")
        if int(self.accept_status) not in ACCEPT_STATUSES:
            raise ValueError(f"accept_status must be one of {ACCEPT_STATUSES}, "
                             f"got {self.accept_status!r}")
        for name in ("show_rate", "click_rate"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)!r}")
        if self.click_rate > self.show_rate:
            raise ValueError("click_rate must be at most show_rate (a clicked notification "
                             "was shown)")
        if self.show_rate and not (self.site_url or "").startswith(("http://", "https://")):
            raise ValueError("show_rate needs site_url, the http(s) origin the notification's "
                             "links are on")
        if self.fail_mix is not None:
            self.fail_mix = {str(kind): float(weight) for kind, weight in self.fail_mix.items()}
            for kind, weight in self.fail_mix.items():
                if kind not in CONNECTION_FAULTS and not (kind.isdigit()
                                                          and 100 <= int(kind) <= 599):
                    raise ValueError(f"fail_mix keys are HTTP statuses, 'timeout' or 'reset', "
                                     f"got {kind!r}")
                if weight < 0:
                    raise ValueError("fail_mix weights must be >= 0")
            if not sum(self.fail_mix.values()):
                raise ValueError("fail_mix needs at least one positive weight")
        self.rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Behaviour:
        """Build from a ``POST /control`` body; unknown keys are an error."""
        allowed = {"status", "retry_after", "delay_ms", "fail_rate", "fail_status", "seed",
                   "fail_mix", "hang_ms", "accept_status", "show_rate", "click_rate", "site_url"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown behaviour keys: {sorted(unknown)}")
        try:
            return cls(
                status=None if data.get("status") is None else int(data["status"]),
                retry_after=None if data.get("retry_after") is None else int(data["retry_after"]),
                delay_ms=int(data.get("delay_ms") or 0),
                fail_rate=float(data.get("fail_rate") or 0.0),
                fail_status=int(data.get("fail_status") or 500),
                seed=None if data.get("seed") is None else int(data["seed"]),
                fail_mix=None if data.get("fail_mix") is None else dict(data["fail_mix"]),
                hang_ms=10_000 if data.get("hang_ms") is None else int(data["hang_ms"]),
                accept_status=int(data.get("accept_status") or 201),
                show_rate=float(data.get("show_rate") or 0.0),
                click_rate=float(data.get("click_rate") or 0.0),
                site_url=None if data.get("site_url") is None else str(data["site_url"]),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise ValueError(str(exc)) from exc

    def to_json(self) -> dict[str, Any]:
        """Inverse of :meth:`from_json`."""
        return {
            "status": self.status,
            "retry_after": self.retry_after,
            "delay_ms": self.delay_ms,
            "fail_rate": self.fail_rate,
            "fail_status": self.fail_status,
            "seed": self.seed,
            "fail_mix": self.fail_mix,
            "hang_ms": self.hang_ms,
            "accept_status": self.accept_status,
            "show_rate": self.show_rate,
            "click_rate": self.click_rate,
            "site_url": self.site_url,
        }

    def reaction(self) -> Reaction | None:
        """Whether the reader shows and clicks the next accepted message (None: no reader)."""
        if not self.show_rate or self.site_url is None:
            return None
        draw = self.rng.random()  # one draw: a click is always also a show
        return Reaction(shown=draw < self.show_rate, clicked=draw < self.click_rate,
                        site_url=self.site_url)

    def injected_status(self) -> int | None:
        """The status to answer instead of processing the request, if any (connection faults
        of ``fail_mix`` count as none here; :meth:`injected_fault` names them)."""
        fault = self.injected_fault()
        return fault if isinstance(fault, int) else None

    def injected_fault(self) -> int | str | None:
        """What to do instead of processing the request: a status, ``"timeout"``,
        ``"reset"``, or None to process it."""
        if self.status is not None:
            return self.status
        if not (self.fail_rate and self.rng.random() < self.fail_rate):
            return None
        if not self.fail_mix:
            return self.fail_status
        kinds = list(self.fail_mix)
        kind = self.rng.choices(kinds, weights=[self.fail_mix[k] for k in kinds])[0]
        return kind if kind in CONNECTION_FAULTS else int(kind)


class FaultInjector:
    """Behaviours per subscription plus a global default; request counts; rejections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.default = Behaviour()
        self._per_sub: dict[str, Behaviour] = {}
        self._counts: Counter[str] = Counter()
        self._rejections: list[Rejection] = []

    def set(self, subscription_id: str | None, behaviour: Behaviour) -> None:
        """Set the behaviour of one subscription, or the default when the id is None."""
        with self._lock:
            if subscription_id is None:
                self.default = behaviour
            else:
                self._per_sub[subscription_id] = behaviour

    def reset(self, subscription_id: str | None = None) -> None:
        """Back to normal behaviour for one subscription, or for all (and the default)."""
        with self._lock:
            if subscription_id is None:
                self.default = Behaviour()
                self._per_sub.clear()
            else:
                self._per_sub.pop(subscription_id, None)

    def behaviour_for(self, subscription_id: str) -> Behaviour:
        """The subscription's own behaviour, else the global default."""
        with self._lock:
            return self._per_sub.get(subscription_id, self.default)

    def decide(self, subscription_id: str) -> tuple[int, int | str | None, int | None]:
        """Count a request and pick (delay_ms, injected fault or None, retry_after); a fault
        is a status, ``"timeout"`` or ``"reset"`` (see :meth:`Behaviour.injected_fault`)."""
        with self._lock:
            self._counts[subscription_id] += 1
            b = self._per_sub.get(subscription_id, self.default)
            # The RNG is shared state, so draw under the lock for reproducible seeds.
            return b.delay_ms, b.injected_fault(), b.retry_after

    def reaction(self, subscription_id: str) -> Reaction | None:
        """The reader's reaction to a message this subscription accepted (see ``Behaviour``)."""
        with self._lock:
            return self._per_sub.get(subscription_id, self.default).reaction()

    def accept_status(self, subscription_id: str) -> int:
        with self._lock:
            return self._per_sub.get(subscription_id, self.default).accept_status

    def hang_ms(self, subscription_id: str) -> int:
        with self._lock:
            return self._per_sub.get(subscription_id, self.default).hang_ms

    def count(self, subscription_id: str) -> int:
        """Requests received for this id (accepted or not)."""
        with self._lock:
            return self._counts[subscription_id]

    def total_count(self) -> int:
        """Requests received for any id."""
        with self._lock:
            return sum(self._counts.values())

    def reject(self, subscription_id: str, status: int, reason: str) -> None:
        """Log a refused request."""
        with self._lock:
            self._rejections.append(Rejection(subscription_id, status, reason))

    @property
    def rejections(self) -> list[Rejection]:
        """Refused requests, oldest first (a copy)."""
        with self._lock:
            return list(self._rejections)

    def clear_log(self) -> None:
        """Forget counts and rejections."""
        with self._lock:
            self._counts.clear()
            self._rejections.clear()

    def snapshot(self) -> dict[str, Any]:
        """Current configuration and counters, for ``GET /control``."""
        with self._lock:
            return {
                "default": self.default.to_json(),
                "subscriptions": {k: v.to_json() for k, v in self._per_sub.items()},
                "request_counts": dict(self._counts),
                "rejections": [r._asdict() for r in self._rejections],
            }
