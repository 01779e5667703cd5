"""Helpers for the browser tests."""

import os
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


def restore_migrated_data() -> None:
    """Load the database contents pytest-django serialized after migrating (what
    ``serialized_rollback`` restores before a test), for the tests that come after."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        data = getattr(connection, "_test_serialized_contents", None)
        if data:
            connection.creation.deserialize_db_from_string(data)


class BrowserSession:
    """Playwright and one Chromium, started on first use and stopped by ``stop()``.

    While it runs, Playwright's sync API keeps an asyncio loop running on the test's thread (it
    drives the browser from a greenlet). Two things in Django notice: it refuses ORM calls
    (SynchronousOnlyOperation), and its connection handler keeps per-context connections, so
    the test would get fresh ones without the state pytest-django gave the thread's own
    (``_test_serialized_contents``, which ``serialized_rollback`` restores from). The test's
    thread never runs Django code concurrently with that loop, which is what the check guards
    against: it is switched off while the browser runs, and the thread's own connections are
    handed on.
    """

    #: --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
    ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"]

    def __init__(self):
        self._playwright = None
        self._browser = None
        self._async_unsafe = None

    def browser(self, executable: str):
        if self._browser is None:
            from django.db import connections
            from playwright.sync_api import sync_playwright

            self._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            own = {alias: connections[alias] for alias in connections}
            self._playwright = sync_playwright().start()
            for alias, connection in own.items():
                connections[alias] = connection
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, args=self.ARGS)
        return self._browser

    def stop(self) -> None:
        if self._playwright is None:
            return
        try:
            self._browser.close()
        finally:
            self._playwright.stop()
            self._browser = self._playwright = None
            if self._async_unsafe is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._async_unsafe


#: Console messages that are not the plugin's: Wagtail's upgrade check and avatars reach out
#: to the internet, which the test machine cannot.
OFFLINE_NOISE = ("releases.wagtail.org", "net::ERR_NAME_NOT_RESOLVED", "gravatar")


def collect_console_errors(page) -> list[str]:
    """Every JavaScript error the page reports from now on (console errors and uncaught
    exceptions), as a list that fills while the test browses; offline noise left out."""
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not any(n in message.text for n in OFFLINE_NOISE):
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    return errors


def use_dark_theme(user) -> None:
    """Wagtail's own theme preference (Account → Preferences → Theme: dark)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.theme = "dark"
    profile.save()


#: The WCAG contrast ratio of an element's text against the first opaque background behind it.
CONTRAST_JS = """element => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = element, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const a = lum(rgb(getComputedStyle(element).color)), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def contrast(locator) -> float:
    return locator.evaluate(CONTRAST_JS)
