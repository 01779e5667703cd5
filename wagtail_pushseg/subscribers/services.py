"""Subscribe, unsubscribe and erase: the only ways a Subscriber row is made or ended."""

import hmac
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..delivery.endpoint_policy import EndpointRejected, canonical_endpoint, check_endpoint
from ..models import Subscriber, endpoint_hash
from ..validation import LANGUAGE_TAG, InvalidInput
from .keys import check_auth, check_p256dh
from .user_agent import browser_and_platform


@dataclass(frozen=True)
class CleanSubscription:
    endpoint: str
    p256dh: str
    auth: str
    timezone: str = ""
    language: str = ""


def _clean_timezone(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput("timezone", "timezone must be an IANA time zone name")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", f"unknown time zone {value!r}") from None
    return value


def _clean_language(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not LANGUAGE_TAG.match(value):
        raise InvalidInput("language", "language must be a BCP 47 tag such as 'en-GB'")
    return value


def parse_subscription(data: Any) -> CleanSubscription:
    """Validate a browser's PushSubscription JSON (plus optional timezone and language)."""
    if not isinstance(data, dict):
        raise InvalidInput("body", "expected a JSON object")
    try:
        endpoint = check_endpoint(data.get("endpoint"))
    except ValueError as exc:
        raise InvalidInput("endpoint", str(exc)) from None
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidInput("keys", "keys must be an object with p256dh and auth")
    try:
        p256dh = check_p256dh(keys.get("p256dh"))
        auth = check_auth(keys.get("auth"))
    except ValueError as exc:
        raise InvalidInput("keys", str(exc)) from None
    return CleanSubscription(
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        timezone=_clean_timezone(data.get("timezone")),
        language=_clean_language(data.get("language")),
    )


def subscribe(
    clean: CleanSubscription,
    *,
    visitor_id: str | None = None,
    user=None,
    site=None,
    user_agent: str = "",
) -> tuple[Subscriber, bool]:
    """Create or refresh the subscriber for an endpoint (idempotent by endpoint)."""
    browser, platform = browser_and_platform(user_agent)
    values = {
        "endpoint": clean.endpoint,
        "p256dh": clean.p256dh,
        "auth": clean.auth,
        "status": Subscriber.Status.ACTIVE,
        "status_reason": "",
        "expired_at": None,
        "unsubscribed_at": None,
        "retired_at": None,
        "last_seen_at": timezone.now(),
        "browser": browser,
        "platform": platform,
        "user_agent": user_agent[:400],
    }
    if clean.timezone:
        values["timezone"] = clean.timezone
    if clean.language:
        values["language"] = clean.language
    if user is not None and getattr(user, "is_authenticated", False):
        values["user"] = user
    if site is not None:
        values["site"] = site
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .filter(endpoint_hash=endpoint_hash(clean.endpoint))
            .first()
        )
        created = subscriber is None
        if created:
            subscriber = Subscriber(**values)
            if visitor_id:
                subscriber.visitor_id = visitor_id
        else:
            for name, value in values.items():
                setattr(subscriber, name, value)
        subscriber.save()
    return subscriber, created


def find_by_endpoint_and_auth(endpoint: Any, auth: Any) -> Subscriber | None:
    """The subscriber whose endpoint and auth secret both match (the secret proves ownership)."""
    if not isinstance(endpoint, str) or not isinstance(auth, str) or not endpoint or not auth:
        return None
    try:
        endpoint = canonical_endpoint(endpoint)  # stored canonically, so looked up so
    except EndpointRejected:
        return None
    subscriber = Subscriber.objects.filter(endpoint_hash=endpoint_hash(endpoint)).first()
    if subscriber is None:
        return None
    try:
        given = check_auth(auth)
    except ValueError:
        return None
    return subscriber if hmac.compare_digest(given, subscriber.auth) else None


def unsubscribe(subscriber: Subscriber) -> None:
    """Stop pushing and tracking at once; the row stays until erased."""
    subscriber.status = Subscriber.Status.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at"])


def forget_audit_entries(subscriber: Subscriber) -> None:
    """Remove audit-log entries about the subscriber (test pushes): they are not linked by a
    foreign key, so no cascade reaches them."""
    forget_audit_entries_of([subscriber.pk])


def forget_audit_entries_of(pks: list[int]) -> None:
    """:func:`forget_audit_entries` for many subscribers at once (the purge)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Subscriber),
        object_id__in=[str(pk) for pk in pks],
    ).delete()


def erase(subscriber: Subscriber) -> None:
    """Remove the subscriber and everything recorded about them (events, profile and
    affinities go by cascade; their deliveries stay in the ledger without them)."""
    from ..models import Delivery

    with transaction.atomic():
        forget_audit_entries(subscriber)
        # Their rows stay in the ledger without them; none that waits may still go out.
        Delivery.objects.filter(
            subscriber=subscriber, status__in=[Delivery.Status.PENDING, Delivery.Status.RETRY]
        ).update(status=Delivery.Status.CANCELLED, next_attempt_at=None,
                 reason="subscriber erased", attempted_at=timezone.now())
        subscriber.delete()
