"""Which push endpoints we are willing to POST to.

An endpoint arrives from a browser, so it is attacker input: without these rules the site could be
made to send requests to its own network (SSRF). The same check runs again at send time.
"""

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from ..conf import pushseg_settings


#: Any whitespace (Unicode spaces too) or control character (C0, DEL, C1): none belongs in
#: a URL, and the sender passes ASCII endpoints to the HTTP client unquoted.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


class EndpointRejected(ValueError):
    """The endpoint breaks the policy; the message says why, for a 4xx answer or a log."""


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, with the default port left out."""
    return _origin(urlsplit(url))


def _origin(parts: SplitResult) -> str:
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


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


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


def check_endpoint(url: object) -> str:
    """Return the endpoint if the policy accepts it, else raise :class:`EndpointRejected`."""
    checked_origin(url)
    return url


def checked_origin(url: object) -> str:
    """The endpoint's origin if the policy accepts the endpoint, else raise
    :class:`EndpointRejected` (the sender needs both, and splits the URL once)."""
    if not isinstance(url, str) or not url:
        raise EndpointRejected("endpoint must be a non-empty string")
    limit = pushseg_settings.MAX_ENDPOINT_LENGTH
    if len(url) > limit:
        raise EndpointRejected(f"endpoint is {len(url)} characters long; the limit is {limit}")
    if _SPACE_OR_CONTROL.search(url):
        raise EndpointRejected("endpoint contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EndpointRejected(f"endpoint is not a valid URL ({exc})") from exc
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise EndpointRejected("endpoint must not contain user information")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise EndpointRejected("endpoint has no host")
    if parts.fragment:
        raise EndpointRejected("endpoint must not contain a fragment")

    # A site builder's exact origins (the sandbox in development and tests) pass as they are.
    origin = _origin(parts)
    if origin in pushseg_settings.ALLOWED_ENDPOINT_ORIGINS:
        return origin

    if parts.scheme != "https":
        raise EndpointRejected(
            f"endpoint must use https (got {parts.scheme or 'no scheme'}); "
            "development origins can be listed in ALLOWED_ENDPOINT_ORIGINS"
        )
    ip = _ip_literal(host)
    if ip is not None and not is_public_address(ip):
        raise EndpointRejected(f"endpoint points at a private or local address ({host})")
    if port is not None and port != 443:
        raise EndpointRejected(f"endpoint uses port {port}; push services listen on 443")
    patterns = pushseg_settings.PUSH_HOSTS + pushseg_settings.EXTRA_PUSH_HOSTS
    if ip is not None or not _host_listed(host, patterns):
        raise EndpointRejected(f"endpoint host {host} is not a known browser push service")
    return origin
