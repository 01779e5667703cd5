"""Step 3: demo subscribers, made by the push sandbox as real browsers would be.

Each subscriber is a sandbox subscription for the site's VAPID public key, stored through the
plugin's own ``parse_subscription``/``subscribe``, so pushes to them really arrive in the
sandbox inbox. The sandbox state file keeps the browser side (its keys), so subscriptions are
reused from one run to the next; the database rows are made to match it.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.models import Subscriber, endpoint_hash
from wagtail_pushseg.subscribers.services import parse_subscription, subscribe
from wagtail_pushseg.subscribers.user_agent import browser_and_platform
from wagtail_pushseg.testing import SandboxState, origin_of
from wagtail_pushseg.testing.keys import normalize_public_key


DEFAULT_SANDBOX_URL = "http://127.0.0.1:8001"
HISTORY_DAYS = 120

# (time zone, language, weight): where the shop's audience lives, roughly.
LOCALES = (
    ("Europe/London", "en-GB", 30),
    ("Europe/Berlin", "de-DE", 12),
    ("Europe/Paris", "fr-FR", 8),
    ("Europe/Madrid", "es-ES", 6),
    ("America/New_York", "en-US", 16),
    ("America/Los_Angeles", "en-US", 10),
    ("Asia/Tokyo", "ja-JP", 8),
    ("Australia/Sydney", "en-AU", 10),
)
USER_AGENTS = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        34,
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", 10),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4.1 Safari/605.1.15",
        14,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36",
        22,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67",
        10,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        10,
    ),
)


class SandboxMismatch(ValueError):
    """The sandbox cannot be used with the site's settings."""


@dataclass(frozen=True)
class Profile:
    """The browser side of one demo subscriber, drawn from the seed."""

    timezone: str
    language: str
    user_agent: str
    visitor_id: str
    created_at: datetime


@dataclass
class SubscribersResult:
    subscribers: list[Subscriber]
    created: int
    updated: int
    removed: int
    sandbox_created: int
    sandbox_path: Path
    fresh_sandbox: bool


def draw_profiles(rng: random.Random, count: int, now: datetime) -> list[Profile]:
    """Time zone, language, browser and sign-up time of each subscriber, in order."""
    # Anchored to midnight so that a second run on the same day draws the same times.
    anchor = now.replace(hour=0, minute=0, second=0, microsecond=0)
    locales = [locale[:2] for locale in LOCALES]
    locale_weights = [locale[2] for locale in LOCALES]
    agents = [agent for agent, _ in USER_AGENTS]
    agent_weights = [weight for _, weight in USER_AGENTS]
    profiles = []
    for _ in range(count):
        tz, language = rng.choices(locales, locale_weights)[0]
        if rng.random() < 0.1:  # expats and browsers set to another language
            language = rng.choice(LOCALES)[1]
        profiles.append(
            Profile(
                timezone=tz,
                language=language,
                user_agent=rng.choices(agents, agent_weights)[0],
                visitor_id=f"{rng.getrandbits(128):032x}",
                created_at=anchor - timedelta(seconds=rng.randrange(HISTORY_DAYS * 24 * 3600)),
            )
        )
    return profiles


def sandbox_rows(base_url: str):
    """Subscriber rows whose endpoint is on the sandbox."""
    return Subscriber.objects.filter(endpoint__startswith=base_url.rstrip("/") + "/push/")


def open_sandbox(path: Path, base_url: str, public_key: str) -> tuple[SandboxState, bool]:
    """The sandbox state for ``public_key``; a fresh one if the file was made for another key
    or another URL (its subscriptions could never receive this site's pushes)."""
    key = normalize_public_key(public_key)
    try:
        state = SandboxState.load(path, base_url=base_url)
    except ValueError:
        state = None
    if state is not None and all(s.application_server_key == key for s in state.subscriptions()):
        return state, False
    if path.exists():
        path.unlink()
    return SandboxState.load(path, base_url=base_url), True


