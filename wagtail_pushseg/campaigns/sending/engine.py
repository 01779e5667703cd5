"""The sending engine: claim a chunk of deliveries, send it, write the results in bulk.

Workers never trust the queue for state: a chunk is claimed by flipping pending rows to
``sending`` with a lease in one statement (``claim.py``), and results are written per outcome
in a few statements. A task that runs twice finds nothing left to claim.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ...conf import pushseg_settings
from ...delivery.async_sender import DEFERRED, OutgoingPush, send_many_sync
from ...delivery.payload import PayloadTooLarge
from ...delivery.results import Outcome, PushResult, pks_by_status
from ...delivery.vapid import configured_signer
from ...models import Campaign, CampaignTarget, Delivery, Profile, Subscriber
from ..payloads import payload_template, topic_for
from ..tokens import TokenMaker, splice
from ..variants import variants_by_target
from . import rate_budget
from .claim import SUBSCRIBER_LEFT, claim_chunk, due_work
from .controls import hold_back
from .refusals import settle_refusals


@dataclass
class ChunkResult:
    claimed: int = 0
    sent: int = 0
    expired: int = 0
    retry: int = 0
    failed: int = 0
    #: Held back by the delivery controls: quiet hours (still pending), frequency cap.
    deferred: int = 0
    capped: int = 0
    #: Not sent because their subscriber left (unsubscribed, expired, erased...) after planning.
    cancelled: int = 0
    #: Nothing claimed because the global send rate was spent, though work is due.
    throttled: bool = False


def _payloads(campaign: Campaign) -> dict[tuple[int | None, int], tuple[bytes, ...]]:
    """Payload templates per (target id, variant), built once per chunk; each delivery's token
    is spliced in as bytes (``campaigns.tokens.splice``), with no JSON or ORM per message."""
    templates: dict[tuple[int | None, int], tuple[bytes, ...]] = {
        (None, 0): payload_template(campaign)}
    variants = variants_by_target(campaign)
    for target in CampaignTarget.objects.filter(campaign=campaign):
        templates[target.pk, 0] = payload_template(campaign, target)
        for number, variant in enumerate(variants.get(target.pk, ()), start=1):
            templates[target.pk, number] = payload_template(campaign, target, variant)
    return templates


def send_chunk(campaign_id: int, limit: int | None = None) -> ChunkResult:
    """Claim and send one chunk of a campaign's deliveries."""
    limit = limit or pushseg_settings.DELIVERY_CHUNK_SIZE
    campaign = Campaign.objects.select_related("page").get(pk=campaign_id)
    # Delivery controls: claim only what the global rate allows, then hold back quiet hours
    # and capped subscribers; the sender below sees only what goes out now.
    budget = rate_budget.take_waiting(limit)
    if not budget.granted:
        return ChunkResult(throttled=due_work(campaign_id))
    with transaction.atomic():
        # Claimed and held back in one commit: other chunks see a row as ``sending`` only once
        # it has passed the controls, which is what keeps the cap exact across them.
        claimed = claim_chunk(campaign_id, budget.granted)
        ids = claimed.ids
        held = hold_back(campaign, ids)
    result = ChunkResult(claimed=len(ids), cancelled=claimed.cancelled)
    ids, result.deferred, result.capped = held.send, held.deferred, held.capped
    rate_budget.give_back(budget, budget.granted - len(ids))
    if not ids:
        return result
    rows = list(
        Delivery.objects.filter(pk__in=ids).values_list(
            "pk", "target_id", "subscriber_id", "subscriber__endpoint", "subscriber__p256dh",
            "subscriber__auth", "attempts", "variant",
        )
    )
    # Erased since the claim (erase cancels only rows not yet leased): nobody to send to.
    erased = [row[0] for row in rows if row[2] is None]
    if erased:
        result.cancelled += Delivery.objects.filter(
            pk__in=erased, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.CANCELLED, lease_until=None,
            reason=f"{SUBSCRIBER_LEFT}erased", attempted_at=timezone.now())
        rows = [row for row in rows if row[2] is not None]
        if not rows:
            return result
    try:
        payloads = _payloads(campaign)
    except PayloadTooLarge as exc:
        _write(campaign, {Outcome.FAILED: [(r[0], r[2], r[6], PushResult(Outcome.FAILED,
               reason=str(exc))) for r in rows]}, result)
        return result
    signer, topic = configured_signer(), topic_for(campaign)
    tokens = TokenMaker()
    # The whole chunk in one concurrent batch; results come back in the rows' order.
    pushes = send_many_sync(
        [OutgoingPush(endpoint, p256dh, auth, splice(
            payloads.get((target_id, variant)) or payloads.get((target_id, 0))
            or payloads[None, 0], tokens.token(campaign_id, pk)))
         for pk, target_id, _sub, endpoint, p256dh, auth, _attempts, variant in rows],
        signer=signer, ttl=campaign.ttl, urgency=campaign.urgency, topic=topic,
        timeout=pushseg_settings.PUSH_TIMEOUT,
        max_response_bytes=pushseg_settings.MAX_RESPONSE_BYTES,
        concurrency=pushseg_settings.SEND_CONCURRENCY,
        per_host=pushseg_settings.SEND_CONCURRENCY_PER_HOST,
    )
    outcomes: dict[Outcome, list] = defaultdict(list)
    for (pk, _target, subscriber_id, _e, _p, _a, attempts, *_), push in zip(rows, pushes,
                                                                         strict=True):
        outcomes[push.outcome].append((pk, subscriber_id, attempts, push))
    # 401/403: push services refusing our signature is our problem (those go back to pending
    # and the campaign stops until someone fixes VAPID); one subscription refused alone is
    # its own (retried, then invalid).
    refused = settle_refusals(rows, outcomes)
    if refused:
        _pause_for_vapid(campaign, refused[0][3])
    _write(campaign, outcomes, result)
    return result


