"""The wheel a site builder installs: templates, static files and migrations in, tests out."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [wheel] = out.glob("wagtail_pushseg-*.whl")
    return zipfile.ZipFile(wheel).namelist()


def test_wheel_ships_templates_static_and_migrations(wheel_names):
    for path in (
        "wagtail_pushseg/static/wagtail_pushseg/pushseg.js",
        "wagtail_pushseg/templates/wagtail_pushseg/service_worker.js",
        "wagtail_pushseg/templates/wagtail_pushseg/tags/prompt.html",
        "wagtail_pushseg/migrations/0001_initial.py",
        "wagtail_pushseg/testing/sandbox.py",  # the sandbox is part of the plugin, for site tests
    ):
        assert path in wheel_names, path


def test_wheel_leaves_out_tests_demo_and_benchmarks(wheel_names):
    tops = {name.split("/")[0] for name in wheel_names}
    assert not tops & {"tests", "example_site", "benchmarks", "demo", "config"}
    assert not any(
        name.startswith("wagtail_pushseg/") and "/tests/" in name for name in wheel_names
    )
