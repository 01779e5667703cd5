"""Browser and platform names from a User-Agent, for editors' filters (not for security)."""

import re


_BROWSERS = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
)
_PLATFORMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Macintosh|Mac OS X")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
)


def _first(patterns, ua: str) -> str:
    return next((name for name, pattern in patterns if pattern.search(ua)), "")


def browser_and_platform(user_agent: str) -> tuple[str, str]:
    ua = user_agent or ""
    return _first(_BROWSERS, ua) or ("Other" if ua else ""), _first(_PLATFORMS, ua)
