"""Settle a chunk's 401/403 answers: pause for our VAPID problem, or deal with the few
subscriptions refused on their own (``vapid_breaker`` decides; this gathers and applies).

Two queries when a chunk has refusals (which refused subscribers received before, which
refused deliveries were refused alone before), none otherwise.
"""

from collections import Counter

from django.db.models import Q
from django.utils import timezone

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.delivery.results import Outcome, PushResult
from wagtail_pushseg.models import Delivery, Profile, Subscriber

from .vapid_breaker import AUTH_REFUSED, Fate, OriginAnswers, fate, is_systemic


#: The start of the reason a refused-alone delivery waits with (a retry) and keeps after.
REFUSED_ALONE = "refused alone by its push service"


def origin_of(endpoint: str) -> str:
    """``scheme://host[:port]`` of a push endpoint."""
    return "/".join(endpoint.split("/", 3)[:3]).lower()


def settle_refusals(rows: list[tuple], outcomes: dict[Outcome, list]) -> list[tuple]:
    """Decide each refused delivery of a chunk and rewrite ``outcomes`` to match.

    ``rows`` are the chunk's ``(pk, target, subscriber, endpoint, ...)`` rows and ``outcomes``
    its ``(pk, subscriber, attempts, push)`` results by outcome. Refusals of a systemic origin
    go back to pending and are returned (the caller pauses the campaign); refusals alone
    become retries, or failures with their subscriber marked invalid once repeated.
    """
    failed = outcomes.get(Outcome.FAILED, [])
    refused = [row for row in failed if row[3].status in AUTH_REFUSED]
    if not refused:
        return []
    endpoints = {row[0]: row[3] for row in rows}
    known = set(Profile.objects.filter(
        Q(pushes_received__gt=0) | Q(last_push_at__isnull=False),
        subscriber_id__in=[row[1] for row in refused],
    ).values_list("subscriber_id", flat=True))
    refused_before = set(Delivery.objects.filter(
        pk__in=[row[0] for row in refused], attempts__gt=0, status_code__in=AUTH_REFUSED,
        reason__startswith=REFUSED_ALONE,
    ).values_list("pk", flat=True))

    accepted = Counter(origin_of(endpoints[row[0]]) for row in outcomes.get(Outcome.SENT, []))
    refusals, refused_known = Counter(), Counter()
    for pk, subscriber_id, _attempts, _push in refused:
        origin = origin_of(endpoints[pk])
        refusals[origin] += 1
        refused_known[origin] += subscriber_id in known
    systemic = {
        origin for origin in refusals
        if is_systemic(OriginAnswers(refusals[origin], accepted[origin], refused_known[origin]),
                       pushseg_settings.VAPID_BREAKER_FAILURES)
    }

    fates: dict[Fate, list[tuple]] = {kind: [] for kind in Fate}
    for row in refused:
        origin = origin_of(endpoints[row[0]])
        fates[fate(origin in systemic, accepted[origin] > 0, int(row[0] in refused_before),
                   pushseg_settings.VAPID_REFUSALS_TO_INVALIDATE)].append(row)

    moved = {row[0] for kind in (Fate.PAUSE, Fate.RETRY) for row in fates[kind]}
    invalid = {row[0] for row in fates[Fate.INVALID]}
    outcomes[Outcome.FAILED] = [
        (pk, sub, attempts, _invalid_result(push) if pk in invalid else push)
        for pk, sub, attempts, push in failed if pk not in moved
    ]
    outcomes[Outcome.RETRY] = outcomes.get(Outcome.RETRY, []) + [
        (pk, sub, attempts, PushResult(Outcome.RETRY, push.status,
                                       reason=f"{REFUSED_ALONE}, trying again: {push.reason}"))
        for pk, sub, attempts, push in fates[Fate.RETRY]
    ]
    if fates[Fate.PAUSE]:
        # Our signature is refused: not the subscribers' problem, so nothing is spent.
        Delivery.objects.filter(pk__in=[row[0] for row in fates[Fate.PAUSE]]).update(
            status=Delivery.Status.PENDING, lease_until=None
        )
    by_reason: dict[str, list[int]] = {}
    for _pk, subscriber_id, _attempts, push in fates[Fate.INVALID]:
        by_reason.setdefault(_invalid_reason(push), []).append(subscriber_id)
    for reason, subscriber_ids in by_reason.items():  # one UPDATE per distinct answer
        Subscriber.objects.filter(pk__in=subscriber_ids, status=Subscriber.Status.ACTIVE).update(
            # ``expired_at``: when it stopped being reachable (the purge counts from there).
            status=Subscriber.Status.INVALID, status_reason=reason, expired_at=timezone.now())
    return fates[Fate.PAUSE]


def _invalid_reason(push: PushResult) -> str:
    return (f"{REFUSED_ALONE} again while it accepted others (a subscription made for another "
            f"application server key?): {push.reason or push.status}")[:300]


def _invalid_result(push: PushResult) -> PushResult:
    return PushResult(Outcome.FAILED, push.status, reason=_invalid_reason(push))
