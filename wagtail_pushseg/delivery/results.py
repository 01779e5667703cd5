"""What a push service's answer means for a delivery."""

import enum
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


class Outcome(enum.StrEnum):
    SENT = "sent"
    #: 404/410: the subscription is gone for good; the subscriber is expired.
    GONE = "gone"
    #: 429 or 5xx: try again later (``retry_after`` seconds when the service said).
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PushResult:
    """The classified result of sending one message."""

    outcome: Outcome
    status: int | None = None
    retry_after: float | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SENT


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def classify(status: int, retry_after: str | None = None, body: str = "") -> PushResult:
    """Map an HTTP answer to an :class:`Outcome`."""
    reason = f"HTTP {status}" + (f": {body.strip()[:200]}" if body.strip() else "")
    if status in (200, 201, 202):
        return PushResult(Outcome.SENT, status)
    if status in (404, 410):
        return PushResult(Outcome.GONE, status, reason=reason)
    if status == 429 or 500 <= status <= 599:
        return PushResult(Outcome.RETRY, status, parse_retry_after(retry_after), reason)
    return PushResult(Outcome.FAILED, status, reason=reason)


def pks_by_status(rows: list[tuple]) -> dict[int | None, list[int]]:
    """Delivery ids grouped by the push service's status code (rows are ``(pk, ..., push)``),
    so the ledger stores each answer as it was (201, 202, 200; 404, 410) in a few UPDATEs."""
    grouped: dict[int | None, list[int]] = {}
    for row in rows:
        grouped.setdefault(row[-1].status, []).append(row[0])
    return grouped
