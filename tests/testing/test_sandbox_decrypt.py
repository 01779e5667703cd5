"""The sandbox's browser-side decrypter (``testing.keys.decrypt_aes128gcm``): the RFC 8291
vector, and the same answer as http_ece (the reference decrypter pywebpush is built on) for
bodies made by http_ece itself, whole or tampered with, in one record or several."""

import secrets

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rfc8291 import AUTH, BODY, PLAINTEXT, UA_PRIVATE
from wagtail_pushseg.testing.keys import (
    DecryptionError,
    b64url_decode,
    decrypt_aes128gcm,
    private_from_b64,
    public_raw,
)


BROWSER = ec.generate_private_key(ec.SECP256R1())
AUTH_SECRET = secrets.token_bytes(16)


def http_ece_body(plaintext: bytes, record_size: int) -> bytes:
    """A body made by http_ece, as an application server using pywebpush sends it."""
    return http_ece.encrypt(
        plaintext, private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=public_raw(BROWSER.public_key()), auth_secret=AUTH_SECRET, rs=record_size,
        version="aes128gcm",
    )


def reference(body: bytes) -> bytes | None:
    """http_ece's answer: the plaintext, or None where it refuses the body."""
    try:
        return http_ece.decrypt(body, private_key=BROWSER, auth_secret=AUTH_SECRET,
                                version="aes128gcm")
    except Exception:
        return None


def ours(body: bytes) -> bytes | None:
    try:
        return decrypt_aes128gcm(body, BROWSER, AUTH_SECRET)
    except DecryptionError:
        return None


def test_rfc_8291_appendix_a_vector():
    browser = private_from_b64(UA_PRIVATE)
    body, auth = b64url_decode(BODY), b64url_decode(AUTH)
    assert decrypt_aes128gcm(body, browser, auth) == PLAINTEXT
    # With the subscription's public point passed in, as the sandbox does.
    raw = public_raw(browser.public_key())
    assert decrypt_aes128gcm(body, browser, auth, raw) == PLAINTEXT
    with pytest.raises(DecryptionError):  # another point: another key, so the tag fails
        decrypt_aes128gcm(body, browser, auth, public_raw(BROWSER.public_key()))


@settings(max_examples=60, deadline=None)
@given(plaintext=st.binary(max_size=600), record_size=st.integers(18, 700))
def test_same_plaintext_as_http_ece_in_one_record_or_several(plaintext, record_size):
    body = http_ece_body(plaintext, record_size)
    assert ours(body) == reference(body) == plaintext


@settings(max_examples=120, deadline=None)
@given(plaintext=st.binary(min_size=1, max_size=200), record_size=st.sampled_from([18, 40, 4096]),
       position=st.integers(0, 10_000), flip=st.integers(1, 255))
def test_refuses_a_tampered_body_wherever_http_ece_does(plaintext, record_size, position, flip):
    body = bytearray(http_ece_body(plaintext, record_size))
    body[position % len(body)] ^= flip
    answer = reference(bytes(body))
    assert ours(bytes(body)) == answer
    if position % len(body) >= 21 + 65:  # the records themselves: the tag catches it
        assert answer is None


@pytest.mark.parametrize("records", [1, 2, 4])
def test_a_body_cut_at_a_record_boundary_is_refused(records):
    """Whole records dropped from the end: what is left ends on a record that says more
    follow (delimiter 0x01), so the message was truncated (RFC 8188 section 2)."""
    body = http_ece_body(b"x" * 100, 40)  # 23 bytes a record: five records
    cut = body[:21 + 65 + 40 * records]
    assert ours(body) == b"x" * 100
    assert ours(cut) is None
    assert reference(cut) is None


@pytest.mark.parametrize("cut", [1, 16, 17, 30])
def test_a_body_cut_inside_a_record_is_refused(cut):
    body = http_ece_body(b"x" * 100, 40)
    assert ours(body[:-cut]) is None
    assert reference(body[:-cut]) is None


@pytest.mark.parametrize("body", [b"", b"\x00" * 20, b"\x00" * 16 + b"\x00\x00\x10\x00\x41"])
def test_a_body_shorter_than_its_header_or_its_key_id_is_refused(body):
    with pytest.raises(DecryptionError):
        decrypt_aes128gcm(body, BROWSER, AUTH_SECRET)
    assert reference(body) is None
