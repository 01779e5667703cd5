"""Send a chunk of pushes concurrently: encrypt, sign once per push service, POST, classify.

Plain data in (:class:`OutgoingPush`), plain results out (:class:`PushResult`, same order); no
Django models, so workers, benchmarks and tests call the same code.

- One aiohttp session per batch (or per worker process through :func:`send_many_sync`), so
  TLS connections to a push service are reused; bounded overall and per push-service origin.
- The endpoint policy is re-checked per message (once, when the batch is sorted by push
  service); redirects are never followed; each request has a total timeout; only a bounded
  prefix of an error body is read.
- A message's own fault (corrupt key, refused endpoint) fails that message only.
- A push service that answers 429 or 503 is left alone for the rest of the batch: messages to
  that origin not yet sent come back RETRY with its Retry-After, without a request.
"""

import asyncio
import atexit
import contextlib
import itertools
import os
import ssl as ssl_module
import threading
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import NamedTuple

import aiohttp
from yarl import URL

from .encryption import EncryptionError, Encryptor
from .endpoint_policy import EndpointRejected, checked_origin
from .headers import TOPIC, URGENCIES, push_headers
from .results import Outcome, PushResult, classify
from .safe_resolver import SafeResolver, refusal_in
from .vapid import VapidSigner


THROTTLE_STATUSES = (429, 503)
#: Reason prefix of messages held back (never sent) because their push service throttled.
DEFERRED = "deferred:"
DNS_CACHE_SECONDS = 300
SKIPPED_AUTO_HEADERS = ("Accept", "Accept-Encoding")
#: Messages encrypted in one go, ahead of the requests (see ``_Batch.encrypt_ahead``).
ENCRYPT_BLOCK = 32


class OutgoingPush(NamedTuple):
    """One message for one subscription; ``ttl``/``topic`` override the batch's when set."""

    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int | None = None
    topic: str | None = None


def make_connector(
    concurrency: int, per_host: int, ssl: ssl_module.SSLContext | None = None
) -> aiohttp.TCPConnector:
    """The one place the sender's connections are made: pooled per push-service origin,
    bounded overall and per origin (call inside a loop)."""
    return aiohttp.TCPConnector(
        limit=concurrency, limit_per_host=per_host, ttl_dns_cache=DNS_CACHE_SECONDS,
        ssl=ssl if ssl is not None else True,
        # Connects only to public addresses (or the listed development origins), checked
        # after DNS resolution, so a listed host resolving to 10.x is never reached.
        resolver=SafeResolver(),
    )


def make_session(
    concurrency: int, per_host: int, ssl: ssl_module.SSLContext | None = None
) -> aiohttp.ClientSession:
    """A session whose connector keeps connections per push service (call inside a loop)."""
    # No cookies: push services have no business setting state on us. No Accept or
    # Accept-Encoding: the answer is a status, its body (if any) is read raw and bounded.
    return aiohttp.ClientSession(
        connector=make_connector(concurrency, per_host, ssl),
        cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
        skip_auto_headers=SKIPPED_AUTO_HEADERS,
    )


def _unexpected(exc: Exception) -> PushResult:
    return PushResult(Outcome.FAILED, reason=f"unexpected error: {exc!r}"[:300])


