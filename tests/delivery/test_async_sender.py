"""The async sender against real servers on loopback: the push sandbox (HTTP and TLS), and tiny
aiohttp servers for what the sandbox cannot show (redirects, connection counts)."""

import asyncio
import secrets
import ssl
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.delivery.async_sender import OutgoingPush, send_many_sync
from wagtail_pushseg.delivery.results import Outcome
from wagtail_pushseg.delivery.vapid import configured_signer
from wagtail_pushseg.testing import PushSandbox, self_signed_tls


def allow(settings, *origins: str) -> None:
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG,
        "ALLOWED_ENDPOINT_ORIGINS": [
            *settings.WAGTAIL_PUSHSEG.get("ALLOWED_ENDPOINT_ORIGINS", []), *origins
        ],
    }


def subscriptions(sandbox: PushSandbox, n: int) -> list[dict]:
    return [sandbox.subscribe(pushseg_settings.VAPID_PUBLIC_KEY) for _ in range(n)]


def push(sub: dict, payload: bytes) -> OutgoingPush:
    return OutgoingPush(sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], payload)


def send(messages, **options):
    options = {"signer": configured_signer(), "ttl": 600, "timeout": 5.0,
               "reuse_connections": False, **options}
    return send_many_sync(messages, **options)


@pytest.fixture(scope="module")
def tls_sandbox():
    ctx, cafile = self_signed_tls()
    with PushSandbox(ssl_context=ctx) as sandbox:
        yield sandbox, ssl.create_default_context(cafile=cafile)


@pytest.fixture
def other_sandbox(settings):
    """A second push service (another origin) for per-host behaviour."""
    with PushSandbox() as sandbox:
        allow(settings, sandbox.origin)
        yield sandbox


class LoopbackServer:
    """An aiohttp app served from a thread; ``peers`` are the client ports it has seen."""

    def __init__(self, handler):
        self.handler = handler
        self.peers: set[int] = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.peers.add(request.transport.get_extra_info("peername")[1])
        return await self.handler(request)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.origin = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    def __enter__(self) -> "LoopbackServer":
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(5)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def loopback(settings) -> Iterator:
    def start(handler) -> LoopbackServer:
        server = stack.enter_context(LoopbackServer(handler))
        allow(settings, server.origin)
        return server

    from contextlib import ExitStack

    with ExitStack() as stack:
        yield start


def test_many_messages_over_http_all_arrive_decrypted_exactly(sandbox):
    subs = subscriptions(sandbox, 200)
    payloads = [secrets.token_bytes(50 + i) for i in range(len(subs))]
    results = send([push(s, p) for s, p in zip(subs, payloads, strict=True)],
                   concurrency=20, per_host=10, topic="campaign-1")
    assert [r.outcome for r in results] == [Outcome.SENT] * len(subs)
    for sub, payload in zip(subs, payloads, strict=True):
        [message] = sandbox.messages(sub["endpoint"])
        assert message.payload == payload
        assert (message.ttl, message.topic) == (600, "campaign-1")


def test_many_messages_over_tls_all_arrive_decrypted_exactly(tls_sandbox, settings):
    sandbox, client_ssl = tls_sandbox
    allow(settings, sandbox.origin)
    subs = subscriptions(sandbox, 200)
    payloads = [secrets.token_bytes(100) for _ in subs]
    results = send([push(s, p) for s, p in zip(subs, payloads, strict=True)], ssl=client_ssl)
    assert all(r.outcome is Outcome.SENT and r.status == 201 for r in results), results[:3]
    assert [sandbox.messages(s["endpoint"])[0].payload for s in subs] == payloads


