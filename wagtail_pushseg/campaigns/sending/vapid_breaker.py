"""The VAPID breaker's decision: is a refusal ours (pause the campaign) or one subscription's?

A push service answers 401/403 when it refuses the VAPID signature. That happens for two very
different reasons:

* **our side**: the keys or the signature are wrong, and the push service refuses every
  subscription, including ones that have received our pushes before;
* **one subscription**: it was made for another application server key (anyone can post such a
  subscription: a browser makes one for any site's key), so it is refused alone while the
  same signature is accepted for the others on its push service.

Only the first may pause a campaign; otherwise 20 hostile rows would pause every campaign for
everyone. The second ends, after a second refusal, as an invalid subscriber. Plain data in,
decisions out: no database here (``campaigns.sending.refusals`` gathers the facts and applies them).
"""

import enum
from dataclasses import dataclass


#: Answers that mean "we do not accept your VAPID signature / key".
AUTH_REFUSED = (401, 403)


@dataclass(frozen=True, slots=True)
class OriginAnswers:
    """What one push service (an origin) answered in one chunk."""

    #: 401/403 answers.
    refused: int = 0
    #: Accepted messages (2xx).
    accepted: int = 0
    #: Refused subscriptions that had received a push of ours before: a push service cannot
    #: refuse those for their own key, only for our signature.
    refused_known: int = 0


def is_systemic(answers: OriginAnswers, known_refusals_to_pause: int) -> bool:
    """Does this origin refuse *us*? Subscriptions that received before are refused, and
    either most of the origin's answers are refusals or many known subscriptions are (a key
    rotated while half the audience still holds the old one). Subscriptions that never
    received, however many, cannot trip it: anyone can make those."""
    if not answers.refused_known:
        return False
    return (answers.refused > answers.accepted
            or answers.refused_known >= known_refusals_to_pause)


class Fate(enum.StrEnum):
    """What becomes of one refused delivery."""

    #: Our signature is refused: back to pending untouched, and the campaign pauses.
    PAUSE = "pause"
    #: Refused alone while its push service accepts others: try once more later.
    RETRY = "retry"
    #: Refused alone again: the subscription was made for another key; the subscriber is
    #: marked invalid and the delivery fails.
    INVALID = "invalid"
    #: Not enough evidence either way (nothing accepted on its push service, nothing known
    #: refused): the delivery fails, the subscriber stays as it is.
    FAIL = "fail"


def fate(systemic: bool, origin_accepts_others: bool, refused_alone_before: int,
         refusals_to_invalidate: int) -> Fate:
    """The fate of one refused delivery.

    ``origin_accepts_others``: its push service accepted other messages in the same chunk
    (the same signature), so the signature is fine. ``refused_alone_before``: refusals of
    this delivery already seen under that condition (a retry remembers its first one).
    """
    if systemic:
        return Fate.PAUSE
    if refused_alone_before:
        # Already refused alone once; this refusal is the same subscription again, whatever
        # the rest of this chunk (a chunk of retries may hold nothing else on its origin).
        counted = refused_alone_before + 1
    elif origin_accepts_others:
        counted = 1
    else:
        return Fate.FAIL
    return Fate.INVALID if counted >= refusals_to_invalidate else Fate.RETRY