class _Batch:
    """State of one ``send_many`` call: results, per-origin queues and throttles."""

    def __init__(self, messages: Sequence[OutgoingPush], signer: VapidSigner, ttl: int,
                 urgency: str, topic: str, timeout: float, max_response_bytes: int):
        self.messages = messages
        self.signer, self.ttl, self.urgency, self.topic = signer, ttl, urgency, topic
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_response_bytes = max_response_bytes
        self.results: list[PushResult | None] = [None] * len(messages)
        self.bodies: list[bytes | None] = [None] * len(messages)
        self.headers: dict[tuple[str, int, str], dict[str, str]] = {}
        self.throttled: dict[str, PushResult] = {}
        self.encryptor = Encryptor()
        self.ready = asyncio.get_running_loop().create_future()

    def encrypt(self, indexes: Sequence[int]) -> None:
        """Encrypt these messages; one that cannot be encrypted gets its FAILED result."""
        for index in indexes:
            msg = self.messages[index]
            try:
                self.bodies[index] = self.encryptor.encrypt(msg.payload, msg.p256dh, msg.auth)
            except (EncryptionError, ValueError, TypeError, AttributeError) as exc:
                self.results[index] = PushResult(
                    Outcome.FAILED, reason=f"cannot encrypt for this subscription: {exc}"
                )
            except Exception as exc:  # a bug for one message must not sink the batch
                self.results[index] = _unexpected(exc)

    async def encrypt_ahead(self, order: list[int]) -> None:
        """Encrypt the batch a block a turn of the loop, ahead of the workers, which wait on
        ``ready`` until theirs is done.

        Blocks rather than one message just before its request: in a tight loop the curve's
        tables stay in the CPU's cache (~11 % less CPU a message, docs/benchmarks.md). Small
        blocks rather than the whole batch first: the first requests leave after one block,
        and between blocks the loop sends what is ready, so the push service is not left
        waiting while a whole chunk is encrypted (on a 2-core machine that shares the cores
        with the sandbox, encrypting the first wave of 100 up front cost 5 % of the rate)."""
        try:
            for start in range(0, len(order), ENCRYPT_BLOCK):
                self.encrypt(order[start:start + ENCRYPT_BLOCK])
                self._wake()
                await asyncio.sleep(0)
        except BaseException:  # cancelled or failed: no worker may wait for a body forever
            for index in order:
                if self.bodies[index] is None and self.results[index] is None:
                    self.results[index] = PushResult(Outcome.FAILED, reason="not encrypted")
            self._wake()
            raise

    def _wake(self) -> None:
        ready, self.ready = self.ready, asyncio.get_running_loop().create_future()
        ready.set_result(None)

    def prepare(self, index: int, origin: str) -> tuple[URL, bytes, dict[str, str]] | PushResult:
        """URL, body and headers of a checked, encrypted message; or the FAILED result that
        stops it."""
        msg, body = self.messages[index], self.bodies[index]
        ttl = self.ttl if msg.ttl is None else msg.ttl
        topic = self.topic if msg.topic is None else msg.topic
        headers = self.headers.get((origin, ttl, topic))
        if headers is None:
            try:
                headers = push_headers(self.signer, msg.endpoint, ttl, self.urgency, topic)
            except ValueError as exc:
                return PushResult(Outcome.FAILED, reason=str(exc))
            self.headers[(origin, ttl, topic)] = headers
        # Checked by the policy (no spaces or control characters): an ASCII endpoint is sent
        # as it is, which spares yarl re-quoting it per message.
        return URL(msg.endpoint, encoded=msg.endpoint.isascii()), body, headers

    async def post(self, session: aiohttp.ClientSession, endpoint: URL, body: bytes,
                   headers: dict[str, str]) -> PushResult:
        for attempt in (1, 2):
            try:
                async with session.post(endpoint, data=body, headers=headers, allow_redirects=False,
                                        timeout=self.timeout) as response:
                    status = response.status
                    text = b""
                    if status >= 300:
                        # Only a bounded prefix, for the reason; never the whole body.
                        text = await response.content.read(self.max_response_bytes)
                    retry_after = response.headers.get("Retry-After")
                break
            except aiohttp.ServerDisconnectedError:
                # A kept-alive connection the service closed while idle: try once more on a new
                # one (should it have been delivered after all, the Topic replaces it).
                if attempt == 2:
                    return PushResult(Outcome.RETRY, reason="connection failed: disconnected")
            except TimeoutError:
                return PushResult(Outcome.RETRY, reason="timed out")
            except aiohttp.ClientError as exc:
                refused = refusal_in(exc)
                if refused:  # resolved to a private address: fail it, expire nobody
                    return PushResult(Outcome.FAILED, reason=refused)
                reason = f"connection failed: {exc.__class__.__name__}"
                return PushResult(Outcome.RETRY, reason=reason)
        if 300 <= status < 400:
            return PushResult(Outcome.FAILED, status, reason="push service answered a redirect")
        return classify(status, retry_after, text.decode("utf-8", "replace"))

    async def drain(self, session: aiohttp.ClientSession, origin: str, queue: deque[int],
                    gate: asyncio.Semaphore | None) -> None:
        """One of an origin's workers: take its next message until the queue is empty."""
        while queue:
            index = queue.popleft()
            while self.bodies[index] is None and self.results[index] is None:
                await self.ready  # the encryptor has not reached this message yet
            # After the wait: a throttle that came meanwhile holds this message back too.
            throttle = self.throttled.get(origin)
            if throttle is not None:
                self.results[index] = throttle
                continue
            if self.results[index] is not None:  # it could not be encrypted
                continue
            try:
                prepared = self.prepare(index, origin)
                if isinstance(prepared, PushResult):
                    self.results[index] = prepared
                    continue
                if gate is None:
                    result = await self.post(session, *prepared)
                else:
                    async with gate:
                        result = await self.post(session, *prepared)
            except Exception as exc:  # a bug for one message must not sink the batch
                result = _unexpected(exc)
            self.results[index] = result
            if result.status in THROTTLE_STATUSES and origin not in self.throttled:
                self.throttled[origin] = PushResult(
                    Outcome.RETRY, None, result.retry_after,
                    f"{DEFERRED} {origin} answered HTTP {result.status}, not sent",
                )


