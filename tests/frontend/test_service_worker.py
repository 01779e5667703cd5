import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse


NODE = shutil.which("node")
HARNESS = Path(__file__).parent / "js" / "sw_harness.js"
# Scenario names read from the harness itself, so collecting them does not need node.
SCENARIOS = re.findall(r"^  async (\w+)\(", HARNESS.read_text(), re.M)
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the JavaScript checks need Node.js 18+"
)


def get_worker(client: Client | None = None):
    return (client or Client()).get(reverse("wagtail_pushseg:service_worker"))


@pytest.fixture
def worker_file(tmp_path) -> Path:
    path = tmp_path / "pushseg-sw.js"
    path.write_bytes(get_worker().content)
    return path


def handler(source: str, event: str) -> str:
    """The body of ``self.addEventListener('<event>', ...)`` up to the next listener."""
    start = source.index(f"self.addEventListener('{event}'")
    end = source.find("self.addEventListener(", start + 1)
    return source[start : end if end != -1 else None]


def worker_config(source: str) -> dict:
    match = re.search(r"^const PUSHSEG = (.*);$", source, re.M)
    assert match, source[:500]
    return json.loads(match.group(1))


def test_worker_is_served_from_the_root_for_the_whole_site():
    response = get_worker()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    # A stale worker would keep old behaviour: browsers must revalidate it.
    assert "no-cache" in response["Cache-Control"]
    assert reverse("wagtail_pushseg:service_worker") == "/pushseg-sw.js"


def test_worker_only_answers_get():
    assert Client().post("/pushseg-sw.js").status_code == 405


def test_push_handler_shows_the_notification_inside_wait_until():
    source = get_worker().content.decode()
    push = handler(source, "push")
    assert "showNotification" in push
    assert "event.waitUntil(shown" in push
    # The waitUntil'd promise is the one showNotification started.
    assert re.search(r"const shown = self\.registration\s*\.showNotification\(", push)


def test_worker_handles_clicks_closes_and_subscription_changes():
    source = get_worker().content.decode()
    assert "event.waitUntil(pushsegFocusOrOpen(url))" in handler(source, "notificationclick")
    assert "'dismissed'" in handler(source, "notificationclose")
    change = handler(source, "pushsubscriptionchange")
    assert "event.waitUntil(pushsegResubscribe(event))" in change
    assert "self.skipWaiting()" in handler(source, "install")
    assert "clients.claim()" in handler(source, "activate")


def test_worker_config_has_the_api_urls(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "DEFAULT_ICON": "/static/icon.png"}
    config = worker_config(get_worker().content.decode())
    assert config["subscribeUrl"] == reverse("wagtail_pushseg:subscribe")
    assert config["vapidPublicKeyUrl"] == reverse("wagtail_pushseg:vapid_public_key")
    assert config["defaultIcon"] == "/static/icon.png"
    assert config["fallbackTitle"]


def test_worker_config_escapes_markup(settings):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "DEFAULT_ICON": "</script>&"}
    source = get_worker().content.decode()
    assert "</script>" not in source
    assert worker_config(source)["defaultIcon"] == "</script>&"


@needs_node
def test_rendered_worker_is_valid_javascript(worker_file):
    result = subprocess.run(
        [NODE, "--check", str(worker_file)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@needs_node
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_worker_behaviour(worker_file, scenario):
    """Runs the rendered worker in a fake service worker scope (see js/sw_harness.js)."""
    result = subprocess.run(
        [NODE, str(HARNESS), str(worker_file), scenario],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
