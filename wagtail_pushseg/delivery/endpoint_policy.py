"""Which push endpoints we are willing to POST to.

An endpoint arrives from a browser, so it is attacker input: without these rules the site could be
made to send requests to its own network (SSRF). The same check runs again at send time.
"""

import functools
import ipaddress
import re
from typing import NamedTuple
from urllib.parse import urlsplit

import idna

from ..conf import pushseg_settings
from .public_addresses import is_public


#: Any whitespace (Unicode spaces too) or control character (C0, DEL, C1): none belongs in
#: a URL, and the sender passes ASCII endpoints to the HTTP client unquoted.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


class EndpointRejected(ValueError):
    """The endpoint breaks the policy; the message says why, for a 4xx answer or a log."""


_DEFAULT_PORTS = {"https": 443, "http": 80}


class _Endpoint(NamedTuple):
    """An endpoint split once and spelt canonically."""

    url: str
    origin: str
    scheme: str
    host: str  # lower-case ASCII, no trailing dot, IPv6 without brackets
    port: int | None  # None for the scheme's default
    has_user: bool
    has_fragment: bool


def canonical_endpoint(url: object) -> str:
    """The one spelling of a push endpoint: what is stored, hashed for uniqueness, checked and
    signed for.

    ``https://FCM.GOOGLEAPIS.COM.:0443/x`` and ``https://fcm.googleapis.com/x`` are one push
    address: the scheme and host are lower-cased, the host's trailing dot dropped and a
    non-ASCII host written in punycode (IDNA 2008, UTS 46); the default port goes, another port
    loses its leading zeros. Path and query are kept exactly: they are the push service's own.
    Raises :class:`EndpointRejected` when the URL cannot be read.
    """
    return _split(url).url


def origin_of(url: str) -> str:
    """Canonical ``scheme://host[:port]`` of an endpoint: the VAPID ``aud`` of its push service."""
    return _split(url).origin


def _split(url: object) -> _Endpoint:
    if not isinstance(url, str) or not url:
        raise EndpointRejected("endpoint must be a non-empty string")
    # Checked before parsing: urlsplit silently drops tabs and newlines and strips spaces.
    if _SPACE_OR_CONTROL.search(url):
        raise EndpointRejected("endpoint contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EndpointRejected(f"endpoint is not a valid URL ({exc})") from exc
    scheme = parts.scheme
    prefix = len(scheme) + 3
    if not parts.netloc or url[len(scheme):prefix] != "://":
        raise EndpointRejected("endpoint has no host")
    host = _canonical_host(parts.hostname or "")
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    netloc = f"[{host}]" if ":" in host else host
    origin = f"{scheme}://{netloc}" + ("" if port is None else f":{port}")
    # Everything after the authority, byte for byte (urlunsplit would drop a bare "?").
    rest = url[prefix + len(parts.netloc):]
    return _Endpoint(
        origin + rest, origin, scheme, host, port,
        has_user=parts.username is not None or parts.password is not None or "@" in parts.netloc,
        has_fragment=bool(parts.fragment),
    )


def _canonical_host(host: str) -> str:
    host = host.rstrip(".")  # urlsplit has lower-cased it already
    if not host:
        raise EndpointRejected("endpoint has no host")
    if ":" in host:  # an IPv6 literal: one spelling of the address
        try:
            return ipaddress.IPv6Address(host).compressed
        except ValueError:
            raise EndpointRejected(f"endpoint host [{host}] is not an IPv6 address") from None
    if not host.isascii():
        try:
            return idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise EndpointRejected(f"endpoint host is not a valid domain name ({exc})") from None
    return host


def _host_listed(host: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    # An IPv4 literal ends in a digit and an IPv6 one holds a colon; skipping the parse (and
    # its exception) for every other host is a third of the send-time check.
    if ":" not in host and not host[-1:].isdigit():
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_endpoint(url: object) -> str:
    """The endpoint in its canonical spelling if the policy accepts it, else raise
    :class:`EndpointRejected`."""
    return _checked(url).url


def checked_origin(url: object) -> str:
    """The endpoint's canonical origin if the policy accepts the endpoint, else raise
    :class:`EndpointRejected` (the sender needs both, and splits the URL once)."""
    return _checked(url).origin


def _checked(url: object) -> _Endpoint:
    limit = pushseg_settings.MAX_ENDPOINT_LENGTH
    if isinstance(url, str) and len(url) > limit:
        raise EndpointRejected(f"endpoint is {len(url)} characters long; the limit is {limit}")
    # The policy judges the canonical spelling: the one stored, signed for and connected to.
    endpoint = _split(url)
    if endpoint.has_user:
        raise EndpointRejected("endpoint must not contain user information")
    if endpoint.has_fragment:
        raise EndpointRejected("endpoint must not contain a fragment")
    if len(endpoint.url) > limit:
        raise EndpointRejected(
            f"endpoint is {len(endpoint.url)} characters long; the limit is {limit}"
        )

    # A site builder's exact origins (the sandbox in development and tests) pass as they are.
    if endpoint.origin in _allowed_origins(pushseg_settings.ALLOWED_ENDPOINT_ORIGINS):
        return endpoint

    host, port = endpoint.host, endpoint.port
    if endpoint.scheme != "https":
        raise EndpointRejected(
            f"endpoint must use https (got {endpoint.scheme or 'no scheme'}); "
            "development origins can be listed in ALLOWED_ENDPOINT_ORIGINS"
        )
    ip = _ip_literal(host)
    if ip is not None and not is_public(ip):
        raise EndpointRejected(f"endpoint points at a private or local address ({host})")
    if port is not None:
        raise EndpointRejected(f"endpoint uses port {port}; push services listen on 443")
    patterns = pushseg_settings.PUSH_HOSTS + pushseg_settings.EXTRA_PUSH_HOSTS
    if ip is not None or not _host_listed(host, patterns):
        raise EndpointRejected(f"endpoint host {host} is not a known browser push service")
    return endpoint


@functools.lru_cache(maxsize=8)
def _allowed_origins(listed: tuple[str, ...]) -> frozenset[str]:
    # Compared canonically too, so "http://LOCALHOST:8001" in a setting still matches.
    origins = set()
    for origin in listed:
        try:
            origins.add(_split(origin).origin)
        except EndpointRejected:
            origins.add(origin)
    return frozenset(origins)
