"""Endpoints are re-checked after DNS resolution, for campaigns and test pushes alike: a
listed push host that resolves to a private, loopback, link-local or reserved address is never
connected to."""

import asyncio
import ipaddress
import socket

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver

from tests.delivery.test_async_sender import LoopbackServer, allow, push, send, subscriptions
from wagtail_pushseg.delivery.payload import build_payload
from wagtail_pushseg.delivery.results import Outcome
from wagtail_pushseg.delivery.safe_resolver import (
    AddressRefused,
    SafeResolver,
    allowed_addresses,
    is_public,
)
from wagtail_pushseg.models import Subscriber
from wagtail_pushseg.subscribers.direct import send_to_subscriber


FCM = "https://fcm.googleapis.com/fcm/send/abc123"
PRIVATE = ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.7", "100.64.0.1", "0.0.0.0",
           "::1", "fe80::1", "fd00::5", "::ffff:127.0.0.1", "64:ff9b::a01:203"]


@pytest.mark.parametrize("address", PRIVATE)
def test_non_public_addresses_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["142.250.74.106", "2a00:1450:4001:82b::200a",
                                     "::ffff:142.250.74.106"])
def test_public_addresses_are_public(address):
    assert is_public(ipaddress.ip_address(address))


def test_only_the_public_answers_are_kept(settings):
    assert allowed_addresses("fcm.googleapis.com", 443, ["10.0.0.1", "142.250.74.106"]) == [
        "142.250.74.106"
    ]
    with pytest.raises(AddressRefused, match=r"fcm.googleapis.com resolves to a private.*10\.0"):
        allowed_addresses("fcm.googleapis.com", 443, ["10.0.0.1", "127.0.0.1"])


def test_a_listed_development_origin_may_resolve_to_loopback(settings):
    allow(settings, "http://localhost:8001")
    assert allowed_addresses("localhost", 8001, ["127.0.0.1"]) == ["127.0.0.1"]
    # Only that exact host and port: another port of the same host is not listed.
    with pytest.raises(AddressRefused):
        allowed_addresses("localhost", 8002, ["127.0.0.1"])


def test_the_aiohttp_resolver_drops_private_answers_of_its_inner_resolver():
    class Answers(AbstractResolver):
        async def resolve(self, host, port=0, family=socket.AF_INET):
            return [
                {"hostname": host, "host": address, "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": 0}
                for address in ("10.9.8.7", "142.250.74.106")
            ]

        async def close(self):
            pass

    results = asyncio.run(SafeResolver(Answers()).resolve("fcm.googleapis.com", 443))
    assert [r["host"] for r in results] == ["142.250.74.106"]


# --- the async sender (workers) ---------------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1"])
def test_async_sender_refuses_a_listed_host_resolving_privately(sandbox, hosts, address):
    [sub] = subscriptions(sandbox, 1)
    hosts({"fcm.googleapis.com": [address]})
    [result] = send([push(sub, b"x")._replace(endpoint=FCM)])
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith("endpoint refused: fcm.googleapis.com resolves to a private")
    assert address in result.reason


def test_async_sender_refuses_an_extra_push_host_resolving_privately(sandbox, hosts, settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "EXTRA_PUSH_HOSTS": ["push.corp.test"]}
    [sub] = subscriptions(sandbox, 1)
    hosts({"push.corp.test": ["192.168.1.20"]})
    [result] = send([push(sub, b"x")._replace(endpoint="https://push.corp.test/p/1")])
    assert result.outcome is Outcome.FAILED and "192.168.1.20" in result.reason


def test_a_listed_origin_by_name_still_connects_to_the_address_it_resolves_to(sandbox, hosts,
                                                                               settings):
    """The development exception keeps working through the checking resolver: the request
    arrives at the loopback server the name was mapped to."""
    [sub] = subscriptions(sandbox, 1)
    seen = []

    async def created(request: web.Request) -> web.Response:
        seen.append(request.headers["Host"])
        return web.Response(status=201)

    with LoopbackServer(created) as server:
        port = server.origin.rsplit(":", 1)[1]
        hosts({"pushhost.test": ["127.0.0.1"]})
        allow(settings, f"http://pushhost.test:{port}")
        [result] = send([push(sub, b"x")._replace(endpoint=f"http://pushhost.test:{port}/p")])
    assert result.outcome is Outcome.SENT
    assert seen == [f"pushhost.test:{port}"]


