import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders


NODE = shutil.which("node")
HARNESS = Path(__file__).parent / "js" / "client_harness.js"
SCENARIOS = re.findall(r"^  async (\w+)\(", HARNESS.read_text(), re.M)
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the JavaScript checks need Node.js 18+"
)


def static_file(name: str) -> Path:
    found = finders.find(f"wagtail_pushseg/{name}")
    assert found, f"wagtail_pushseg/{name} is not found by the staticfiles finders"
    return Path(found)


def test_client_script_exposes_the_public_api():
    source = static_file("pushseg.js").read_text()
    assert source.lstrip().startswith("/*")
    assert "'use strict';" in source
    assert "window.pushseg = { subscribe, unsubscribe, status, showPrompt, track };" in source
    # Config comes from the element {% pushseg_scripts %} renders, never from inline script.
    assert "getElementById('pushseg-config')" in source


def test_stylesheet_is_overridable_and_respects_hidden():
    css = static_file("pushseg.css").read_text()
    assert "--pushseg-accent" in css
    assert ".pushseg-prompt[hidden]" in css
    assert "prefers-reduced-motion" in css


@needs_node
def test_client_script_is_valid_javascript():
    result = subprocess.run(
        [NODE, "--check", str(static_file("pushseg.js"))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@needs_node
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_client_behaviour(scenario):
    """Runs pushseg.js against a fake DOM and Push API (see js/client_harness.js)."""
    result = subprocess.run(
        [NODE, str(HARNESS), str(static_file("pushseg.js")), scenario],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
