"""The VAPID breaker's decision alone (plain data in, decision out); the sandbox runs it for real
in test_vapid_refusals.py."""

import pytest

from wagtail_pushseg.campaigns.sending.vapid_breaker import Fate, OriginAnswers, fate, is_systemic


@pytest.mark.parametrize("answers", [
    OriginAnswers(refused=50, accepted=950),  # hostile rows among real ones
    OriginAnswers(refused=1000, accepted=0),  # a chunk of nothing but hostile rows
    OriginAnswers(refused=20, accepted=0),  # what paused every campaign before
])
def test_subscriptions_that_never_received_cannot_trip_it_however_many(answers):
    assert not is_systemic(answers, known_refusals_to_pause=20)


@pytest.mark.parametrize("answers", [
    OriginAnswers(refused=5, accepted=0, refused_known=5),  # our key is wrong
    OriginAnswers(refused=600, accepted=400, refused_known=3),  # most refused, known ones too
    OriginAnswers(refused=20, accepted=980, refused_known=20),  # a rotated key: old half refused
])
def test_known_subscriptions_refused_with_the_origin_mostly_refusing_or_many_trip_it(answers):
    assert is_systemic(answers, known_refusals_to_pause=20)


def test_a_known_subscription_refused_alone_among_acceptances_is_not_systemic():
    assert not is_systemic(OriginAnswers(refused=1, accepted=999, refused_known=1), 20)


def test_systemic_refusals_pause_whatever_else():
    assert fate(True, origin_accepts_others=True, refused_alone_before=1,
                refusals_to_invalidate=2) is Fate.PAUSE


def test_refused_alone_is_retried_then_invalid():
    assert fate(False, True, 0, 2) is Fate.RETRY
    assert fate(False, True, 1, 2) is Fate.INVALID
    # The retry's chunk may hold nothing else on its push service: the first refusal counts.
    assert fate(False, False, 1, 2) is Fate.INVALID
    assert fate(False, True, 0, 1) is Fate.INVALID


def test_without_evidence_either_way_the_delivery_fails_and_the_subscriber_stays():
    assert fate(False, origin_accepts_others=False, refused_alone_before=0,
                refusals_to_invalidate=2) is Fate.FAIL
