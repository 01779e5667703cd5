"""The aiohttp application of the push sandbox (RFC 8030 push service behaviour)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import struct
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import CONNECTION_FAULTS, Behaviour, FaultInjector
from .inbox import render_inbox, subscription_json
from .keys import DecryptionError, decrypt_aes128gcm
from .models import URGENCIES
from .reader import Reader
from .state import SandboxState
from .vapid_check import VapidError, VapidVerifier


MAX_PAYLOAD = 4096  # RFC 8030 section 7.2: push services must accept at least 4096 bytes
CLIENT_MAX_SIZE = 64 * 1024  # hard cap on any request body
FLUSH_INTERVAL = 0.25  # seconds between state-file saves while changes are pending
_ID = "{sub_id:[A-Za-z0-9_-]+}"
_TTL_RE = re.compile(r"^[0-9]{1,10}$")
_TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Reject(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@web.middleware
async def _cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Demo pages on another origin call /subscriptions and /control from the browser.
    response: web.StreamResponse
    if request.method == "OPTIONS":
        response = web.Response(status=204)
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = web.Response(status=exc.status, text=exc.text, headers=exc.headers)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = (
        "Content-Type, Content-Encoding, Authorization, TTL, Urgency, Topic"
    )
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Expose-Headers"] = "Location, Retry-After"
    return response


class SandboxApp:
    """Request handlers bound to one :class:`SandboxState` and :class:`FaultInjector`."""

    def __init__(self, state: SandboxState, faults: FaultInjector):
        self.state = state
        self.faults = faults
        self.verifier = VapidVerifier()
        self.reader = Reader()
        self._flush_task: asyncio.Future[None] | None = None
        # Transports of connections that made requests, to abort them at shutdown.
        self.transports: weakref.WeakSet[asyncio.Transport] = weakref.WeakSet()

    @web.middleware
    async def track_connections(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Remember each request's transport (see :meth:`on_cleanup`)."""
        if request.transport is not None:
            self.transports.add(request.transport)
        return await handler(request)

    # -- push ---------------------------------------------------------------------------
    async def push(self, request: web.Request) -> web.StreamResponse:
        """``POST /push/<id>``: verify, decrypt and store a push message."""
        sub_id = request.match_info["sub_id"]
        # The answer leaves no sooner than delay_ms after the request came (network latency):
        # the checks below run meanwhile, so concurrent slow requests do not queue up behind
        # each other's decryption after sleeping together.
        answer_at = asyncio.get_running_loop().time()
        delay_ms, injected, retry_after = self.faults.decide(sub_id)
        answer_at += delay_ms / 1000
        sub = self.state.get(sub_id)
        if sub is None:
            return self._reject(sub_id, 404, "no such subscription")
        if injected is not None:
            await _sleep_until(answer_at)
            if injected in CONNECTION_FAULTS:
                return await self._connection_fault(request, sub_id, str(injected))
            injected = int(injected)  # the other faults are statuses
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            if injected >= 400:
                self.faults.reject(sub_id, injected, "injected fault")
            return web.Response(status=injected, text="injected fault\n", headers=headers)
        try:
            claims = self.verifier.verify(
                request.headers.get("Authorization"),
                sub.application_server_key,
                self.state.origin,
            )
            ttl, urgency, topic = self._push_headers(request)
            body = await self._read_body(request)
            if body:
                payload = decrypt_aes128gcm(body, sub.private_key, sub.auth_secret, sub.p256dh_raw)
            else:
                payload = b""  # RFC 8030 allows pushes without a payload
        except (VapidError, _Reject) as exc:
            await _sleep_until(answer_at)
            return self._reject(sub_id, exc.status, exc.reason)
        except DecryptionError as exc:
            await _sleep_until(answer_at)
            return self._reject(sub_id, 400, str(exc))
        # Stored when the answer goes, as before: a slow message is in the inbox only once the
        # push service has answered for it (or would have, had the sender waited).
        await _sleep_until(answer_at)
        msg = self.state.record_message(
            sub_id, payload, ttl=ttl, urgency=urgency, topic=topic, vapid_claims=claims
        )
        reaction = self.faults.reaction(sub_id)
        if reaction is not None:
            self.reader.react(msg.parsed, reaction)  # after the answer, as a device would
        headers = {"Location": f"/message/{msg.message_id}", "TTL": str(ttl)}
        return web.Response(status=self.faults.accept_status(sub_id), headers=headers)

    async def _connection_fault(self, request: web.Request, sub_id: str,
                                kind: str) -> web.StreamResponse:
        """No HTTP answer at all: hold the request (``"timeout"``) or reset the connection."""
        self.faults.reject(sub_id, 0, f"injected {kind}")
        if kind == "timeout":
            await asyncio.sleep(self.faults.hang_ms(sub_id) / 1000)
        transport = request.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    # Linger 0: close() sends a TCP RST instead of an orderly FIN.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        # The connection is gone; aiohttp has nobody to send this to.
        return web.Response(status=499)

    @staticmethod
    def _push_headers(request: web.Request) -> tuple[int, str, str | None]:
        ttl_header = request.headers.get("TTL")
        if ttl_header is None:
            raise _Reject(400, "missing TTL header")
        if not _TTL_RE.match(ttl_header.strip()):
            raise _Reject(400, f"TTL must be a non-negative integer, got {ttl_header!r}")
        urgency = request.headers.get("Urgency", "normal").strip()
        if urgency not in URGENCIES:
            raise _Reject(400, f"Urgency must be one of {', '.join(URGENCIES)}")
        topic = request.headers.get("Topic")
        if topic is not None and not _TOPIC_RE.match(topic):
            raise _Reject(400, "Topic must be 1-32 characters of the base64url alphabet")
        return int(ttl_header), urgency, topic

    @staticmethod
    async def _read_body(request: web.Request) -> bytes:
        encoding = request.headers.get("Content-Encoding", "").strip().lower()
        if request.content_length is not None and request.content_length > MAX_PAYLOAD:
            raise _Reject(413, f"payload larger than {MAX_PAYLOAD} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            raise _Reject(413, f"payload larger than {MAX_PAYLOAD} bytes") from exc
        if len(body) > MAX_PAYLOAD:
            raise _Reject(413, f"payload larger than {MAX_PAYLOAD} bytes")
        if body and encoding != "aes128gcm":
            raise _Reject(415, "Content-Encoding must be aes128gcm")
        return body

    def _reject(self, sub_id: str, status: int, reason: str) -> web.Response:
        self.faults.reject(sub_id, status, reason)
        return web.Response(status=status, text=reason + "\n")

    async def message(self, request: web.Request) -> web.Response:
        """``GET /message/<id>``: the stored message (the 201's Location)."""
        msg = self.state.message(request.match_info["msg_id"])
        if msg is None:
            raise web.HTTPNotFound(text="no such message\n")
        return web.json_response(msg.to_dict())

    # -- subscriptions & control -------------------------------------------------------
    async def subscribe(self, request: web.Request) -> web.Response:
        """``POST /subscriptions`` ``{"applicationServerKey": ...}`` -> PushSubscription."""
        data = await _json_body(request)
        key = data.get("applicationServerKey")
        if not isinstance(key, str):
            raise web.HTTPBadRequest(text="applicationServerKey (base64url string) required\n")
        try:
            sub = self.state.create_subscription(key)
        except ValueError as exc:
            raise web.HTTPBadRequest(text=f"bad applicationServerKey: {exc}\n") from exc
        return web.json_response(sub, status=201)

    async def list_subscriptions(self, request: web.Request) -> web.Response:
        """``GET /subscriptions``: every PushSubscription."""
        return web.json_response([s.push_subscription() for s in self.state.subscriptions()])

    async def control(self, request: web.Request) -> web.Response:
        """``POST /control[/<id>]``: set (or ``{"reset": true}``) fault behaviour."""
        sub_id = request.match_info.get("sub_id")
        if sub_id is not None and self.state.get(sub_id) is None:
            raise web.HTTPNotFound(text="no such subscription\n")
        data = await _json_body(request)
        if data.get("reset"):
            self.faults.reset(sub_id)
            return web.json_response({"reset": True, "subscription": sub_id})
        try:
            behaviour = Behaviour.from_json(data)
        except ValueError as exc:
            raise web.HTTPBadRequest(text=f"bad behaviour: {exc}\n") from exc
        self.faults.set(sub_id, behaviour)
        return web.json_response({"subscription": sub_id, **behaviour.to_json()})

    async def control_state(self, request: web.Request) -> web.Response:
        """``GET /control``: behaviours, request counts and rejections."""
        return web.json_response(self.faults.snapshot())

    async def reset_all(self, request: web.Request) -> web.Response:
        """``POST /reset``: behaviours, counters, rejections, the reader's log and inboxes back
        to empty."""
        self.faults.reset()
        self.faults.clear_log()
        self.reader.reset()
        self.state.clear_messages()
        return web.json_response({"reset": True})

    # -- inbox --------------------------------------------------------------------------
    async def inbox_html(self, request: web.Request) -> web.Response:
        """``GET /inbox`` and ``GET /inbox/<id>``: the device inbox page."""
        sub_id = request.match_info.get("sub_id")
        with self.state.lock:  # render from a consistent view
            if sub_id is None:
                html = render_inbox(self.state.subscriptions())
            else:
                sub = self.state.get(sub_id)
                if sub is None:
                    raise web.HTTPNotFound(text="no such subscription\n")
                html = render_inbox(
                    [sub], title=f"Push sandbox inbox - {sub_id}", json_href=f"/inbox/{sub_id}.json"
                )
        return web.Response(text=html, content_type="text/html")

    async def inbox_json(self, request: web.Request) -> web.Response:
        """``GET /inbox.json`` and ``GET /inbox/<id>.json``."""
        sub_id = request.match_info.get("sub_id")
        with self.state.lock:
            if sub_id is None:
                subs = self.state.subscriptions()
                data: dict[str, Any] = {
                    "base_url": self.state.base_url,
                    "subscriptions": [subscription_json(s, self.faults.count(s.id)) for s in subs],
                }
            else:
                sub = self.state.get(sub_id)
                if sub is None:
                    raise web.HTTPNotFound(text="no such subscription\n")
                data = subscription_json(sub, self.faults.count(sub_id))
        return web.json_response(data)

    async def health(self, request: web.Request) -> web.Response:
        """``GET /health``."""
        return web.json_response({"ok": True, "subscriptions": len(self.state)})

    # -- lifecycle ----------------------------------------------------------------------
    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            await loop.run_in_executor(None, self.state.save_if_dirty)

    async def on_startup(self, app: web.Application) -> None:
        """Start the periodic state-file flush."""
        if self.state.path is not None:
            self._flush_task = asyncio.ensure_future(self._flush_loop())

    async def on_cleanup(self, app: web.Application) -> None:
        """Stop flushing, drop lingering connections and write the final state."""
        # A graceful TLS close waits for the client's close_notify, which an idle
        # keep-alive client never sends; abort so nothing outlives the event loop.
        for transport in list(self.transports):
            transport.abort()
        await self.reader.close()
        task, self._flush_task = self._flush_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.state.save_if_dirty()


async def _sleep_until(when: float) -> None:
    delay = when - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json() if await request.read() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(text=f"body must be JSON: {exc}\n") from exc
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object\n")
    return data


SANDBOX_KEY = web.AppKey("sandbox", SandboxApp)


def build_app(state: SandboxState, faults: FaultInjector | None = None) -> web.Application:
    """The aiohttp application serving ``state``."""
    handlers = SandboxApp(state, faults or FaultInjector())
    app = web.Application(
        client_max_size=CLIENT_MAX_SIZE, middlewares=[_cors, handlers.track_connections]
    )
    app[SANDBOX_KEY] = handlers
    app.on_startup.append(handlers.on_startup)
    app.on_cleanup.append(handlers.on_cleanup)
    app.router.add_post(f"/push/{_ID}", handlers.push)
    app.router.add_get("/message/{msg_id:[A-Za-z0-9_-]+}", handlers.message)
    app.router.add_post("/subscriptions", handlers.subscribe)
    app.router.add_get("/subscriptions", handlers.list_subscriptions)
    app.router.add_post("/control", handlers.control)
    app.router.add_post(f"/control/{_ID}", handlers.control)
    app.router.add_get("/control", handlers.control_state)
    app.router.add_post("/reset", handlers.reset_all)
    app.router.add_get("/inbox", handlers.inbox_html)
    app.router.add_get("/inbox.json", handlers.inbox_json)
    app.router.add_get(f"/inbox/{_ID}.json", handlers.inbox_json)
    app.router.add_get(f"/inbox/{_ID}", handlers.inbox_html)
    app.router.add_get("/health", handlers.health)
    return app
