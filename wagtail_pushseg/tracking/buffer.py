"""Page views leave the request at once and are written in batches by a background thread.

Writing a view means an insert and two small updates, and on a database that syncs every commit
to disk (SQLite's default) the commit alone costs milliseconds. So the request only appends
(visitor id, page id, time) to an in-process queue; a daemon thread writes each batch in one
transaction, resolving visitor ids to active subscribers then. A visitor who is not an active
subscriber is dropped at that point: nothing about them is stored. A process killed hard loses
at most one flush interval of views; views are behaviour statistics, not deliveries.
"""

import atexit
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from django.db import close_old_connections, connection, transaction

from ..conf import pushseg_settings


logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PendingView:
    visitor_id: str
    page_id: int
    when: datetime


def write_views(views: list[PendingView]) -> int:
    """Write a batch in one transaction; returns how many views were recorded."""
    import swapper

    from ..models import Subscriber
    from .page_tags import page_tags
    from .recorder import record_page_view

    if not views:
        return 0
    Page = swapper.load_model("wagtailcore", "Page")
    subscribers: dict[str, Subscriber] = {}
    for subscriber in Subscriber.objects.filter(
        visitor_id__in={v.visitor_id for v in views}, status=Subscriber.Status.ACTIVE
    ).order_by("last_seen_at"):
        subscribers[subscriber.visitor_id] = subscriber  # the most recently seen wins
    pages = Page.objects.in_bulk({v.page_id for v in views if v.visitor_id in subscribers})
    tags = {page_id: page_tags(page) for page_id, page in pages.items()}
    recorded = 0
    with transaction.atomic():
        for view in sorted(views, key=lambda v: v.when):
            viewer = subscribers.get(view.visitor_id)
            page = pages.get(view.page_id)
            if viewer is None or page is None:
                continue
            record_page_view(viewer, page, tags[page.pk], view.when)
            recorded += 1
    return recorded


class ViewBuffer:
    """A process-wide queue of page views with a lazily started writer thread."""

    def __init__(self) -> None:
        self._queue: deque[PendingView] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def add(self, view: PendingView) -> None:
        self._queue.append(view)  # deque.append is atomic: no lock on the request path
        self._ensure_thread()
        if len(self._queue) >= pushseg_settings.TRACKING_BATCH_SIZE:
            self._wake.set()

    def flush(self) -> int:
        """Write everything queued so far (also called by tests and at exit)."""
        with self._lock:
            batch = []
            while self._queue:
                batch.append(self._queue.popleft())
            if not batch:
                return 0
            try:
                return write_views(batch)
            except Exception:
                logger.exception("wagtail_pushseg: could not write %d page views", len(batch))
                return 0
            finally:
                if threading.current_thread() is self._thread:
                    connection.close()  # the writer's own connection; requests keep theirs

    def __len__(self) -> int:
        return len(self._queue)

    def _ensure_thread(self) -> None:
        # A forked worker inherits the object but not the thread: start one per process.
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, name="pushseg-view-writer", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(pushseg_settings.TRACKING_FLUSH_SECONDS)
            self._wake.clear()
            if not self._queue:
                # Idle: touch no connection. (Under pytest an idle writer's connection check
                # failed every few seconds, and each logged traceback parsed source with
                # Python 3.11's ast in this thread, racing the main thread's ast: SystemError.)
                continue
            try:
                close_old_connections()
                self.flush()
            except Exception:  # keep the writer alive whatever one batch did
                logger.exception("wagtail_pushseg: page-view writer failed")
            time.sleep(0)  # let request threads run between batches


view_buffer = ViewBuffer()


@atexit.register
def _flush_at_exit() -> None:
    if len(view_buffer):
        view_buffer.flush()
        connection.close()