async def send_many(
    messages: Sequence[OutgoingPush],
    *,
    signer: VapidSigner,
    ttl: int,
    urgency: str = "normal",
    topic: str = "",
    timeout: float = 10.0,
    max_response_bytes: int = 4096,
    concurrency: int = 200,
    per_host: int = 100,
    ssl: ssl_module.SSLContext | None = None,
    session: aiohttp.ClientSession | None = None,
) -> list[PushResult]:
    """Send every message; one :class:`PushResult` per message, in input order.

    ``session`` reuses a caller's session (its connector sets the limits); otherwise one is
    made for this batch from ``concurrency``, ``per_host`` and ``ssl``.
    """
    if urgency not in URGENCIES or (topic and not TOPIC.match(topic)):
        raise ValueError(f"bad urgency {urgency!r} or topic {topic!r}")  # the caller's bug
    batch = _Batch(messages, signer, ttl, urgency, topic, timeout, max_response_bytes)
    queues: dict[str, deque[int]] = defaultdict(deque)
    for index, msg in enumerate(messages):
        try:
            queues[checked_origin(msg.endpoint)].append(index)
        except EndpointRejected as exc:
            batch.results[index] = PushResult(Outcome.FAILED, reason=f"endpoint refused: {exc}")
    counts = {origin: min(max(1, per_host), len(queue)) for origin, queue in queues.items()}
    # Encrypted in the order the workers take the messages (the origins in turn).
    order = [i for row in itertools.zip_longest(*queues.values()) for i in row if i is not None]
    ahead = asyncio.create_task(batch.encrypt_ahead(order))
    # The overall bound needs a semaphore only when the origins' workers could exceed it.
    gate = asyncio.Semaphore(max(1, concurrency)) if sum(counts.values()) > concurrency else None
    own = session is None
    session = session or make_session(concurrency, per_host, ssl)
    try:
        await asyncio.gather(*(
            batch.drain(session, origin, queues[origin], gate)
            for origin, count in counts.items() for _ in range(count)
        ))
    finally:
        ahead.cancel()  # still running only if a throttle left messages unsent
        with contextlib.suppress(asyncio.CancelledError):
            await ahead
        if own:
            await session.close()
    return [r or PushResult(Outcome.FAILED, reason="not sent") for r in batch.results]


class _ProcessLoop:
    """One event loop and one session per worker process (and thread), so a worker's chunks
    reuse the TLS connections of the chunks before (a new loop per chunk would handshake
    again)."""

    def __init__(self) -> None:
        self.pid = 0
        self.runner: asyncio.Runner | None = None
        self.session: aiohttp.ClientSession | None = None
        self.key: tuple = ()

    def run(self, messages: Sequence[OutgoingPush], ssl: ssl_module.SSLContext | None,
            concurrency: int, per_host: int, **options) -> list[PushResult]:
        if self.pid != os.getpid():  # forked: the parent's loop and sockets are not ours
            self.runner, self.session, self.pid = None, None, os.getpid()
        if self.runner is None:
            self.runner = asyncio.Runner()
        key = (ssl, concurrency, per_host)  # the context itself: an id could be reused
        if self.session is not None and (self.key != key or self.session.closed):
            self.runner.run(self.session.close())
            self.session = None
        if self.session is None:
            self.session = self.runner.run(_new_session(concurrency, per_host, ssl))
            self.key = key
        return self.runner.run(send_many(
            messages, concurrency=concurrency, per_host=per_host, session=self.session, **options
        ))

    def close(self) -> None:
        if self.runner is not None and self.pid == os.getpid():
            if self.session is not None:
                self.runner.run(self.session.close())
            self.runner.close()
        self.runner = self.session = None


async def _new_session(concurrency: int, per_host: int,
                       ssl: ssl_module.SSLContext | None) -> aiohttp.ClientSession:
    return make_session(concurrency, per_host, ssl)


_per_thread = threading.local()
_all_loops: list[_ProcessLoop] = []


def _process_loop() -> _ProcessLoop:
    loop = getattr(_per_thread, "loop", None)
    if loop is None:  # asyncio.Runner is not thread-safe: one per thread that sends
        loop = _per_thread.loop = _ProcessLoop()
        _all_loops.append(loop)
    return loop


@atexit.register
def _close_loops() -> None:
    for loop in _all_loops:
        with contextlib.suppress(Exception):  # a thread's loop may be mid-run at exit
            loop.close()


def send_many_sync(
    messages: Sequence[OutgoingPush],
    *,
    signer: VapidSigner,
    ttl: int,
    urgency: str = "normal",
    topic: str = "",
    timeout: float = 10.0,
    max_response_bytes: int = 4096,
    concurrency: int = 200,
    per_host: int = 100,
    ssl: ssl_module.SSLContext | None = None,
    reuse_connections: bool = True,
) -> list[PushResult]:
    """:func:`send_many` from synchronous code (a django-q2 worker, the engine).

    With ``reuse_connections`` the process keeps one loop and session between calls; without
    it each call runs in a fresh loop. Not for use inside a running event loop.
    """
    options = dict(signer=signer, ttl=ttl, urgency=urgency, topic=topic, timeout=timeout,
                   max_response_bytes=max_response_bytes)
    if not reuse_connections:
        return asyncio.run(send_many(messages, concurrency=concurrency, per_host=per_host,
                                     ssl=ssl, **options))
    return _process_loop().run(messages, ssl, concurrency, per_host, **options)
