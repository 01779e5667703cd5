"""`make test` on a machine without Chromium: it installs Debian's chromium when it can, and
where it cannot, one line says why and the browser tests are skipped with that reason (never
errors)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
MISSING = "/nonexistent/pushseg/chromium"


def test_browser_tests_without_chromium_are_skipped_with_the_reason():
    env = {**os.environ, "PUSHSEG_CHROMIUM": MISSING}
    env.pop("PUSHSEG_REQUIRE_CHROMIUM", None)
    env.pop("DATABASE_URL", None)  # its own SQLite file, not this run's PostgreSQL test database
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser/test_prompt.py",
         "tests/browser/test_service_worker.py", "-p", "no:cacheprovider", "-q", "-rs"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:]
    assert re.search(r"^\d+ skipped in", out.splitlines()[-1]), out[-3000:]
    assert "error" not in out.splitlines()[-1] and "failed" not in out.splitlines()[-1]
    # One summary line for them all, with the reason and what to do.
    [line] = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert f"no Chromium at {MISSING}" in line and "make test" in line


def test_ci_can_require_chromium():
    """PUSHSEG_REQUIRE_CHROMIUM (set by .ci/run) turns the skip into a failure."""
    env = {**os.environ, "PUSHSEG_CHROMIUM": MISSING, "PUSHSEG_REQUIRE_CHROMIUM": "1"}
    env.pop("DATABASE_URL", None)  # its own SQLite file, not this run's PostgreSQL test database
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser/test_prompt.py", "-p",
         "no:cacheprovider", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode != 0
    assert f"no Chromium at {MISSING}" in result.stdout


@pytest.mark.parametrize("target", ["test", "test-browser", "screenshots", "test-postgres",
                                    "test-wagtail74"])
def test_make_targets_that_run_browser_tests_install_chromium_first(target):
    makefile = (ROOT / "Makefile").read_text()
    [prerequisites] = re.findall(rf"^{re.escape(target)}:(.*)$", makefile, re.MULTILINE)
    assert "chromium" in prerequisites.split()


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make here")


@needs_make
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run make as an ordinary user")
def test_without_root_make_says_so_in_one_line():
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "make", "-s", "-C",
         str(ROOT), "chromium", "CHROMIUM_COMMAND=no-such-chromium"],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if k != "PUSHSEG_CHROMIUM"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Chromium not installed and installing it needs root (apt-get install chromium): "
        "the browser tests will be skipped"
    ]


@needs_make
@pytest.mark.skipif(os.geteuid() != 0, reason="the apt-get branch runs only as root")
def test_when_apt_get_fails_make_says_so_in_one_line(tmp_path):
    # A failing apt-get on PATH stands in for a machine without network or Debian mirrors:
    # the real one must not be made to fail (or succeed) by a test.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text("#!/bin/sh\necho 'E: no network' >&2\nexit 100\n")
    (fake / "apt-get").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    env.pop("PUSHSEG_CHROMIUM", None)
    result = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "chromium", "CHROMIUM_COMMAND=no-such-chromium",
         f"VENV={tmp_path / 'venv'}"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert "apt-get install chromium failed" in line and "will be skipped" in line
    assert "E: no network" in (tmp_path / "venv" / "chromium-install.log").read_text()
