"""Helpers for the browser tests."""

import time
from concurrent.futures import ThreadPoolExecutor


#: Milliseconds Playwright (and ``wait_until``) wait for a selector or an event before failing.
WAIT_MS = 15_000


def off_the_browser_loop(func, *args, **kwargs):
    """Run ``func`` on a thread of its own and return its result.

    For code that runs an asyncio loop itself (the push sender's ``asyncio.run``): the test's
    thread already has Playwright's loop running, and asyncio allows one per thread."""
    from django.db import connections

    def call():
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def wait_until(condition, message: str, timeout: float = WAIT_MS / 1000):
    """Poll ``condition`` (say, a database row the live server writes) until it is true."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
    return result
