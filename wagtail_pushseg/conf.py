"""The plugin's settings: one dict, ``WAGTAIL_PUSHSEG``, read on every access.

Reading lazily (one property per setting) keeps ``override_settings`` working in tests and
documents every key with its default in one place (mirrored in ``docs/settings.md``).
"""

from datetime import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


DEFAULT_PUSH_HOSTS = (
    # Google FCM (Chrome, Edge on Android, Opera, Samsung Internet)
    "fcm.googleapis.com",
    "android.googleapis.com",
    # Mozilla autopush (Firefox)
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    # Apple (Safari on macOS and iOS)
    "web.push.apple.com",
    "*.push.apple.com",
    # Microsoft WNS (legacy Edge / Windows)
    "*.notify.windows.com",
)


class PushsegSettings:
    """Typed, lazy access to ``settings.WAGTAIL_PUSHSEG``."""

    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, "WAGTAIL_PUSHSEG", {}).get(name, default)

    @property
    def VAPID_PUBLIC_KEY(self) -> str:
        """The VAPID public key: base64url, uncompressed P-256 point (the browser's
        ``applicationServerKey``). Make one with ``manage.py pushseg_vapid_keys``."""
        return self._get("VAPID_PUBLIC_KEY", "")

    @property
    def VAPID_PRIVATE_KEY(self) -> str:
        """The VAPID private key: base64url of the raw 32-byte P-256 scalar. Keep it secret."""
        return self._get("VAPID_PRIVATE_KEY", "")

    @property
    def VAPID_SUBJECT(self) -> str:
        """Contact for push services: a ``mailto:`` or ``https:`` URL (RFC 8292 ``sub``)."""
        return self._get("VAPID_SUBJECT", "")

    @property
    def PUSH_HOSTS(self) -> tuple[str, ...]:
        """Hosts of browser push services that endpoints may point at (``*.`` for a suffix)."""
        return tuple(self._get("PUSH_HOSTS", DEFAULT_PUSH_HOSTS))

    @property
    def EXTRA_PUSH_HOSTS(self) -> tuple[str, ...]:
        """Hosts added to ``PUSH_HOSTS`` without repeating the defaults."""
        return tuple(self._get("EXTRA_PUSH_HOSTS", ()))

    @property
    def ALLOWED_ENDPOINT_ORIGINS(self) -> tuple[str, ...]:
        """Exact origins (``scheme://host:port``) accepted as endpoints whatever the other rules
        say: how development and tests allow a sandbox such as ``http://127.0.0.1:8001``."""
        return tuple(o.rstrip("/") for o in self._get("ALLOWED_ENDPOINT_ORIGINS", ()))

    @property
    def MAX_ENDPOINT_LENGTH(self) -> int:
        """Longest endpoint URL accepted (real push services use a few hundred characters)."""
        return int(self._get("MAX_ENDPOINT_LENGTH", 2048))

    @property
    def MAX_REQUEST_BYTES(self) -> int:
        """Largest body the public JSON endpoints read."""
        return int(self._get("MAX_REQUEST_BYTES", 8 * 1024))

    @property
    def RATE_LIMIT(self) -> str:
        """Requests per client to each public endpoint, as ``count/period`` (s, m, h)."""
        return self._get("RATE_LIMIT", "30/m")

    @property
    def RATE_LIMIT_CACHE(self) -> str:
        """The cache alias that holds rate-limit counters."""
        return self._get("RATE_LIMIT_CACHE", "default")

    @property
    def TRUSTED_ORIGINS(self) -> tuple[str, ...]:
        """Origins other than the site's own allowed to call the public endpoints."""
        return tuple(o.rstrip("/") for o in self._get("TRUSTED_ORIGINS", ()))

    @property
    def VISITOR_COOKIE_NAME(self) -> str:
        """First-party cookie linking a browser's later visits to its subscription."""
        return self._get("VISITOR_COOKIE_NAME", "pushseg_vid")

    @property
    def VISITOR_COOKIE_AGE(self) -> int:
        """Lifetime of the visitor cookie in seconds (default one year)."""
        return int(self._get("VISITOR_COOKIE_AGE", 365 * 24 * 3600))

    @property
    def PUSH_TIMEOUT(self) -> float:
        """Seconds to wait for a push service to answer one message."""
        return float(self._get("PUSH_TIMEOUT", 10.0))

    @property
    def MAX_RESPONSE_BYTES(self) -> int:
        """How much of a push service's response body is read (for the error reason)."""
        return int(self._get("MAX_RESPONSE_BYTES", 4096))

    @property
    def DEFAULT_TTL(self) -> int:
        """Seconds a push service keeps an undelivered message (``TTL`` header)."""
        return int(self._get("DEFAULT_TTL", 24 * 3600))

    @property
    def PROMPT_AFTER_PAGE_VIEWS(self) -> int:
        """Page views before the soft prompt shows itself (0: only from a button)."""
        return int(self._get("PROMPT_AFTER_PAGE_VIEWS", 3))

    @property
    def PROMPT_TITLE(self) -> str:
        """Soft prompt heading, in the site's own words."""
        return self._get("PROMPT_TITLE", "Get notified about new content?")

    @property
    def PROMPT_TEXT(self) -> str:
        """Soft prompt text, shown before the browser's own permission prompt."""
        return self._get(
            "PROMPT_TEXT", "We'll send you a notification when we publish something for you."
        )

    @property
    def PROMPT_ACCEPT(self) -> str:
        return self._get("PROMPT_ACCEPT", "Yes, notify me")

    @property
    def PROMPT_DECLINE(self) -> str:
        return self._get("PROMPT_DECLINE", "Not now")

    @property
    def PROMPT_SNOOZE_DAYS(self) -> int:
        """Days the soft prompt stays hidden after a visitor says "not now"."""
        return int(self._get("PROMPT_SNOOZE_DAYS", 30))

    @property
    def SERVICE_WORKER_URL(self) -> str:
        """Where the service worker is served; root scope needs it at the site root."""
        return self._get("SERVICE_WORKER_URL", "/pushseg-sw.js")

    @property
    def DEFAULT_ICON(self) -> str:
        """Icon URL used when a notification names none."""
        return self._get("DEFAULT_ICON", "")

    @property
    def TRACK_PAGE_VIEWS(self) -> bool:
        """Record subscribers' page views while Wagtail serves pages (turn off on sites with
        full-page caching and let the client script report views instead)."""
        return bool(self._get("TRACK_PAGE_VIEWS", True))

    @property
    def TRACKING_WRITES(self) -> str:
        """``"buffered"``: page views are queued and written in batches by a background thread
        (nothing on the request path but an append); ``"immediate"``: written while serving."""
        return self._get("TRACKING_WRITES", "buffered")

    @property
    def TRACKING_FLUSH_SECONDS(self) -> float:
        """How often the background writer writes queued page views."""
        return float(self._get("TRACKING_FLUSH_SECONDS", 1.0))

    @property
    def TRACKING_BATCH_SIZE(self) -> int:
        """Queued views that wake the writer before its interval is up."""
        return int(self._get("TRACKING_BATCH_SIZE", 200))

    @property
    def DELIVERY_CHUNK_SIZE(self) -> int:
        """Deliveries a worker claims and sends per task. Each chunk ends waiting for its last
        answers and starts with a claim; 1000 rather than 500 halves both per message (3-5 %
        faster sending in docs/benchmarks.md), and still leaves a chunk well inside its lease."""
        return int(self._get("DELIVERY_CHUNK_SIZE", 1000))

    @property
    def DELIVERY_LEASE_SECONDS(self) -> int:
        """How long a claimed chunk is a worker's before others may take it over."""
        return int(self._get("DELIVERY_LEASE_SECONDS", 300))

    @property
    def VAPID_BREAKER_FAILURES(self) -> int:
        """401/403 answers in one chunk, from one push service, to subscriptions that received
        our pushes before, that pause a campaign (a VAPID problem) even when that service
        accepts more than it refuses; any such refusal pauses it when the service refuses
        most of its messages. Subscriptions that never received cannot pause anything
        (``campaigns/sending/vapid_breaker.py``)."""
        return max(1, int(self._get("VAPID_BREAKER_FAILURES", 20)))

    @property
    def VAPID_REFUSALS_TO_INVALIDATE(self) -> int:
        """401/403 answers to one delivery, while its push service accepts the others, after
        which its subscriber is marked invalid (made for another application server key);
        the delivery is retried until then."""
        return max(1, int(self._get("VAPID_REFUSALS_TO_INVALIDATE", 2)))

    @property
    def DELIVERY_MAX_ATTEMPTS(self) -> int:
        """Attempts (first send included) before a retryable delivery counts as failed."""
        return int(self._get("DELIVERY_MAX_ATTEMPTS", 5))

    @property
    def DELIVERY_RETRY_BASE_SECONDS(self) -> float:
        """First wait before retrying a 5xx, timeout or reset; doubled per attempt (with
        jitter) up to ``DELIVERY_RETRY_MAX_SECONDS``. A ``Retry-After`` answer wins."""
        return max(0.0, float(self._get("DELIVERY_RETRY_BASE_SECONDS", 30)))

    @property
    def DELIVERY_RETRY_MAX_SECONDS(self) -> float:
        """Longest wait between two attempts of one delivery."""
        return max(0.0, float(self._get("DELIVERY_RETRY_MAX_SECONDS", 3600)))

    @property
    def SEND_CONCURRENCY(self) -> int:
        """Requests a worker process keeps in flight at once, over all push services."""
        return max(1, int(self._get("SEND_CONCURRENCY", 200)))

    @property
    def SEND_CONCURRENCY_PER_HOST(self) -> int:
        """Requests in flight (and connections kept) per push-service origin."""
        return max(1, int(self._get("SEND_CONCURRENCY_PER_HOST", 100)))

    @property
    def SEND_RATE_LIMIT(self) -> int | None:
        """Pushes per second across all workers together (``None``: unlimited). Counted in
        ``SEND_RATE_CACHE``, which must be shared by the workers (Redis) to be global."""
        value = self._get("SEND_RATE_LIMIT", None)
        return None if value is None else max(1, int(value))

    @property
    def SEND_RATE_CACHE(self) -> str:
        """The cache alias holding the send-rate budget."""
        return self._get("SEND_RATE_CACHE", "default")

    @property
    def REPUSH_GUARD_HOURS(self) -> float:
        """Readers who got a push about a page in the last this many hours are skipped when
        another campaign about the same page is planned, unless the editor ticks "send again
        anyway" on the send page (``0``: no guard)."""
        return max(0.0, float(self._get("REPUSH_GUARD_HOURS", 24) or 0))

    @property
    def FREQUENCY_CAP_PER_DAY(self) -> int | None:
        """Most pushes (all campaigns) a subscriber gets in 24 hours (``None``: no cap);
        a campaign may set its own or ignore the cap."""
        value = self._get("FREQUENCY_CAP_PER_DAY", None)
        return None if value is None else int(value)

    @property
    def FREQUENCY_CAP_PER_WEEK(self) -> int | None:
        """Most pushes (all campaigns) a subscriber gets in 7 days (``None``: no cap)."""
        value = self._get("FREQUENCY_CAP_PER_WEEK", None)
        return None if value is None else int(value)

    @property
    def QUIET_HOURS(self) -> "tuple[time, time] | None":
        """``("21:00", "08:00")``: no pushes between these local times in the subscriber's
        own time zone (deferred, not dropped); ``None``: none."""
        value = self._get("QUIET_HOURS", None)
        if value is None:
            return None
        try:
            start, end = (time.fromisoformat(str(v)) for v in value)
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(
                'WAGTAIL_PUSHSEG["QUIET_HOURS"] must be two "HH:MM" times or None'
            ) from exc
        return None if start == end else (start, end)

    @property
    def PAGE_TAGS_FUNCTION(self) -> str:
        """Dotted path of ``f(page) -> list[str]`` giving a page's tags; default: the specific
        page's taggit ``tags``."""
        return self._get("PAGE_TAGS_FUNCTION", "wagtail_pushseg.tracking.page_tags.taggit_tags")

    @property
    def SALE_TAGS(self) -> frozenset[str]:
        """Tags that make a page a sale page (for the sale share of visits)."""
        return frozenset(
            t.lower() for t in self._get("SALE_TAGS", ("sale", "clearance", "discount"))
        )

    @property
    def TAG_HALF_LIFE_DAYS(self) -> float:
        """Days after which a tag affinity has halved without new views."""
        return float(self._get("TAG_HALF_LIFE_DAYS", 30))

    @property
    def RECENT_HALF_LIFE_DAYS(self) -> float:
        """Half-life of the "recent visits" counts behind the sale share."""
        return float(self._get("RECENT_HALF_LIFE_DAYS", 14))

    @property
    def EVENT_RETENTION_DAYS(self) -> int:
        """Raw events older than this are purged daily; profiles and affinities stay."""
        return int(self._get("EVENT_RETENTION_DAYS", 180))

    @property
    def PURGE_AFTER_DAYS(self) -> int | None:
        """Expired, unsubscribed and retired subscribers are deleted this many days after they
        ended (daily); their deliveries stay in the ledger without them. ``None``: never."""
        days = self._get("PURGE_AFTER_DAYS", 30)
        return None if days is None else max(0, int(days))

    @property
    def RETIRE_AFTER_DAYS(self) -> int | None:
        """Active subscribers with no visit, no push sent and no notification shown for this
        many days are retired (no longer sent to), then purged as above. ``None``: never."""
        days = self._get("RETIRE_AFTER_DAYS", 270)
        return None if days is None else max(1, int(days))

    @property
    def BOT_USER_AGENT_PATTERN(self) -> str:
        """User agents matching this (case-insensitive) regex are never tracked."""
        return self._get(
            "BOT_USER_AGENT_PATTERN",
            r"bot|crawl|spider|slurp|facebookexternalhit|preview|curl|wget|python-requests"
            r"|httpx|aiohttp|go-http-client|lighthouse|pingdom|uptime",
        )

    @property
    def MAX_EVENT_PROPERTIES_BYTES(self) -> int:
        """Largest custom-event ``properties`` object, as compact JSON."""
        return int(self._get("MAX_EVENT_PROPERTIES_BYTES", 2048))

    @property
    def SEGMENT_REFRESH_MINUTES(self) -> int:
        """Minutes between scheduled refreshes of all segments' memberships (django-q2)."""
        return max(1, int(self._get("SEGMENT_REFRESH_MINUTES", 60)))

    # Suggested segments (insights.suggested_segments), refreshed daily.

    @property
    def SUGGESTION_MIN_SIZE(self) -> int:
        """Fewest subscribers a group needs to be suggested as a segment."""
        return max(1, int(self._get("SUGGESTION_MIN_SIZE", 25)))

    @property
    def SUGGESTION_MIN_AFFINITY(self) -> float:
        """Decayed tag points that count as a strong interest (3: about three recent views)."""
        return float(self._get("SUGGESTION_MIN_AFFINITY", 3.0))

    @property
    def SUGGESTION_PAIR_SHARE(self) -> float:
        """Two tags are "read together" when at least this share of the smaller tag's strong
        readers is strong in the other too."""
        return float(self._get("SUGGESTION_PAIR_SHARE", 0.5))

    @property
    def SUGGESTION_UNCOVERED_SHARE(self) -> float:
        """A group is suggested when at least this share of it is in no active segment."""
        return float(self._get("SUGGESTION_UNCOVERED_SHARE", 0.6))

    @property
    def SUGGESTION_MIN_DEGREE(self) -> float:
        """Membership degree from which a subscriber counts as covered by a segment."""
        return float(self._get("SUGGESTION_MIN_DEGREE", 0.5))

    @property
    def SUGGESTION_RISING_FACTOR(self) -> float:
        """A tag's readership is rising fast when readers in the last 14 days are at least this
        many times the fortnightly average of the 28 days before."""
        return float(self._get("SUGGESTION_RISING_FACTOR", 2.0))

    @property
    def SUGGESTION_TOP_TAGS(self) -> int:
        """Tags looked at (the most strongly read ones): bounds the pairs compared."""
        return max(2, int(self._get("SUGGESTION_TOP_TAGS", 30)))


pushseg_settings = PushsegSettings()
