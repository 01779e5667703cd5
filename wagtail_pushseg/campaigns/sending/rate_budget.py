"""The global send rate: a budget of pushes per one-second window, shared by every worker.

Each window is one cache counter; a worker reserves what it wants for its chunk with an atomic
``incr`` (Redis, and locmem within one process) and hands back what it did not send. With
``SEND_RATE_LIMIT = None`` nothing touches the cache. The sender itself never looks at the
budget: the engine sizes the chunk it claims to what was granted, so the rest stays pending.
"""

import time
from dataclasses import dataclass

from django.core.cache import caches

from ...conf import pushseg_settings


KEY = "pushseg:send-rate:{}"


@dataclass(frozen=True)
class Grant:
    """``granted`` pushes reserved in the window starting at ``window`` (unix seconds)."""

    window: int | None
    granted: int


def take(wanted: int) -> Grant:
    """Reserve up to ``wanted`` pushes in the current second; the grant may be smaller, or 0."""
    limit = pushseg_settings.SEND_RATE_LIMIT
    if limit is None or wanted <= 0:
        return Grant(None, wanted)
    cache = caches[pushseg_settings.SEND_RATE_CACHE]
    window = int(time.time())
    key = KEY.format(window)
    cache.add(key, 0, timeout=10)
    try:
        used = cache.incr(key, wanted)
    except ValueError:  # the counter was evicted between add and incr
        cache.add(key, 0, timeout=10)
        used = cache.incr(key, wanted)
    granted = max(0, min(wanted, limit - (used - wanted)))
    if granted < wanted:
        _release(cache, key, wanted - granted)
    return Grant(window, granted)


def take_waiting(wanted: int) -> Grant:
    """``take``; when this second's budget is spent, wait for the next second and try once
    more (a worker would otherwise ring itself in a busy loop)."""
    grant = take(wanted)
    if grant.granted or grant.window is None:
        return grant
    time.sleep(max(0.0, grant.window + 1 - time.time()))
    return take(wanted)


def give_back(grant: Grant, unused: int) -> None:
    """Return what was reserved but not sent (deferred, capped, nothing to claim), while its
    window lasts."""
    if grant.window is None or unused <= 0 or int(time.time()) != grant.window:
        return
    _release(caches[pushseg_settings.SEND_RATE_CACHE], KEY.format(grant.window), unused)


def _release(cache, key: str, n: int) -> None:
    try:
        cache.decr(key, n)
    except ValueError:  # the window's counter is gone already: nothing to give back to
        pass
