"""Receipts of a push: shown and dismissed (from the service worker) and clicked (the link).

Each is a conditional UPDATE of the delivery (``... WHERE clicked_at IS NULL``), so however
often a receipt arrives only the first one counts; the profile and the event log change only
when that UPDATE changed a row. A click also counts as shown when no "shown" came first (the
service worker's receipt may be lost, or arrive after the click).
"""

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..campaigns.tokens import DeliveryRef
from ..models import Delivery, Event, Profile


#: Receipt names the service worker sends, and the delivery column each one sets.
RECEIPTS = {"shown": "shown_at", "dismissed": "dismissed_at"}

_EVENT_KINDS = {"shown": Event.Kind.SHOWN, "dismissed": Event.Kind.DISMISSED,
                "clicked": Event.Kind.CLICKED}


def _delivery(ref: DeliveryRef):
    # A delivery whose subscriber was erased or purged stays in the ledger, but nobody is
    # tracked through it any more: its receipts are ignored as if it were gone.
    return Delivery.objects.filter(pk=ref.delivery_id, campaign_id=ref.campaign_id,
                                   subscriber__isnull=False)


def _first(ref: DeliveryRef, column: str, now: datetime) -> bool:
    """Set ``column`` (and ``shown_at`` if still empty) unless it is set already."""
    changes: dict[str, Any] = {column: now}
    if column != "shown_at":
        changes["shown_at"] = Coalesce(F("shown_at"), Value(now),
                                       output_field=models.DateTimeField())
    return bool(_delivery(ref).filter(**{f"{column}__isnull": True}).update(**changes))


def _log(ref: DeliveryRef, what: str, now: datetime) -> int:
    subscriber_id, page_id, variant = _delivery(ref).values_list(
        "subscriber_id", "campaign__page_id", "variant").get()
    Event.objects.create(
        subscriber_id=subscriber_id, kind=_EVENT_KINDS[what], page_id=page_id, occurred_at=now,
        properties={"campaign": ref.campaign_id, "delivery": ref.delivery_id,
                    "variant": variant},
    )
    return subscriber_id


def record_click(ref: DeliveryRef, now: datetime | None = None) -> bool | None:
    """Record a click once; True when this was the first, False when already recorded, None
    when the delivery does not exist (any more)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _first(ref, "clicked_at", now):
            return False if _delivery(ref).exists() else None
        subscriber_id = _log(ref, "clicked", now)
        Profile.objects.bulk_create([Profile(subscriber_id=subscriber_id)],
                                    ignore_conflicts=True)
        Profile.objects.filter(subscriber_id=subscriber_id).update(
            pushes_clicked=F("pushes_clicked") + 1, last_click_at=now,
            pushes_ignored_since_click=0,
        )
    return True


def record_receipt(ref: DeliveryRef, what: str, now: datetime | None = None) -> bool | None:
    """Record "shown" or "dismissed" once; results as for :func:`record_click`."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _first(ref, RECEIPTS[what], now):
            return False if _delivery(ref).exists() else None
        _log(ref, what, now)
    return True
