"""``PushSandbox``: the push service sandbox running in a background thread."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from .faults import Behaviour, FaultInjector
from .models import ReceivedMessage, Rejection
from .server import SANDBOX_KEY, build_app
from .state import SandboxState, subscription_id_of


class PushSandbox:
    """A loopback HTTP(S) server that behaves like a browser push service (RFC 8030).

    ``port=0`` picks a free port, unless ``state_file`` already names a base URL, whose
    port is then reused so stored endpoints stay valid. Use ``start()``/``stop()`` or
    ``with PushSandbox() as sb: ...``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | os.PathLike | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.state = SandboxState.load(state_file) if state_file is not None else SandboxState()
        self.faults = FaultInjector()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._check_state_url()

    # -- lifecycle ----------------------------------------------------------------------
    def _check_state_url(self) -> None:
        stored = self.state.base_url
        if not stored:
            return
        parts = urlsplit(stored)
        scheme = "https" if self.ssl_context else "http"
        if parts.scheme != scheme:
            raise ValueError(f"state file is for {stored}, but this sandbox serves {scheme}")
        stored_port = parts.port or (443 if scheme == "https" else 80)
        if self.port == 0:
            self.port = stored_port
        elif self.port != stored_port:
            raise ValueError(f"state file is for {stored}, not port {self.port}")

    def start(self) -> PushSandbox:
        """Start serving in a daemon thread; returns once the socket is listening."""
        if self._thread is not None:
            raise RuntimeError("sandbox already started")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name="push-sandbox", daemon=True
        )
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = self._loop = None
            raise failure[0]
        return self

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # report bind errors etc. to start()
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        runner = web.AppRunner(
            build_app(self.state, self.faults), access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=self.ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        if not self.state.base_url:
            self.state.base_url = self._url_for(self.host, self.port)
        self.state.save_if_dirty()

    def _url_for(self, host: str, port: int) -> str:
        scheme = "https" if self.ssl_context else "http"
        if host in ("", "0.0.0.0", "::"):  # noqa: S104 (reads the bind address, binds nothing)
            host = "127.0.0.1"  # a wildcard bind is reached through loopback
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{port}"

    @staticmethod
    async def _shutdown(runner: web.AppRunner) -> None:
        await runner.cleanup()
        # Let transports closed just now (e.g. failed TLS handshakes) finish closing
        # before the loop goes away, else they are reported as unclosed.
        await asyncio.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and save the state file; safe to call twice."""
        loop, thread, runner = self._loop, self._thread, self._runner
        if loop is None or thread is None:
            return
        if runner is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(runner), loop).result(timeout=15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        self._loop = self._thread = self._runner = None
        self.state.save_if_dirty()

    def __enter__(self) -> PushSandbox:
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server thread is up."""
        return self._thread is not None and self._thread.is_alive()

    # -- addresses ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http(s)://host:port`` of the running sandbox (endpoints live under it)."""
        if not self.state.base_url:
            raise RuntimeError("sandbox not started")
        return self.state.base_url

    @property
    def origin(self) -> str:
        """The origin VAPID ``aud`` must name (same as ``base_url``)."""
        return self.state.origin

    # -- subscriptions and messages ----------------------------------------------------
    def subscribe(self, application_server_key: str) -> dict[str, Any]:
        """Create a subscription bound to this VAPID public key; returns PushSubscription."""
        sub = self.state.create_subscription(application_server_key)
        self.state.save_if_dirty()
        return sub

    def messages(self, endpoint_or_id: str) -> list[ReceivedMessage]:
        """Accepted messages of one subscription, oldest first."""
        return self.state.messages(endpoint_or_id)

    def all_messages(self) -> list[ReceivedMessage]:
        """Accepted messages of every subscription, oldest first."""
        return self.state.all_messages()

    def clear_messages(self) -> None:
        """Empty all inboxes (subscriptions stay)."""
        self.state.clear_messages()

    # -- faults -------------------------------------------------------------------------
    def set_behaviour(
        self,
        endpoint_or_id: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        delay_ms: int = 0,
        fail_rate: float = 0.0,
        fail_status: int = 500,
        seed: int | None = None,
        fail_mix: dict[str, float] | None = None,
        hang_ms: int = 10_000,
        accept_status: int = 201,
        show_rate: float = 0.0,
        click_rate: float = 0.0,
        site_url: str | None = None,
    ) -> None:
        """Inject faults for one subscription, or for all when ``endpoint_or_id`` is None.

        ``status``: always answer it (``retry_after`` adds ``Retry-After``);
        ``delay_ms``: answer slowly; ``fail_rate``/``fail_status``: fail that fraction at
        random (``seed`` makes it reproducible); ``fail_mix`` spreads those failures over
        statuses, ``"timeout"`` (held ``hang_ms``, then dropped) and ``"reset"`` by weight;
        ``accept_status``: answer accepted messages with 200 or 202 instead of 201;
        ``show_rate``/``click_rate``: play the reader, showing and clicking that fraction of
        accepted messages through their receipt and click links on ``site_url``.
        """
        behaviour = Behaviour(
            status=status,
            retry_after=retry_after,
            delay_ms=delay_ms,
            fail_rate=fail_rate,
            fail_status=fail_status,
            seed=seed,
            fail_mix=fail_mix,
            hang_ms=hang_ms,
            accept_status=accept_status,
            show_rate=show_rate,
            click_rate=click_rate,
            site_url=site_url,
        )
        sub_id = None if endpoint_or_id is None else subscription_id_of(endpoint_or_id)
        self.faults.set(sub_id, behaviour)

    def reset_behaviour(self, endpoint_or_id: str | None = None) -> None:
        """Normal behaviour again, for one subscription or for all."""
        self.faults.reset(None if endpoint_or_id is None else subscription_id_of(endpoint_or_id))

    def request_count(self, endpoint_or_id: str) -> int:
        """Push requests received for this subscription, accepted or not."""
        return self.faults.count(subscription_id_of(endpoint_or_id))

    @property
    def reader_log(self) -> list[tuple[str, str, int | str]]:
        """The reader's receipts and clicks: (what, URL, HTTP status or error), oldest first."""
        return list(self._handlers().reader.log)

    def pause_reader(self) -> None:
        """Hold the reader's receipts and clicks until :meth:`wait_for_reader`."""
        self._in_loop(self._handlers().reader.pause)

    def wait_for_reader(self, timeout: float = 15) -> None:
        """Let a paused reader go on, and wait until the receipts and clicks scheduled so far
        have been sent (or given up)."""
        if self._loop is None:
            return
        reader = self._handlers().reader
        self._in_loop(reader.resume)
        asyncio.run_coroutine_threadsafe(reader.wait(), self._loop).result(timeout=timeout)

    def _in_loop(self, call) -> None:
        """Run ``call`` in the server's event loop (its asyncio objects belong there)."""
        if self._loop is None:
            raise RuntimeError("sandbox not started")

        async def run() -> None:
            call()

        asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=15)

    def _handlers(self):
        if self._runner is None:
            raise RuntimeError("sandbox not started")
        return self._runner.app[SANDBOX_KEY]

    @property
    def total_requests(self) -> int:
        """Push requests received for any id."""
        return self.faults.total_count()

    @property
    def rejections(self) -> list[Rejection]:
        """Refused push requests as ``(subscription_id, status, reason)``, oldest first."""
        return self.faults.rejections

    def reset(self) -> None:
        """Behaviours, counters, rejections, the reader's log and inboxes back to empty;
        subscriptions stay."""
        self.faults.reset()
        self.faults.clear_log()
        self.state.clear_messages()
        if self._runner is not None:
            self._in_loop(self._handlers().reader.reset)


def free_port(host: str = "127.0.0.1") -> int:
    """A currently free TCP port (for offline state files that need a fixed base URL)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
