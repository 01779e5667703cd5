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
