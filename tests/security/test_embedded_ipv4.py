"""Every IPv6 form that carries an IPv4 address, with a non-public IPv4 address inside, is
refused by the resolver check (a DNS answer) and by the endpoint policy (an IP literal): the
same answer for the same address."""

import asyncio
import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver

from wagtail_pushseg.delivery.endpoint_policy import EndpointRejected, check_endpoint
from wagtail_pushseg.delivery.public_addresses import embedded_ipv4, is_public
from wagtail_pushseg.delivery.safe_resolver import AddressRefused, SafeResolver, allowed_addresses


def v4(address: str) -> int:
    return int(ipaddress.IPv4Address(address))


def v6(value: int) -> str:
    return str(ipaddress.IPv6Address(value))


PUBLIC_V4 = "8.8.8.8"
#: How each form puts an IPv4 address into an IPv6 one.
FORMS = {
    "IPv4-mapped ::ffff:0:0/96": lambda a: v6((0xFFFF << 32) | v4(a)),
    "IPv4-compatible ::/96": lambda a: v6(v4(a)),
    "IPv4-translated ::ffff:0:0:0/96": lambda a: v6((0xFFFF << 48) | v4(a)),
    "NAT64 64:ff9b::/96": lambda a: v6((0x64FF9B << 96) | v4(a)),
    "local NAT64 64:ff9b:1::/48, /96 layout": lambda a: v6((0x64FF9B0001 << 80) | v4(a)),
    "local NAT64 64:ff9b:1::/48, /48 layout": lambda a: v6(
        (0x64FF9B0001 << 80) | ((v4(a) >> 16) << 64) | ((v4(a) & 0xFFFF) << 48)),
    "6to4 2002::/16": lambda a: v6((0x2002 << 112) | (v4(a) << 80) | 1),
    "Teredo client (inverted last 32 bits)": lambda a: v6(
        (0x20010000 << 96) | (v4(PUBLIC_V4) << 64) | (~v4(a) & 0xFFFFFFFF)),
    "Teredo server (bits 32-64)": lambda a: v6(
        (0x20010000 << 96) | (v4(a) << 64) | (~v4(PUBLIC_V4) & 0xFFFFFFFF)),
}
NOT_PUBLIC_V4 = ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.0.7", "169.254.169.254",
                 "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255"]
REFUSED = [pytest.param(build(address), id=f"{form}: {address}")
           for form, build in FORMS.items() for address in NOT_PUBLIC_V4]
#: The issue's two examples, spelled as a resolver would hand them over.
REFUSED += [pytest.param("::7f00:1", id="::7f00:1"),
            pytest.param("::ffff:0:7f00:1", id="::ffff:0:7f00:1")]
#: Forms that real networks route, with a public IPv4 inside: still public.
PUBLIC = [pytest.param(FORMS[form](PUBLIC_V4), id=f"{form}: {PUBLIC_V4}")
          for form in ("IPv4-mapped ::ffff:0:0/96", "NAT64 64:ff9b::/96", "6to4 2002::/16")]


def test_the_table_builds_what_the_forms_say():
    assert FORMS["IPv4-compatible ::/96"]("127.0.0.1") == "::7f00:1"
    assert FORMS["IPv4-translated ::ffff:0:0:0/96"]("127.0.0.1") == "::ffff:0:7f00:1"
    assert FORMS["NAT64 64:ff9b::/96"]("10.1.2.3") == "64:ff9b::a01:203"
    assert FORMS["6to4 2002::/16"]("192.168.0.7") == "2002:c0a8:7::1"
    teredo = ipaddress.IPv6Address(FORMS["Teredo client (inverted last 32 bits)"]("10.1.2.3"))
    assert teredo.teredo == (ipaddress.IPv4Address(PUBLIC_V4), ipaddress.IPv4Address("10.1.2.3"))


@pytest.mark.parametrize("address", REFUSED)
def test_embedded_non_public_ipv4_is_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", REFUSED)
def test_the_resolver_refuses_a_dns_answer_embedding_a_non_public_ipv4(address):
    with pytest.raises(AddressRefused, match="resolves to a private, local or reserved"):
        allowed_addresses("fcm.googleapis.com", 443, [address])


@pytest.mark.parametrize("address", REFUSED)
def test_the_endpoint_policy_refuses_an_ip_literal_embedding_a_non_public_ipv4(address):
    with pytest.raises(EndpointRejected, match="private or local address"):
        check_endpoint(f"https://[{address}]/push")


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_ipv4_inside_a_routed_form_stays_public(address):
    assert is_public(ipaddress.ip_address(address))
    assert allowed_addresses("fcm.googleapis.com", 443, [address]) == [address]
    # An IP literal is never a known push service, but not for being private.
    with pytest.raises(EndpointRejected, match="not a known browser push service"):
        check_endpoint(f"https://[{address}]/push")


def test_teredo_names_both_its_ipv4_addresses():
    address = ipaddress.IPv6Address("2001:0:808:808:0:0:80ff:fffe")
    assert embedded_ipv4(address) == [ipaddress.IPv4Address("8.8.8.8"),
                                      ipaddress.IPv4Address("127.0.0.1")]


def test_the_aiohttp_resolver_drops_embedded_private_answers():
    class Answers(AbstractResolver):
        async def resolve(self, host, port=0, family=socket.AF_INET):
            return [{"hostname": host, "host": address, "port": port,
                     "family": socket.AF_INET6, "proto": 0, "flags": 0}
                    for address in ("::7f00:1", "::ffff:0:7f00:1", "2a00:1450:4001:82b::200a")]

        async def close(self):
            pass

    results = asyncio.run(SafeResolver(Answers()).resolve("fcm.googleapis.com", 443))
    assert [r["host"] for r in results] == ["2a00:1450:4001:82b::200a"]
