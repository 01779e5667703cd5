import base64
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from wagtail_pushseg.subscribers.keys import KeyRejected, check_auth, check_p256dh


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def point() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def test_valid_keys_pass_and_are_normalised():
    raw = point()
    padded = base64.urlsafe_b64encode(raw).decode()
    assert check_p256dh(padded) == b64(raw)
    assert check_auth(b64(b"a" * 16)) == b64(b"a" * 16)


@pytest.mark.parametrize(
    "raw, message",
    [
        (point()[:64], "65 bytes"),
        (point() + b"\x00", "65 bytes"),
        (b"\x03" + point()[1:], "start with 0x04"),
        (b"\x04" + b"\x01" * 64, "not a point on the P-256 curve"),
    ],
)
def test_bad_p256dh_is_refused(raw, message):
    with pytest.raises(KeyRejected, match=message):
        check_p256dh(b64(raw))


@pytest.mark.parametrize("size", [15, 17, 0])
def test_auth_must_be_16_bytes(size):
    with pytest.raises(KeyRejected):
        check_auth(b64(os.urandom(size)))


def test_non_base64_is_refused():
    with pytest.raises(KeyRejected, match="base64url"):
        check_p256dh("not base64 !!!")


def junk_inside(value: str, junk: str) -> str:
    return value[:10] + junk + value[10:]


@pytest.mark.parametrize("junk", ["%%", "!", " ", "\n", "+", "/", ".", "é", "=", "\x00"])
@pytest.mark.parametrize("check, raw", [(check_p256dh, point()), (check_auth, b"a" * 16)],
                         ids=["p256dh", "auth"])
def test_characters_outside_the_base64url_alphabet_are_refused(check, raw, junk):
    """base64 decoding skips them, so the key used to decode (and be stored) as if they were
    not there."""
    with pytest.raises(KeyRejected, match="base64url"):
        check(junk_inside(b64(raw), junk))


@pytest.mark.parametrize("check, raw", [(check_p256dh, point()), (check_auth, b"a" * 16)],
                         ids=["p256dh", "auth"])
def test_the_standard_alphabet_and_stray_bits_are_refused(check, raw):
    standard = base64.b64encode(raw).decode()
    if standard.rstrip("=") != b64(raw):  # the key has a + or / in the standard alphabet
        with pytest.raises(KeyRejected, match="base64url"):
            check(standard)
    # "Q" and "R" differ only in bits past the last byte: one key, two spellings.
    auth = b64(b"a" * 16)
    assert auth.endswith("Q")
    with pytest.raises(KeyRejected, match="bits"):
        check_auth(auth[:-1] + "R")


@pytest.mark.parametrize("spelling", ["YWFhYWFhYWFhYWFhYWFhYQ", "YWFhYWFhYWFhYWFhYWFhYQ=="])
def test_padding_is_optional_but_must_be_right(spelling):
    assert check_auth(spelling) == "YWFhYWFhYWFhYWFhYWFhYQ"


@pytest.mark.parametrize("spelling", ["YWFhYWFhYWFhYWFhYWFhYQ=", "YWFhYWFhYWFhYWFhYWFhYQ===",
                                      "=YWFhYWFhYWFhYWFhYWFhYQ"])
def test_wrong_padding_is_refused(spelling):
    with pytest.raises(KeyRejected, match="base64url"):
        check_auth(spelling)


def test_a_junk_key_is_refused_by_the_subscribe_endpoint(site_client, sandbox_subscription,
                                                         db):
    from wagtail_pushseg.models import Subscriber

    keys = sandbox_subscription["keys"]
    for name in ("p256dh", "auth"):
        body = {**sandbox_subscription, "keys": {**keys, name: junk_inside(keys[name], "%%")}}
        response = site_client.post("/pushseg/api/subscribe", body,
                                    content_type="application/json")
        assert response.status_code == 400, response.content
        assert f"keys.{name} is not valid base64url" in response.json()["error"]
    assert not Subscriber.objects.exists()
