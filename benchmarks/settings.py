"""Benchmark settings: the test settings, with SQLite tuned as a production site would run it
(write-ahead log, so readers never wait for a writer; commits synced at checkpoints)."""

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES


if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )

WAGTAIL_PUSHSEG = {**WAGTAIL_PUSHSEG, "TRACKING_WRITES": "buffered"}  # noqa: F405
