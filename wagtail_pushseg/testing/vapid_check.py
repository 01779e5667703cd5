"""RFC 8292 VAPID verification, as a push service does it (ES256 JWT + ``k`` key)."""

from __future__ import annotations

import hmac
import json
import re
import threading
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .keys import b64url_decode, load_public_key
from .state import origin_of


MAX_EXP_AHEAD = 24 * 60 * 60  # RFC 8292 section 2: no more than 24 hours
_SCHEME_RE = re.compile(r"^\s*vapid\s+(?P<params>.+)$", re.IGNORECASE | re.DOTALL)


class VapidError(Exception):
    """VAPID check failed; ``status`` is 401 (missing/malformed) or 403 (refused)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_authorization(header: str | None) -> tuple[str, str]:
    """Split ``vapid t=<jwt>, k=<key>`` into (token, key); tolerates spacing variants."""
    if not header:
        raise VapidError(401, "missing Authorization header")
    match = _SCHEME_RE.match(header)
    if not match:
        raise VapidError(401, "Authorization scheme must be 'vapid'")
    params: dict[str, str] = {}
    for part in match.group("params").split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            params[name.strip().lower()] = value.strip().strip('"')
    token, key = params.get("t"), params.get("k")
    if not token or not key:
        raise VapidError(401, "Authorization must carry both t= and k= parameters")
    return token, key


def _b64json(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except ValueError as exc:
        raise VapidError(401, f"JWT {what} is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise VapidError(401, f"JWT {what} is not a JSON object")
    return value


def verify_jwt(token: str, public_key: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    """Check an ES256 JWS (raw r||s signature) and return its claims; no claim checks."""
    parts = token.split(".")
    if len(parts) != 3:
        raise VapidError(401, "JWT must have three dot-separated parts")
    header = _b64json(parts[0], "header")
    claims = _b64json(parts[1], "payload")
    if header.get("alg") != "ES256":
        raise VapidError(403, f"JWT alg must be ES256, got {header.get('alg')!r}")
    try:
        raw_sig = b64url_decode(parts[2])
    except ValueError as exc:
        raise VapidError(401, "JWT signature is not base64url") from exc
    if len(raw_sig) != 64:
        raise VapidError(403, "ES256 signature must be 64 bytes (r||s)")
    der = encode_dss_signature(
        int.from_bytes(raw_sig[:32], "big"), int.from_bytes(raw_sig[32:], "big")
    )
    signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    try:
        public_key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise VapidError(403, "JWT signature does not verify against k") from exc
    return claims


def check_claims(claims: dict[str, Any], audience: str, now: float | None = None) -> None:
    """RFC 8292 claim rules: ``aud`` is the push resource origin, ``exp`` <= 24 h, ``sub``."""
    now = time.time() if now is None else now
    aud = claims.get("aud")
    if not isinstance(aud, str) or origin_of(aud) != origin_of(audience) or aud.count("/") > 2:
        raise VapidError(403, f"JWT aud {aud!r} is not the push service origin {audience!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise VapidError(403, "JWT exp claim missing or not a number")
    if exp <= now:
        raise VapidError(403, "JWT has expired")
    if exp > now + MAX_EXP_AHEAD + 60:  # a minute of clock-skew slack
        raise VapidError(403, "JWT exp is more than 24 hours in the future")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise VapidError(403, "JWT sub claim must be a mailto: or https: URI")


class VapidVerifier:
    """Verifies Authorization headers; caches good signatures since sites reuse tokens."""

    def __init__(self, cache_size: int = 1024):
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def verify(self, header: str | None, expected_key: str, audience: str) -> dict[str, Any]:
        """Return the verified claims or raise :class:`VapidError`."""
        token, key = parse_authorization(header)
        try:
            key_bytes = b64url_decode(key)
        except ValueError as exc:
            raise VapidError(401, "k is not base64url") from exc
        if not hmac.compare_digest(key_bytes, b64url_decode(expected_key)):
            raise VapidError(403, "k does not match the subscription's applicationServerKey")
        with self._lock:
            claims = self._cache.get((token, key))
        if claims is None:
            try:
                public_key = load_public_key(key)
            except ValueError as exc:
                raise VapidError(401, f"k is not a P-256 public key: {exc}") from exc
            claims = verify_jwt(token, public_key)
            with self._lock:
                if len(self._cache) >= self._cache_size:
                    self._cache.clear()
                self._cache[(token, key)] = claims
        # Claims are re-checked every time: exp moves relative to now.
        check_claims(claims, audience)
        return dict(claims)
