"""Key handling for the push sandbox: base64url, P-256 keys and RFC 8291 decryption."""

from __future__ import annotations

import base64
import binascii
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class DecryptionError(ValueError):
    """The push message body could not be decrypted."""


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding (the Web Push convention)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(value: str | bytes) -> bytes:
    """Decode base64url, tolerating missing padding and standard-alphabet input."""
    if isinstance(value, bytes):
        value = value.decode("ascii")
    value = value.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64url: {exc}") from exc


def load_public_key(value: str | bytes) -> ec.EllipticCurvePublicKey:
    """Parse an uncompressed P-256 point (65 bytes, base64url) into a public key."""
    raw = b64url_decode(value)
    if len(raw) != 65 or raw[0] != 0x04:
        raise ValueError("expected an uncompressed P-256 point (65 bytes starting with 0x04)")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise ValueError(f"not a valid P-256 point: {exc}") from exc


def normalize_public_key(value: str | bytes) -> str:
    """Validate a P-256 public key and return its canonical base64url form."""
    return b64url_encode(public_raw(load_public_key(value)))


def public_raw(key: ec.EllipticCurvePublicKey) -> bytes:
    """Uncompressed X9.62 encoding of a public key."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key, as a browser makes for each push subscription."""
    return ec.generate_private_key(ec.SECP256R1())


def private_to_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """Serialise a private key as its raw 32-byte scalar, base64url."""
    return b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))


def private_from_b64(value: str) -> ec.EllipticCurvePrivateKey:
    """Inverse of :func:`private_to_b64`."""
    return ec.derive_private_key(int.from_bytes(b64url_decode(value), "big"), ec.SECP256R1())


_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"
_TAG = 16
_HEADER = 21  # salt (16) + record size (4) + key id length (1)


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.digest(key, msg, "sha256")


def decrypt_aes128gcm(
    body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes,
    receiver_raw: bytes | None = None,
) -> bytes:
    """Decrypt an RFC 8291 ``aes128gcm`` Web Push body as the receiving browser would.

    Written from RFC 8188 and RFC 8291 on ``cryptography`` directly, apart from the sender's
    code (``delivery/encryption.py``); it accepts what http_ece's decrypter accepts, with the
    same plaintext, and refuses what it refuses (tests/testing/test_sandbox_decrypt.py), with
    less CPU: on a 2-core machine the benchmarks' sender shares the cores with the sandbox.
    """
    if len(body) < _HEADER:
        raise DecryptionError("cannot decrypt aes128gcm body: shorter than its header")
    salt, record_size, id_len = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    if record_size <= _TAG + 1:
        raise DecryptionError(f"cannot decrypt aes128gcm body: record size {record_size}")
    sender_raw, content = body[_HEADER:_HEADER + id_len], body[_HEADER + id_len:]
    if id_len != 65 or len(sender_raw) != 65 or sender_raw[0] != 4:
        raise DecryptionError("cannot decrypt aes128gcm body: key id is not a P-256 point")
    try:
        sender_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_raw)
        shared = private_key.exchange(ec.ECDH(), sender_key)
    except ValueError as exc:
        raise DecryptionError(f"cannot decrypt aes128gcm body: {exc}") from exc
    # RFC 8291 section 3.4: HKDF with one output block each (extract = HMAC(salt, ikm),
    # expand = HMAC(prk, info || 0x01)).
    if receiver_raw is None:  # the subscription's p256dh; callers that keep it pass it
        receiver_raw = public_raw(private_key.public_key())
    ikm = _hmac(_hmac(auth_secret, shared), _KEY_INFO + receiver_raw + sender_raw + b"\x01")
    prk = _hmac(salt, ikm)
    aead = AESGCM(_hmac(prk, _CEK_INFO)[:16])
    base_nonce = int.from_bytes(_hmac(prk, _NONCE_INFO)[:12], "big")
    records = [content[i:i + record_size] for i in range(0, len(content), record_size)]
    plaintext = []
    for seq, record in enumerate(records):
        nonce = (base_nonce ^ seq).to_bytes(12, "big")
        try:
            data = aead.decrypt(nonce, record, None)
        except InvalidTag as exc:
            raise DecryptionError("cannot decrypt aes128gcm body: bad tag") from exc
        # RFC 8188 section 2: data, then 0x01 (more records follow) or 0x02 (the last),
        # then zeros.
        data = data.rstrip(b"\x00")
        last = seq == len(records) - 1
        if not data or data[-1] != (2 if last else 1):
            raise DecryptionError("cannot decrypt aes128gcm body: bad padding delimiter")
        plaintext.append(data[:-1])
    return b"".join(plaintext)