def test_messages_encrypted_ahead_of_the_first_requests_fail_or_arrive_alone(sandbox):
    """The batch is encrypted in blocks (``ENCRYPT_BLOCK``) while the first requests are out.
    A corrupt key in any block fails that message only, and every other message reaches its
    own subscriber."""
    subs = subscriptions(sandbox, 90)
    corrupt = {2, 40, 89}  # one in each of the three blocks of 32
    messages = [push(s, b"message %d" % i) for i, s in enumerate(subs)]
    for i in corrupt:
        messages[i] = messages[i]._replace(p256dh=messages[i].p256dh[:-8] + "AAAAAAAA")

    results = send(messages, per_host=4)

    for i, (sub, result) in enumerate(zip(subs, results, strict=True)):
        if i in corrupt:
            assert result.outcome is Outcome.FAILED and "cannot encrypt" in result.reason
            assert sandbox.request_count(sub["endpoint"]) == 0
        else:
            assert result.outcome is Outcome.SENT, (i, result)
            assert [m.payload for m in sandbox.messages(sub["endpoint"])] == [b"message %d" % i]


def test_untrusted_certificate_is_retry_not_a_crash(tls_sandbox, settings):
    sandbox, _client_ssl = tls_sandbox
    allow(settings, sandbox.origin)
    [sub] = subscriptions(sandbox, 1)
    [result] = send([push(sub, b"hi")])  # system CAs do not know the test CA
    assert result.outcome is Outcome.RETRY and "connection failed" in result.reason
    assert sandbox.messages(sub["endpoint"]) == []


def test_mixed_behaviours_in_one_batch_each_get_their_own_result(sandbox):
    ok1, gone, busy, slow, corrupt, ok2 = subscriptions(sandbox, 6)
    sandbox.set_behaviour(gone["endpoint"], status=410)
    sandbox.set_behaviour(busy["endpoint"], status=500)
    sandbox.set_behaviour(slow["endpoint"], delay_ms=3000)
    corrupt_push = push(corrupt, b"x")._replace(p256dh=corrupt["keys"]["p256dh"][:-8] + "AAAAAAAA")
    messages = [push(ok1, b"one"), push(gone, b"x"), push(busy, b"x"), push(slow, b"x"),
                corrupt_push, push(ok2, b"two")]

    results = send(messages, timeout=0.5)

    assert [r.outcome for r in results] == [
        Outcome.SENT, Outcome.GONE, Outcome.RETRY, Outcome.RETRY, Outcome.FAILED, Outcome.SENT,
    ]
    assert (results[1].status, results[2].status) == (410, 500)
    assert results[3].reason == "timed out"
    assert "cannot encrypt" in results[4].reason
    assert sandbox.request_count(corrupt["endpoint"]) == 0
    assert [m.payload for m in sandbox.messages(ok1["endpoint"])] == [b"one"]
    assert [m.payload for m in sandbox.messages(ok2["endpoint"])] == [b"two"]


def test_429_defers_the_rest_of_that_push_service_only(sandbox, other_sandbox):
    throttled = subscriptions(other_sandbox, 5)
    other_sandbox.set_behaviour(None, status=429, retry_after=120)
    fine = subscriptions(sandbox, 5)
    messages = [push(s, b"x") for pair in zip(throttled, fine, strict=True) for s in pair]

    results = send(messages, per_host=1)

    first, *deferred = results[0::2]
    assert (first.outcome, first.status, first.retry_after) == (Outcome.RETRY, 429, 120.0)
    assert all(r.outcome is Outcome.RETRY and r.retry_after == 120.0 and r.status is None
               and r.reason.startswith("deferred") for r in deferred)
    assert other_sandbox.total_requests == 1  # not hammered again within the batch
    assert all(r.outcome is Outcome.SENT for r in results[1::2])


def test_503_also_defers_and_a_500_does_not(other_sandbox):
    subs = subscriptions(other_sandbox, 3)
    other_sandbox.set_behaviour(None, status=503)
    assert [r.status for r in send([push(s, b"x") for s in subs], per_host=1)] == [503, None, None]
    other_sandbox.reset()
    other_sandbox.set_behaviour(None, status=500)
    assert [r.status for r in send([push(s, b"x") for s in subs], per_host=1)] == [500] * 3


