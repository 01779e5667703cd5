"""The sandbox's fault mix: statuses, held requests ("timeout") and TCP resets, by weight."""

from collections import Counter

import pytest
import requests

from wagtail_pushseg.delivery.vapid import generate_keys
from wagtail_pushseg.testing import Behaviour, PushSandbox


def test_a_mix_spreads_failures_by_weight_and_is_reproducible():
    mix = {"500": 1, "429": 1, "timeout": 1, "reset": 1}
    behaviour = Behaviour(fail_rate=0.5, fail_mix=mix, seed=3)
    faults = Counter(behaviour.injected_fault() for _ in range(4000))
    assert set(faults) == {None, 500, 429, "timeout", "reset"}
    assert 1800 < faults[None] < 2200  # half of the requests go through
    for kind in (500, 429, "timeout", "reset"):
        assert 350 < faults[kind] < 650  # the other half split four ways
    again, other = Behaviour(fail_rate=0.5, fail_mix=mix, seed=3), Behaviour(
        fail_rate=0.5, fail_mix=mix, seed=3)
    assert [again.injected_fault() for _ in range(50)] == [other.injected_fault()
                                                          for _ in range(50)]
    # Connection faults are not statuses for callers that only know statuses.
    assert Behaviour(fail_rate=1, fail_mix={"reset": 1}).injected_status() is None


@pytest.mark.parametrize("mix", [{"teapot": 1}, {"700": 1}, {"500": -1}, {"500": 0}])
def test_a_bad_mix_is_refused(mix):
    with pytest.raises(ValueError):
        Behaviour(fail_rate=0.2, fail_mix=mix)


def test_the_mix_round_trips_through_the_control_endpoint():
    with PushSandbox() as sb:
        body = {"fail_rate": 0.2, "fail_mix": {"500": 2, "reset": 1}, "hang_ms": 250}
        answer = requests.post(f"{sb.base_url}/control", json=body, timeout=5).json()
        assert answer["fail_mix"] == {"500": 2.0, "reset": 1.0} and answer["hang_ms"] == 250
        bad = requests.post(f"{sb.base_url}/control", json={"fail_mix": "oops"}, timeout=5)
        assert bad.status_code == 400


def test_timeout_holds_the_request_and_reset_drops_the_connection():
    with PushSandbox() as sb:
        sub = sb.subscribe(generate_keys()[1])
        sb.set_behaviour(sub["endpoint"], fail_rate=1.0, fail_mix={"timeout": 1}, hang_ms=3000)
        with pytest.raises(requests.Timeout):
            requests.post(sub["endpoint"], data=b"", headers={"TTL": "60"}, timeout=0.5)
        sb.set_behaviour(sub["endpoint"], fail_rate=1.0, fail_mix={"reset": 1})
        with pytest.raises(requests.ConnectionError):
            requests.post(sub["endpoint"], data=b"", headers={"TTL": "60"}, timeout=5)
        assert sb.messages(sub["endpoint"]) == []
        assert [r.reason for r in sb.rejections] == ["injected timeout", "injected reset"]


def test_accept_status_is_200_201_or_202():
    from wagtail_pushseg.testing.faults import Behaviour

    assert Behaviour.from_json({"accept_status": 202}).to_json()["accept_status"] == 202
    assert Behaviour().accept_status == 201
    with pytest.raises(ValueError, match="accept_status"):
        Behaviour(accept_status=204)