def check_endpoint_origin(base_url: str) -> None:
    if origin_of(base_url) not in pushseg_settings.ALLOWED_ENDPOINT_ORIGINS:
        raise SandboxMismatch(
            f"{origin_of(base_url)} is not in WAGTAIL_PUSHSEG['ALLOWED_ENDPOINT_ORIGINS'], "
            "so the site would refuse the sandbox's endpoints"
        )


def create_subscribers(
    rng: random.Random,
    count: int,
    *,
    sandbox_path: Path,
    sandbox_url: str = DEFAULT_SANDBOX_URL,
    site: Site | None = None,
    progress=lambda items, **kwargs: items,
) -> SubscribersResult:
    """Make ``count`` active demo subscribers backed by sandbox subscriptions.

    ``progress`` wraps the main loop (the command passes tqdm). Sandbox subscriber rows beyond
    ``count``, or for subscriptions the sandbox no longer knows, are deleted.
    """
    public_key = pushseg_settings.VAPID_PUBLIC_KEY
    if not public_key:
        raise SandboxMismatch("WAGTAIL_PUSHSEG['VAPID_PUBLIC_KEY'] is not set")
    check_endpoint_origin(sandbox_url)
    profiles = draw_profiles(rng, count, timezone.now())

    state, fresh = open_sandbox(sandbox_path, sandbox_url, public_key)
    known = [s.push_subscription() for s in state.subscriptions()]
    sandbox_created = max(0, count - len(known))
    known += [state.create_subscription(public_key) for _ in range(sandbox_created)]
    # Saved before the database is touched: a row must never point at a key the file lost.
    state.save()
    chosen = known[:count]

    created = updated = 0
    subscribers: list[Subscriber] = []
    with transaction.atomic():
        removed = _remove_others(sandbox_url, chosen)
        existing = {row.endpoint_hash: row for row in sandbox_rows(sandbox_url)}
        for sub, profile in progress(zip(chosen, profiles, strict=True), total=count):
            row = existing.get(endpoint_hash(sub["endpoint"]))
            if row is None:
                row, _ = subscribe(
                    parse_subscription(
                        {**sub, "timezone": profile.timezone, "language": profile.language}
                    ),
                    user_agent=profile.user_agent,
                    site=site,
                    visitor_id=profile.visitor_id,
                )
                row.last_seen_at = profile.created_at
                _apply_profile(row, profile, site)
                created += 1
            elif _apply_profile(row, profile, site):
                updated += 1
            subscribers.append(row)
    return SubscribersResult(
        subscribers=subscribers,
        created=created,
        updated=updated,
        removed=removed,
        sandbox_created=sandbox_created,
        sandbox_path=sandbox_path,
        fresh_sandbox=fresh,
    )


def _remove_others(sandbox_url: str, chosen: Iterable[dict]) -> int:
    keep = {endpoint_hash(sub["endpoint"]) for sub in chosen}
    _, per_model = sandbox_rows(sandbox_url).exclude(endpoint_hash__in=keep).delete()
    return per_model.get(Subscriber._meta.label, 0)


def _apply_profile(row: Subscriber, profile: Profile, site: Site | None) -> bool:
    """Make an existing row match its seeded profile, active again; True if it changed."""
    browser, platform = browser_and_platform(profile.user_agent)
    wanted = {
        "timezone": profile.timezone,
        "language": profile.language,
        "user_agent": profile.user_agent,
        "browser": browser,
        "platform": platform,
        "visitor_id": profile.visitor_id,
        "created_at": profile.created_at,
        "status": Subscriber.Status.ACTIVE,
        "expired_at": None,
        "unsubscribed_at": None,
    }
    if site is not None:
        wanted["site_id"] = site.pk
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, wanted[name])
    if changed:
        # last_seen_at rides along: a new row takes its sign-up time as "last seen".
        row.save(update_fields=[*changed, "last_seen_at"])
    return bool(changed)