def test_sandbox_on_loopback_keeps_working(sandbox):
    [sub] = subscriptions(sandbox, 1)
    [result] = send([push(sub, b"hello")])
    assert result.outcome is Outcome.SENT
    assert [m.payload for m in sandbox.messages(sub["endpoint"])] == [b"hello"]


# --- the admin's test push (one message through the same sender) -----------------------------


def subscriber_at(endpoint: str, sub: dict) -> Subscriber:
    return Subscriber.objects.create(endpoint=endpoint, p256dh=sub["keys"]["p256dh"],
                                     auth=sub["keys"]["auth"])


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "fe80::1"])
def test_a_test_push_refuses_a_listed_host_resolving_privately(sandbox, hosts, address):
    [sub] = subscriptions(sandbox, 1)
    hosts({"fcm.googleapis.com": [address]})
    result = send_to_subscriber(subscriber_at(FCM, sub), build_payload(title="Hi"))
    assert result.outcome is Outcome.FAILED
    assert result.reason.startswith("endpoint refused: fcm.googleapis.com resolves to a private")


@pytest.mark.django_db
def test_refused_resolution_expires_nobody(sandbox, hosts):
    [sub] = subscriptions(sandbox, 1)
    subscriber = subscriber_at(FCM, sub)
    hosts({"fcm.googleapis.com": ["10.0.0.9"]})
    result = send_to_subscriber(subscriber, build_payload(title="Hi"))
    assert result.outcome is Outcome.FAILED and "10.0.0.9" in result.reason
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


@pytest.mark.django_db
def test_a_test_push_through_a_listed_name_reaches_the_mapped_address(sandbox, hosts, settings):
    [sub] = subscriptions(sandbox, 1)
    seen = []

    async def created(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.Response(status=201)

    with LoopbackServer(created) as server:
        port = server.origin.rsplit(":", 1)[1]
        hosts({"pushhost.test": ["127.0.0.1"]})
        allow(settings, f"http://pushhost.test:{port}")
        result = send_to_subscriber(subscriber_at(f"http://pushhost.test:{port}/p/1", sub),
                                    build_payload(title="Hi"))
    assert result.outcome is Outcome.SENT and seen == ["/p/1"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_test_push_follows_no_redirect(sandbox, status, settings):
    [sub] = subscriptions(sandbox, 1)

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": sub["endpoint"]})

    with LoopbackServer(redirect) as server:
        allow(settings, server.origin)
        result = send_to_subscriber(subscriber_at(server.origin + "/p", sub),
                                    build_payload(title="Hi"))
    assert result.outcome is Outcome.FAILED and result.status == status
    assert sandbox.request_count(sub["endpoint"]) == 0


def test_async_sender_times_out_a_silent_push_service(sandbox, settings):
    [sub] = subscriptions(sandbox, 1)

    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(status=201)

    with LoopbackServer(silent) as server:
        allow(settings, server.origin)
        [result] = send([push(sub, b"x")._replace(endpoint=server.origin + "/p")], timeout=0.3)
    assert result.outcome is Outcome.RETRY and result.reason == "timed out"


@pytest.mark.django_db
def test_a_campaign_to_a_host_resolving_privately_fails_those_deliveries_only(
    sandbox, hosts, make_sandbox_subscribers, inline_tasks, django_capture_on_commit_callbacks
):
    """Through the whole engine: the refused delivery fails with the reason, its subscriber
    stays active, and the others in the same chunk are delivered."""
    from tests.campaigns.conftest import target
    from tests.segments.conftest import block, make_segment
    from wagtail_pushseg.campaigns import services
    from wagtail_pushseg.models import Campaign, Delivery

    fine = make_sandbox_subscribers(2, language="de-DE")
    [sub] = subscriptions(sandbox, 1)
    rebound = Subscriber.objects.create(endpoint=FCM, p256dh=sub["keys"]["p256dh"],
                                        auth=sub["keys"]["auth"], language="de-DE")
    hosts({"fcm.googleapis.com": ["10.20.30.40"]})
    campaign = Campaign.objects.create(title="Deal", body="Today", url="/")
    target(campaign, make_segment([block("language", languages=["de"])], name="German"), 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)

    refused = Delivery.objects.get(campaign=campaign, subscriber=rebound)
    assert refused.status == "failed"
    assert "fcm.googleapis.com resolves to a private" in refused.reason
    assert "10.20.30.40" in refused.reason
    rebound.refresh_from_db()
    assert rebound.status == Subscriber.Status.ACTIVE
    assert set(Delivery.objects.filter(subscriber__in=fine).values_list("status", flat=True)) \
        == {"sent"}
