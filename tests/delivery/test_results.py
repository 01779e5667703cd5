import pytest

from wagtail_pushseg.delivery.payload import MAX_PLAINTEXT_BYTES, PayloadTooLarge, encode_payload
from wagtail_pushseg.delivery.results import Outcome, classify, parse_retry_after


@pytest.mark.parametrize(
    "status, outcome",
    [(201, Outcome.SENT), (404, Outcome.GONE), (410, Outcome.GONE), (429, Outcome.RETRY),
     (500, Outcome.RETRY), (503, Outcome.RETRY), (400, Outcome.FAILED), (403, Outcome.FAILED),
     (413, Outcome.FAILED)],
)
def test_status_codes_are_classified(status, outcome):
    assert classify(status).outcome is outcome


def test_retry_after_as_seconds_and_as_http_date():
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None


def test_payload_limit_names_the_excess():
    encode_payload({"title": "x" * (MAX_PLAINTEXT_BYTES - 20)})
    with pytest.raises(PayloadTooLarge) as info:
        encode_payload({"title": "x" * MAX_PLAINTEXT_BYTES})
    assert info.value.excess == len('{"title":""}')
