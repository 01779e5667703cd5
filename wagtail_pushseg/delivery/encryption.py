"""RFC 8291 ``aes128gcm`` Web Push encryption done with ``cryptography`` and ``hmac`` directly.

Same bytes as pywebpush/http_ece produce (proven against RFC 8291 Appendix A and by their
decrypter), with less work per message: HKDF's single-block expansions are plain HMAC-SHA-256
calls, and a subscription's parsed public key is kept for the whole batch
(``docs/architecture.md`` has the measured difference).
"""

import hmac
import os
import struct

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .. import base64url


#: Record size announced in the header; one record carries the whole message.
RECORD_SIZE = 4096
_CURVE = ec.SECP256R1()
_ECDH = ec.ECDH()
_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"
#: The header after the salt: record size and key id length (the sender's 65-byte point).
_HEADER_SIZES = struct.pack("!IB", RECORD_SIZE, 65)


class EncryptionError(ValueError):
    """The subscription's keys (or the payload) cannot be used; fails that message only."""


def _b64url(text: str) -> bytes:
    try:
        return base64url.decode(text)
    except base64url.Base64urlError as exc:
        raise EncryptionError(f"key is not base64url: {exc}") from exc


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.digest(key, msg, "sha256")


class SubscriptionKeys:
    """A subscription's ``p256dh`` (parsed once) and ``auth`` secret."""

    __slots__ = ("auth", "key_info", "public_key", "public_raw")

    def __init__(self, p256dh: str, auth: str):
        raw = _b64url(p256dh)
        if len(raw) != 65 or raw[0] != 4:
            raise EncryptionError("p256dh must be an uncompressed P-256 point (65 bytes)")
        try:
            self.public_key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, raw)
        except ValueError as exc:
            raise EncryptionError(f"p256dh is not a point on P-256: {exc}") from exc
        self.public_raw = raw
        #: The start of the key-derivation info, the same for every message to this key.
        self.key_info = _KEY_INFO + raw
        self.auth = _b64url(auth)
        if len(self.auth) != 16:
            raise EncryptionError(f"auth must be 16 bytes, not {len(self.auth)}")


def encrypt_for(
    keys: SubscriptionKeys,
    plaintext: bytes,
    *,
    salt: bytes | None = None,
    sender_key: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    """One ``aes128gcm`` body. ``salt``/``sender_key`` exist for the RFC test vector only:
    in production both are fresh per message, as RFC 8291 requires."""
    if len(plaintext) + 17 > RECORD_SIZE:
        raise EncryptionError(f"payload of {len(plaintext)} bytes does not fit one record")
    salt = os.urandom(16) if salt is None else salt
    sender_key = ec.generate_private_key(_CURVE) if sender_key is None else sender_key
    sender_raw = sender_key.public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    shared = sender_key.exchange(_ECDH, keys.public_key)
    # HKDF-SHA-256 with one output block each: extract = HMAC(salt, ikm), expand = HMAC(prk,
    # info || 0x01); the RFC's lengths (32, 16, 12) all fit in one block.
    prk_key = _hmac(keys.auth, shared)
    ikm = _hmac(prk_key, keys.key_info + sender_raw + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, _CEK_INFO)[:16]
    nonce = _hmac(prk, _NONCE_INFO)[:12]
    # The last (and only) record ends with the 0x02 padding delimiter.
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    return b"".join((salt, _HEADER_SIZES, sender_raw, ciphertext))


class Encryptor:
    """Encrypts a batch; a subscription's parsed keys are reused if it appears again."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], SubscriptionKeys] = {}

    def keys(self, p256dh: str, auth: str) -> SubscriptionKeys:
        cached = self._keys.get((p256dh, auth))
        if cached is None:
            cached = self._keys[(p256dh, auth)] = SubscriptionKeys(p256dh, auth)
        return cached

    def encrypt(self, plaintext: bytes, p256dh: str, auth: str) -> bytes:
        return encrypt_for(self.keys(p256dh, auth), plaintext)


def encrypt(plaintext: bytes, p256dh: str, auth: str) -> bytes:
    """One message for one subscription (no batch cache)."""
    return encrypt_for(SubscriptionKeys(p256dh, auth), plaintext)