def _pause_for_vapid(campaign: Campaign, example: PushResult) -> None:
    from wagtail.log_actions import log

    reason = (
        f"Paused: push services refused our VAPID signature ({example.reason or example.status})."
        " Check VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT, then resume the campaign."
    )[:300]
    paused = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
        status=Campaign.Status.PAUSED, status_reason=reason
    )
    if paused:
        log(campaign, "wagtail_pushseg.pause_campaign", data={"reason": reason})


def _retry_at(now: datetime, attempts: int, push: PushResult) -> datetime:
    if push.retry_after is not None:
        return now + timedelta(seconds=push.retry_after)
    # Exponential backoff with ±20 % jitter, so retries of one chunk do not arrive together.
    wait = min(pushseg_settings.DELIVERY_RETRY_MAX_SECONDS,
               pushseg_settings.DELIVERY_RETRY_BASE_SECONDS * 2**attempts)
    return now + timedelta(seconds=wait * random.uniform(0.8, 1.2))


def _write(campaign: Campaign, outcomes: dict[Outcome, list], result: ChunkResult) -> None:
    now = timezone.now()
    max_attempts = pushseg_settings.DELIVERY_MAX_ATTEMPTS
    with transaction.atomic():
        sent = outcomes.get(Outcome.SENT, [])
        for code, pks in pks_by_status(sent).items():
            Delivery.objects.filter(pk__in=pks).update(
                status=Delivery.Status.SENT, sent_at=now, status_code=code, lease_until=None,
                attempts=F("attempts") + 1, attempted_at=now,
            )
        if sent:
            _count_received([r[1] for r in sent], now)
            result.sent += len(sent)
        gone = outcomes.get(Outcome.GONE, [])
        for code, pks in pks_by_status(gone).items():
            Delivery.objects.filter(pk__in=pks).update(
                status=Delivery.Status.EXPIRED, lease_until=None, attempts=F("attempts") + 1,
                status_code=code, reason="subscription gone", attempted_at=now,
            )
        if gone:
            Subscriber.objects.filter(pk__in=[r[1] for r in gone]).update(
                status=Subscriber.Status.EXPIRED, expired_at=now
            )
            result.expired += len(gone)
        # Retries and failures carry a value per row: one bulk UPDATE for all of them, not one
        # statement per delivery.
        changed = []
        for pk, _sub, attempts, push in outcomes.get(Outcome.RETRY, []):
            # A message held back because its push service throttled us was never tried.
            tried = attempts if push.reason.startswith(DEFERRED) else attempts + 1
            final = tried >= max_attempts
            changed.append(Delivery(
                pk=pk, status=Delivery.Status.FAILED if final else Delivery.Status.RETRY,
                next_attempt_at=None if final else _retry_at(now, attempts, push),
                lease_until=None, attempts=tried, status_code=push.status,
                reason=push.reason[:300], attempted_at=now,
            ))
            result.failed += final
            result.retry += not final
        for pk, _sub, attempts, push in outcomes.get(Outcome.FAILED, []):
            changed.append(Delivery(
                pk=pk, status=Delivery.Status.FAILED, next_attempt_at=None, lease_until=None,
                attempts=attempts + 1, status_code=push.status, reason=push.reason[:300],
                attempted_at=now,
            ))
            result.failed += 1
        if changed:
            Delivery.objects.bulk_update(
                changed,
                ["status", "next_attempt_at", "lease_until", "attempts", "status_code", "reason",
                 "attempted_at"],
                batch_size=500,
            )


def _count_received(subscriber_ids: list[int], now: datetime) -> None:
    """Sent pushes count in the profiles: received, and ignored until a click says otherwise.

    A subscriber erased while their push was in flight gets nothing: their rows are locked
    first (an erase waits for this commit, or has already removed them), so no profile is
    made for someone who is gone.
    """
    # In pk order, so two chunks sharing subscribers never lock them in opposite orders.
    subscriber_ids = list(Subscriber.objects.select_for_update(no_key=True).filter(
        pk__in=subscriber_ids).order_by("pk").values_list("pk", flat=True))
    Profile.objects.bulk_create(
        [Profile(subscriber_id=pk) for pk in subscriber_ids], ignore_conflicts=True
    )
    Profile.objects.filter(subscriber_id__in=subscriber_ids).update(
        pushes_received=F("pushes_received") + 1,
        pushes_ignored_since_click=F("pushes_ignored_since_click") + 1,
        last_push_at=now,
    )