def test_endpoint_outside_the_policy_fails_without_a_request(sandbox, settings):
    [sub] = subscriptions(sandbox, 1)
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "ALLOWED_ENDPOINT_ORIGINS": []}
    [result] = send([push(sub, b"x")])
    assert result.outcome is Outcome.FAILED and "endpoint refused" in result.reason
    assert sandbox.request_count(sub["endpoint"]) == 0


@pytest.mark.parametrize("status", [301, 307])
def test_redirects_are_not_followed(sandbox, loopback, status):
    [sub] = subscriptions(sandbox, 1)

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": sub["endpoint"]})

    server = loopback(redirect)
    [result] = send([push(sub, b"x")._replace(endpoint=server.origin + "/push/x")])
    assert result.outcome is Outcome.FAILED and result.status == status
    assert sandbox.request_count(sub["endpoint"]) == 0


def test_error_bodies_are_read_only_up_to_the_bound(sandbox, loopback):
    [sub] = subscriptions(sandbox, 1)

    async def huge(request: web.Request) -> web.Response:
        return web.Response(status=400, body=b"e" * 1_000_000)

    server = loopback(huge)
    [result] = send([push(sub, b"x")._replace(endpoint=server.origin + "/p")],
                    max_response_bytes=64)
    assert result.outcome is Outcome.FAILED and result.status == 400
    assert len(result.reason) < 200


def test_connections_are_reused_within_and_across_chunks(sandbox, loopback):
    [sub] = subscriptions(sandbox, 1)

    async def created(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=201)

    server = loopback(created)
    message = push(sub, b"x")._replace(endpoint=server.origin + "/push/a")
    for _chunk in range(3):
        results = send([message] * 100, per_host=4, reuse_connections=True)
        assert all(r.outcome is Outcome.SENT for r in results)
    assert 1 <= len(server.peers) <= 4  # 300 requests over at most 4 connections


def test_bad_urgency_or_topic_is_the_callers_error(sandbox):
    [sub] = subscriptions(sandbox, 1)
    with pytest.raises(ValueError):
        send([push(sub, b"x")], urgency="asap")
    with pytest.raises(ValueError):
        send([push(sub, b"x")], topic="not a topic!")


def test_a_dropped_connection_is_tried_once_more_then_retry_later(sandbox, loopback):
    [sub] = subscriptions(sandbox, 1)
    seen = []

    async def drop_first(request: web.Request) -> web.Response:
        seen.append(request.path)
        if len(seen) == 1 or request.path == "/always":
            request.transport.close()  # no answer at all, like an idle connection closed
        return web.Response(status=201)

    server = loopback(drop_first)
    message = push(sub, b"x")._replace(endpoint=server.origin + "/once")
    [result] = send([message])
    assert result.outcome is Outcome.SENT and seen == ["/once", "/once"]
    [result] = send([message._replace(endpoint=server.origin + "/always")])
    assert result.outcome is Outcome.RETRY and result.reason.startswith("connection failed")


def test_the_sync_wrapper_works_from_several_threads_at_once(sandbox):
    subs = subscriptions(sandbox, 40)
    outcomes: list = []

    def worker(part: list[dict]) -> None:
        outcomes.extend(r.outcome for r in send([push(s, b"t") for s in part],
                                                reuse_connections=True))

    threads = [threading.Thread(target=worker, args=(subs[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == [Outcome.SENT] * 40
    assert all(len(sandbox.messages(s["endpoint"])) == 1 for s in subs)


def test_requests_carry_no_accept_headers(sandbox, loopback):
    [sub] = subscriptions(sandbox, 1)
    seen = []

    async def created(request: web.Request) -> web.Response:
        seen.append(request.headers.copy())
        await request.read()
        return web.Response(status=201)

    server = loopback(created)
    [result] = send([push(sub, b"x")._replace(endpoint=server.origin + "/push/a")])
    assert result.outcome is Outcome.SENT
    [headers] = seen
    assert "Accept-Encoding" not in headers and "Accept" not in headers
    assert headers["Content-Encoding"] == "aes128gcm" and headers["TTL"] == "600"
