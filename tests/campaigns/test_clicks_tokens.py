"""The delivery token: compact, signed like Django's Signer with its own salt, and refused
when anything about it is off."""

import pytest
from django.core import signing

from wagtail_pushseg.campaigns.tokens import (
    MAX_TOKEN_LENGTH,
    SALT,
    BadToken,
    TokenMaker,
    make_token,
    read_token,
)


def test_the_fast_maker_signs_exactly_as_djangos_signer():
    signer = signing.Signer(salt=SALT, algorithm="sha256")
    maker = TokenMaker()
    for campaign, delivery in ((1, 1), (7, 123456), (2**40, 2**62), (0, 0)):
        token = maker.token(campaign, delivery)
        assert signer.unsign(token) == token.rsplit(":", 1)[0]
        assert read_token(token).delivery_id == delivery
        assert read_token(token).campaign_id == campaign


def test_tokens_are_compact_and_url_safe():
    token = make_token(2**63 - 1, 2**63 - 1)
    assert len(token) == MAX_TOKEN_LENGTH
    assert set(token) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             ".:-_")
    assert len(make_token(12, 34567)) < 55


def test_a_new_secret_key_invalidates_old_tokens(settings):
    token = make_token(1, 2)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    with pytest.raises(BadToken):
        read_token(token)


@pytest.mark.parametrize("bad", [
    "", ":", "1.2", "1.2:", "1:abc", "!!.2:" + "a" * 43, "1.2.3:" + "a" * 43, None, 12,
    "a" * (MAX_TOKEN_LENGTH + 1),
])
def test_malformed_tokens_are_refused(bad):
    with pytest.raises(BadToken):
        read_token(bad)


def test_the_signature_covers_both_ids():
    token = make_token(3, 4)
    _value, signature = token.rsplit(":", 1)
    for forged in ("3.5", "4.4", "3.4x"):
        with pytest.raises(BadToken):
            read_token(f"{forged}:{signature}")


@pytest.mark.django_db
def test_the_size_check_counts_the_links_with_the_longest_token():
    from wagtail_pushseg.campaigns.payloads import (
        PROBE_ID,
        encoded_payload,
        payload_excess,
        payload_template,
    )
    from wagtail_pushseg.campaigns.tokens import splice
    from wagtail_pushseg.delivery.payload import MAX_PLAINTEXT_BYTES
    from wagtail_pushseg.models import Campaign

    campaign = Campaign(pk=PROBE_ID, title="Sale", body="", url="/shop/")
    room = MAX_PLAINTEXT_BYTES - len(encoded_payload(campaign))
    campaign.body = "x" * (room - 10)  # fits without the links...
    assert len(encoded_payload(campaign)) <= MAX_PLAINTEXT_BYTES
    assert payload_excess(campaign) > 0  # ...but not with them
    campaign.body = "x" * 200
    parts = payload_template(campaign)
    longest = splice(parts, make_token(2**63 - 1, 2**63 - 1))
    assert payload_excess(campaign) == 0 and len(longest) <= MAX_PLAINTEXT_BYTES
