"""RFC 8291 encryption through ``cryptography``: the RFC's own vector, and decryptable by
http_ece (what pywebpush is built on) and by the sandbox's browser-side decrypter."""

import secrets

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.rfc8291 import AS_PRIVATE, AUTH, BODY, PLAINTEXT, SALT, UA_PUBLIC
from wagtail_pushseg.base64url import decode as b64url_decode
from wagtail_pushseg.base64url import encode as b64url_encode
from wagtail_pushseg.delivery.encryption import (
    EncryptionError,
    Encryptor,
    SubscriptionKeys,
    encrypt,
    encrypt_for,
)
from wagtail_pushseg.testing.keys import decrypt_aes128gcm, private_from_b64


def browser_keys() -> tuple[ec.EllipticCurvePrivateKey, str, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return key, b64url_encode(public), secrets.token_bytes(16)


def test_rfc_8291_appendix_a_vector_byte_for_byte():
    body = encrypt_for(
        SubscriptionKeys(UA_PUBLIC, AUTH), PLAINTEXT,
        salt=b64url_decode(SALT), sender_key=private_from_b64(AS_PRIVATE),
    )
    assert body == b64url_decode(BODY)


def test_header_layout_is_salt_record_size_keyid():
    _key, p256dh, auth = browser_keys()
    body = encrypt(b"hi", p256dh, b64url_encode(auth))
    assert int.from_bytes(body[16:20], "big") == 4096 and body[20] == 65
    assert body[21] == 4  # the sender's uncompressed public point is the key id
    assert len(body) == 16 + 4 + 1 + 65 + len(b"hi") + 1 + 16


@pytest.mark.parametrize("size", [0, 1, 300, 3993])
def test_http_ece_and_the_sandbox_decrypt_it(size):
    key, p256dh, auth = browser_keys()
    plaintext = secrets.token_bytes(size)
    body = Encryptor().encrypt(plaintext, p256dh, b64url_encode(auth))
    assert http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm") == (
        plaintext
    )
    assert decrypt_aes128gcm(body, key, auth) == plaintext


def test_each_message_gets_its_own_salt_and_sender_key():
    _key, p256dh, auth = browser_keys()
    encryptor = Encryptor()
    first, second = (encryptor.encrypt(b"same", p256dh, b64url_encode(auth)) for _ in range(2))
    assert first[:16] != second[:16] and first[21:86] != second[21:86]


@pytest.mark.parametrize(
    "p256dh, auth",
    [
        ("AAAA", AUTH),  # too short
        ("B" + UA_PUBLIC[1:-4] + "AAAA", AUTH),  # not on the curve
        (UA_PUBLIC, "AAAA"),  # auth not 16 bytes
        ("not base64 !!", AUTH),
    ],
)
def test_corrupt_keys_raise_encryption_error(p256dh, auth):
    with pytest.raises(EncryptionError):
        encrypt(b"hi", p256dh, auth)


def test_payload_larger_than_one_record_is_refused():
    with pytest.raises(EncryptionError):
        encrypt(b"x" * 4080, UA_PUBLIC, AUTH)
