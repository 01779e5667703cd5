"""Name resolution that only hands out public addresses, for the sender.

The endpoint policy checks the URL; this checks where its host *resolves*, at the moment of
connecting. A push host on the allow-list (or an ``EXTRA_PUSH_HOSTS`` entry) whose DNS answers
with a private, loopback, link-local or reserved address (DNS rebinding, a poisoned resolver, a
split-horizon mistake) is refused. The addresses that passed are the ones connected to, so
nothing can change between the check and the connection (no TOCTOU).

:class:`SafeResolver` is an aiohttp resolver wrapping the default one, given to the sender's
``TCPConnector`` (``async_sender.make_connector``).

The exact ``ALLOWED_ENDPOINT_ORIGINS`` (the sandbox on 127.0.0.1 in development) keep resolving
to whatever they resolve to: a site builder listed that host and port on purpose.
"""

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from ..conf import pushseg_settings
from .public_addresses import is_public


#: Prefix of the failure reason, so a refusal reads like the endpoint policy's own.
REFUSED = "endpoint refused:"


class AddressRefused(OSError):
    """The host resolved only to addresses we never connect to; the message says which.

    An ``OSError`` so that aiohttp treats it as a failed connection (and carries it along as
    the cause) instead of a crash.
    """


def _default_port(scheme: str) -> int:
    return {"https": 443, "http": 80}.get(scheme, 0)


def listed_origin(host: str, port: int) -> bool:
    """Is ``host:port`` one of the site builder's exact development origins?"""
    host = host.lower().rstrip(".").strip("[]")
    for origin in pushseg_settings.ALLOWED_ENDPOINT_ORIGINS:
        parts = urlsplit(origin)
        try:
            origin_port = parts.port or _default_port(parts.scheme)
        except ValueError:
            continue
        if (parts.hostname or "").rstrip(".") == host and origin_port == port:
            return True
    return False


def allowed_addresses(host: str, port: int, addresses: Iterable[str]) -> list[str]:
    """The public ``addresses`` of ``host`` (all of them for a listed origin), or
    :class:`AddressRefused` when none is left."""
    addresses = list(addresses)
    if listed_origin(host, port):
        return addresses
    public = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        except ValueError:
            continue
        if is_public(ip):
            public.append(address)
    if not public:
        shown = ", ".join(addresses[:4]) or "no address"
        raise AddressRefused(
            f"{REFUSED} {host} resolves to a private, local or reserved address ({shown})"
        )
    return public


def refusal_in(exc: BaseException | None) -> str | None:
    """The reason of an :class:`AddressRefused` somewhere inside a client library's error."""
    seen = 0
    todo = [exc]
    while todo and seen < 20:
        current = todo.pop()
        seen += 1
        if not isinstance(current, BaseException):  # e.g. a ``reason`` that is a string
            continue
        if isinstance(current, AddressRefused):
            return str(current)
        todo.extend([current.__cause__, current.__context__,
                     getattr(current, "os_error", None), getattr(current, "reason", None)])
        todo.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return None


class SafeResolver(AbstractResolver):
    """aiohttp resolver: the default resolver's answers, minus every non-public address."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self.inner = inner or DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        keep = set(allowed_addresses(host, port, [r["host"] for r in results]))
        return [r for r in results if r["host"] in keep]

    async def close(self) -> None:
        await self.inner.close()
