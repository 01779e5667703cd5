"""Key handling for the push sandbox: base64url, P-256 keys and RFC 8291 decryption."""

from __future__ import annotations

import base64
import binascii

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


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


def decrypt_aes128gcm(
    body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes
) -> bytes:
    """Decrypt an RFC 8291 ``aes128gcm`` Web Push body as the receiving browser would."""
    try:
        return http_ece.decrypt(
            body, private_key=private_key, auth_secret=auth_secret, version="aes128gcm"
        )
    except Exception as exc:  # http_ece raises assorted errors on garbage input
        raise DecryptionError(f"cannot decrypt aes128gcm body: {exc}") from exc
