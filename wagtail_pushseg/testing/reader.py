"""The reader at the device: shows and clicks a delivered notification, at given rates.

A browser's service worker posts ``{"event": "shown"}`` to the payload's ``data.receipt_url``
when it shows a notification, and opens ``data.click_url`` when the reader clicks it (or posts
``{"event": "dismissed"}`` when they close it). With ``show_rate``/``click_rate`` set on a
behaviour, the sandbox does the same for each message it accepts, after answering the push, so
a campaign's results fill in as they would with real readers. The links in a payload are paths
on the site; ``site_url`` is the origin the service worker would resolve them against.

Only the payload's fields are read (no import from the plugin): ``data.receipt_url`` and
``data.click_url``, as the service worker template reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import aiohttp


#: How long one receipt or click may take before it is given up (a real one is lost too).
REQUEST_TIMEOUT = 10
#: Receipts and clicks under way at once. One: the demo's SQLite (and the tests' in-memory
#: one) takes one writer at a time, and a whole campaign's receipts still pass in seconds.
CONCURRENCY = 1


@dataclass(frozen=True)
class Reaction:
    """What the reader does with one message: show it, then click it or dismiss it."""

    shown: bool
    clicked: bool
    site_url: str


def links(payload: Any) -> tuple[str | None, str | None]:
    """(receipt_url, click_url) of a notification payload, None where it has none."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return None, None
    receipt, click = data.get("receipt_url"), data.get("click_url")
    return (receipt if isinstance(receipt, str) and receipt else None,
            click if isinstance(click, str) and click else None)


class Reader:
    """Posts receipts and follows click links in the background of the sandbox's loop."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: Cleared while the reader looks away (``pause``): reactions wait for it.
        self._looking: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        #: (what, url, HTTP status or the error's name), oldest first: for tests and the log.
        self.log: list[tuple[str, str, int | str]] = []

    def react(self, payload: Any, reaction: Reaction) -> None:
        """Schedule the reader's reaction to a delivered payload (returns at once)."""
        receipt, click = links(payload)
        if not reaction.shown or (receipt is None and click is None):
            return
        task = asyncio.ensure_future(self._react(receipt, click, reaction))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _eyes(self) -> asyncio.Event:
        if self._looking is None:
            self._looking = asyncio.Event()
            self._looking.set()
        return self._looking

    def pause(self) -> None:
        """Look away: messages keep arriving, their reactions wait for :meth:`resume` (a test
        sending over a database that allows one writer at a time needs the send done first)."""
        self._eyes().clear()

    def resume(self) -> None:
        """Look again: the waiting reactions go ahead."""
        self._eyes().set()

    def reset(self) -> None:
        """Forget the log and look again (what is under way goes on)."""
        self.log.clear()
        self.resume()

    async def _react(self, receipt: str | None, click: str | None, reaction: Reaction) -> None:
        await self._eyes().wait()
        if receipt:
            await self._post(receipt, "shown", reaction.site_url)
        if reaction.clicked and click:
            await self._request("click", "GET", urljoin(reaction.site_url, click),
                                allow_redirects=False)
        elif receipt:
            await self._post(receipt, "dismissed", reaction.site_url)

    async def _post(self, url: str, event: str, site_url: str) -> None:
        origin = site_url.rstrip("/")
        # What a service worker's same-origin fetch sends: its Origin and a JSON body.
        await self._request(event, "POST", urljoin(site_url, url), json={"event": event},
                            headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})

    async def _request(self, what: str, method: str, url: str, **kwargs: Any) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(CONCURRENCY)
        async with self._slots:
            await self._send(what, method, url, **kwargs)

    async def _send(self, what: str, method: str, url: str, **kwargs: Any) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        try:
            async with self._session.request(method, url, **kwargs) as response:
                await response.read()
                self.log.append((what, url, response.status))
        except (TimeoutError, aiohttp.ClientError) as exc:
            # A lost receipt is what real devices produce too; it is logged, not raised.
            self.log.append((what, url, type(exc).__name__))

    async def wait(self) -> None:
        """Until every scheduled reaction has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Cancel what is still under way and close the HTTP session."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
