"""Which IP addresses a push may go to: global unicast only, looking through every IPv6 form
that carries an IPv4 address.

One answer for both checks: an IP literal in an endpoint (``delivery.endpoint_policy``) and
a host's DNS answers at connect time (``delivery.safe_resolver``). Python's ``ipaddress`` calls
several of these forms global whatever IPv4 address they carry (``::7f00:1``,
``::ffff:0:7f00:1``, ``64:ff9b::7f00:1`` on Python 3.11), and a NAT64 or 6to4 gateway, or an
old stack that still routes IPv4-compatible addresses, would take the packet to that IPv4
address: to loopback or the site's own network.
"""

import ipaddress


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_net = ipaddress.IPv6Network
#: Forms whose last 32 bits are the IPv4 address.
_IPV4_IN_LAST_32_BITS = (
    _net("::ffff:0:0/96"),  # IPv4-mapped (RFC 4291)
    _net("::/96"),  # IPv4-compatible (RFC 4291, deprecated)
    _net("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765, SIIT)
    _net("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
)
_SIX_TO_FOUR = _net("2002::/16")  # IPv4 in bits 16-48 (RFC 3056)
_TEREDO = _net("2001::/32")  # server IPv4 in bits 32-64, client IPv4 inverted in the last 32
#: Local-use NAT64 (RFC 8215): the IPv4 address sits where the operator's prefix length puts
#: it, which cannot be known from outside; meant for one network only, so never public.
_LOCAL_NAT64 = _net("64:ff9b:1::/48")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses ``ip`` carries (none for a plain IPv6 address)."""
    value = int(ip)
    found = []
    if any(ip in network for network in _IPV4_IN_LAST_32_BITS):
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    if ip in _SIX_TO_FOUR:
        found.append(ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF))
    if ip in _TEREDO:
        found.append(ipaddress.IPv4Address((value >> 64) & 0xFFFFFFFF))
        found.append(ipaddress.IPv4Address(~value & 0xFFFFFFFF))
    return found


def is_public(ip: IPAddress) -> bool:
    """Global unicast, and so is every IPv4 address it embeds."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        if not all(is_public(v4) for v4 in embedded_ipv4(ip)):
            return False
    return ip.is_global and not ip.is_multicast
