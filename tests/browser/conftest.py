"""A real Chromium (Debian's ``chromium`` package, driven by Playwright) against the test site
served by pytest-django's ``live_server`` on loopback.

What is real: the browser, the site's pages and admin, the subscribe script, the service worker,
the push sandbox (VAPID checked, payloads decrypted). What is not: the browser's own push service
(Google's FCM), which cannot be reached offline; the tests that need a subscription say how
they stand in for it.

One browser for all the browser tests; every test gets a fresh context (cookies, storage,
service workers and permissions do not leak between tests).
"""

import os
import shutil
from pathlib import Path

import pytest

from .support import WAIT_MS, BrowserSession, restore_migrated_data


ROOT = Path(__file__).resolve().parents[2]
#: Kept in the repository: the docs show them.
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
#: Collected by CI as artifacts (gitignored).
ARTIFACT_SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM = os.environ.get("PUSHSEG_CHROMIUM", "/usr/bin/chromium")
browser_session = BrowserSession()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives a real Chromium against the live test server (tests/browser)"
    )


def missing_chromium() -> str | None:
    """Why the browser tests cannot run here, or None when a Chromium is there."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return None
    return (
        f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium when it runs as "
        "root; or point PUSHSEG_CHROMIUM at a Chromium binary"
    )


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Without Chromium a browser test is skipped with the reason, before any fixture (so no
    live server, no flushed database), from here: one line in the summary for them all. CI
    sets PUSHSEG_REQUIRE_CHROMIUM, where a missing browser fails instead."""
    if item.get_closest_marker("browser") is None or os.environ.get("PUSHSEG_REQUIRE_CHROMIUM"):
        return
    missing = missing_chromium()
    if missing:
        pytest.skip(missing)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last browser test in a row: stop the browser, and put back the data the
    migrations made (Wagtail's root page, site, groups), which the transactional tests flushed.

    Not at the end of the session: Playwright's loop on the main thread would break every
    later test that runs asyncio (the push sender does), and pytest-django runs the
    transactional tests, these among them, before the tests without a database; a later
    transactional test without ``serialized_rollback`` would find an empty database."""
    yield
    if nextitem is None:
        browser_session.stop()  # the test database is gone already: nothing to put back
    elif nextitem.get_closest_marker("browser") is None and "django_db_blocker" in item.funcargs:
        # (a skipped browser test set up no fixtures and flushed nothing)
        browser_session.stop()
        with item.funcargs["django_db_blocker"].unblock():
            restore_migrated_data()


@pytest.fixture(autouse=True)
def _db_blocker_for_teardown(django_db_blocker):
    """Lets the teardown hook above reach the database after pytest-django closed it."""


@pytest.fixture
def chromium():
    """The headless Chromium shared by consecutive browser tests."""
    missing = missing_chromium()
    if missing:  # only with PUSHSEG_REQUIRE_CHROMIUM (otherwise the test was skipped)
        pytest.fail(missing, pytrace=False)
    return browser_session.browser(CHROMIUM)


@pytest.fixture
def site(live_server, db, settings):
    """The default Wagtail site answers at the live server's host and port, so page URLs the
    plugin builds (``get_full_url``) lead back to it."""
    from urllib.parse import urlsplit

    from wagtail.models import Site

    parts = urlsplit(live_server.url)
    Site.objects.filter(is_default_site=True).update(hostname=parts.hostname, port=parts.port)
    # Gravatar cannot be reached offline: Wagtail's own default avatar instead of a broken one.
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None
    return live_server.url


@pytest.fixture
def context(chromium, site):
    """A fresh browser profile at 1280×800, notification permission not yet decided."""
    ctx = chromium.new_context(
        base_url=site, viewport=VIEWPORT, service_workers="allow", locale="en-GB",
        timezone_id="Europe/Berlin",
    )
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def allow_notifications(context, site):
    """Grants the site the notification permission: stands in for the visitor clicking "Allow"
    in Chromium's own permission prompt, which has no UI in a headless browser."""

    def allow():
        context.grant_permissions(["notifications"], origin=site)

    return allow


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def screenshot():
    """``screenshot(page, "composer")`` saves artifacts/screenshots/composer.png for CI, and
    with ``PUSHSEG_DOCS_SCREENSHOTS=1`` (``make screenshots``) also docs/screenshots/composer.png
    for the editors' guide (not on every run: each run's ids and dates change the pictures)."""

    def take(page, name: str, **options) -> Path:
        ARTIFACT_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACT_SCREENSHOTS / f"{name}.png"
        # Caret and animations off: the same screen gives the same picture.
        page.screenshot(path=str(path), animations="disabled", caret="hide", **options)
        if os.environ.get("PUSHSEG_DOCS_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path

    return take


@pytest.fixture
def login():
    """Log in through Wagtail's real login form."""

    def log_in(page, username: str, password: str = "pw"):
        page.goto("/admin/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")

    return log_in


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")


@pytest.fixture
def inline_tasks(monkeypatch):
    """django-q2 runs tasks inline (in the live server's thread, after the request's commit)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def moderator(django_user_model):
    """A non-superuser in Wagtail's Moderators group (which the plugin's data migration lets
    compose and send campaigns)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("moderator", "mod@example.com", "pw")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user
