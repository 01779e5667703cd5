"""Validation of the subscription keys a browser sends (RFC 8291)."""

from cryptography.hazmat.primitives.asymmetric import ec

from .. import base64url


class KeyRejected(ValueError):
    """A key is malformed; the message says how."""


def _decode(name: str, value: object) -> bytes:
    if not isinstance(value, str) or not value:
        raise KeyRejected(f"keys.{name} must be a non-empty base64url string")
    if len(value) > 200:
        raise KeyRejected(f"keys.{name} is too long")
    try:
        return base64url.decode(value)
    except base64url.Base64urlError as exc:
        raise KeyRejected(f"keys.{name} is not valid base64url: {exc}") from exc


def check_p256dh(value: object) -> str:
    """An uncompressed P-256 point: 65 bytes, 0x04 first, on the curve. Returns it normalised."""
    raw = _decode("p256dh", value)
    if len(raw) != 65:
        raise KeyRejected(
            f"keys.p256dh must be 65 bytes (an uncompressed P-256 point), not {len(raw)}"
        )
    if raw[0] != 0x04:
        raise KeyRejected("keys.p256dh must start with 0x04 (an uncompressed point)")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise KeyRejected("keys.p256dh is not a point on the P-256 curve") from exc
    return base64url.encode(raw)


def check_auth(value: object) -> str:
    """The 16-byte authentication secret. Returns it normalised."""
    raw = _decode("auth", value)
    if len(raw) != 16:
        raise KeyRejected(f"keys.auth must be 16 bytes, not {len(raw)}")
    return base64url.encode(raw)
