"""VAPID (RFC 8292) keys and the ``Authorization`` header that proves who sends a push."""

import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02

from .. import base64url
from ..conf import pushseg_settings


# Push services reject tokens valid for more than 24 h; renew well before expiry.
TOKEN_LIFETIME = 12 * 3600
RENEW_BEFORE = 3600


class VapidKeyError(ValueError):
    """A configured VAPID key cannot be used."""


def generate_keys() -> tuple[str, str]:
    """A new P-256 pair as (private, public): raw scalar and uncompressed point, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return base64url.encode(private), public_key_of(key)


def load_private_key(private_b64: str) -> ec.EllipticCurvePrivateKey:
    """Parse the configured private key (base64url raw 32-byte scalar)."""
    try:
        raw = base64url.decode(private_b64.strip())
    except (ValueError, AttributeError) as exc:
        raise VapidKeyError("the VAPID private key is not base64url") from exc
    if len(raw) != 32:
        raise VapidKeyError(
            f"the VAPID private key must be 32 bytes once decoded, not {len(raw)}"
        )
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as exc:
        raise VapidKeyError("the VAPID private key is not a valid P-256 key") from exc


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64url.encode(point)


@dataclass
class VapidSigner:
    """Signs one JWT per push-service origin and reuses it until it nears expiry."""

    private_key: str
    subject: str
    _vapid: Vapid02 = field(init=False, repr=False)
    _cache: dict[str, tuple[float, str]] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._vapid = Vapid02(load_private_key(self.private_key))

    def header(self, audience: str, now: float | None = None) -> str:
        """The ``Authorization`` value for a push service origin, e.g. ``https://fcm...``."""
        now = time.time() if now is None else now
        cached = self._cache.get(audience)
        if cached and cached[0] - now > RENEW_BEFORE:
            return cached[1]
        expires = int(now) + TOKEN_LIFETIME
        claims = {"aud": audience, "exp": expires, "sub": self.subject}
        value = self._vapid.sign(claims)["Authorization"]
        self._cache[audience] = (expires, value)
        return value


def configured_signer() -> VapidSigner:
    """The signer of the site's ``VAPID_PRIVATE_KEY`` and ``VAPID_SUBJECT``."""
    return VapidSigner(pushseg_settings.VAPID_PRIVATE_KEY, pushseg_settings.VAPID_SUBJECT)
