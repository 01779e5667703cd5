"""Why a campaign's pushes did not go out, in words: its failed, expired and held-back
deliveries, and those cancelled because their subscriber left after planning, grouped by the
kind of reason the sender wrote, with a count each (one aggregate query; the reasons
themselves are the sender's technical strings)."""

import re
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..models import Campaign, Delivery
from .sending.claim import SUBSCRIBER_LEFT


@dataclass
class FailureGroup:
    """Deliveries that did not reach a device for one kind of reason."""

    kind: str
    explanation: str
    count: int = 0
    #: The sender's own reasons in this group, the most frequent first (for the curious).
    details: list[tuple[str, int]] = field(default_factory=list)


#: (kind, pattern on the reason, explanation), the first match wins.
KINDS = [
    ("not_a_push_service", re.compile(r"^endpoint (refused: )?(host .* is not a known browser "
                                      r"push service|.*not a known)"),
     _("The subscription's address is not a push service this site sends to (the browser "
       "was simulated or its push service is not allowed in ALLOWED_ENDPOINT_ORIGINS).")),
    ("endpoint_refused", re.compile(r"^endpoint"),
     _("The subscription's address was refused by the site's safety checks (private "
       "address, wrong port or malformed).")),
    ("refused_alone", re.compile(r"^refused alone"),
     _("The push service refused this subscription while it accepted others (HTTP 401 or "
       "403): the subscription no longer works and is no longer pushed to.")),
    ("redirect", re.compile(r"redirect"),
     _("The push service answered with a redirect, which is never followed.")),
    ("encryption", re.compile(r"encrypt"),
     _("The subscription's keys could not be used to encrypt the message.")),
    ("refused", re.compile(r"^HTTP 4\d\d"),
     _("The push service refused the message (it said why: see the details).")),
    ("unreachable", re.compile(r"^(timed out|connection failed|deferred|HTTP 5\d\d|HTTP 429)"),
     _("The push service could not be reached or was busy, and the retries ran out.")),
]
GONE = _("The subscription has ended: the reader unsubscribed or the browser dropped it. "
         "These subscribers are not pushed to again.")
CAPPED = _("Held back by the frequency cap or quiet hours, as the campaign's timing asked.")
LEFT = _("Not sent: the subscriber left after the campaign was planned (unsubscribed, "
         "expired, refused by their push service, retired or erased).")
OTHER = _("Another error (see the details).")


def _kind(status: str, reason: str) -> tuple[str, str]:
    if status == Delivery.Status.EXPIRED:
        return "gone", str(GONE)
    if status == Delivery.Status.CAPPED:
        return "capped", str(CAPPED)
    if status == Delivery.Status.CANCELLED:
        return "left", str(LEFT)
    for kind, pattern, explanation in KINDS:
        if pattern.search(reason):
            return kind, str(explanation)
    return "other", str(OTHER)


def failure_groups(campaign: Campaign) -> list[FailureGroup]:
    """The campaign's undelivered pushes by kind of reason, the largest group first."""
    # Cancelled rows count only when their subscriber left, not when an editor cancelled.
    undelivered = Q(status__in=[Delivery.Status.FAILED, Delivery.Status.EXPIRED,
                                Delivery.Status.CAPPED]) | Q(
        status=Delivery.Status.CANCELLED, reason__startswith=SUBSCRIBER_LEFT)
    rows = (Delivery.objects.filter(undelivered, campaign=campaign)
        .values_list("status", "reason").annotate(n=Count("pk")).order_by())
    groups: dict[str, FailureGroup] = {}
    for status, reason, n in rows:
        kind, explanation = _kind(status, reason or "")
        group = groups.setdefault(kind, FailureGroup(kind, explanation))
        group.count += n
        group.details.append((reason or "-", n))
    for group in groups.values():
        group.details.sort(key=lambda d: -d[1])
        del group.details[5:]
    return sorted(groups.values(), key=lambda g: -g.count)
