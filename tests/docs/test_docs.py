"""The user docs stay complete: every setting documented, every link between the docs and
every screenshot they name resolving to a file."""

import re
from pathlib import Path

import pytest

from wagtail_pushseg.conf import PushsegSettings


DOCS = Path(__file__).resolve().parents[2] / "docs"


def setting_names() -> list[str]:
    return [name for name, value in vars(PushsegSettings).items()
            if isinstance(value, property) and name.isupper()]


def test_there_are_settings_to_check():
    assert {"VAPID_PRIVATE_KEY", "RATE_LIMIT", "SEND_CONCURRENCY"} <= set(setting_names())


@pytest.mark.parametrize("name", setting_names())
def test_every_setting_is_in_the_settings_reference(name):
    table = (DOCS / "settings.md").read_text()
    assert re.search(rf"^\|[^\n]*`{name}`", table, re.M), f"{name} is not in docs/settings.md"


LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_links_between_docs_resolve(page):
    text = (DOCS / page).read_text()
    missing = []
    for target in LINK.findall(text):
        if target.startswith("screenshots/"):
            continue  # made by the browser tests; checked below against their list
        if not (DOCS / target).exists():
            missing.append(target)
    assert not missing, f"{page} links to {missing}"


def browser_test_screenshots() -> set[str]:
    """The names the browser tests save pictures under (``screenshot(page, "name")`` or
    through a helper given the name)."""
    names = set()
    for test in (DOCS.parent / "tests" / "browser").glob("test_*.py"):
        names |= set(re.findall(
            r'(?:screenshot\(page|picture\(page, screenshot, \w+), "([a-z-]+)"', test.read_text()))
    return names


def test_the_editors_guide_shows_each_screenshot_the_browser_tests_make():
    named = set(re.findall(r"\(screenshots/([a-z-]+)\.png\)", (DOCS / "editors.md").read_text()))
    made = browser_test_screenshots()
    assert len(made) >= 9
    assert named == made
    assert {p.stem for p in (DOCS / "screenshots").glob("*.png")} == made


def test_the_docs_index_links_every_page():
    index = (DOCS / "index.md").read_text()
    for page in DOCS.glob("*.md"):
        if page.name != "index.md":
            assert f"({page.name})" in index, f"docs/index.md does not link {page.name}"
