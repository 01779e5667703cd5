"""Real ``qcluster`` processes on the Redis broker for the multi-worker and SIGKILL tests.

Only on PostgreSQL (several processes writing one ledger is what production does; SQLite
serialises writers and is not what these tests are about) and only when Redis answers. CI sets
``PUSHSEG_REQUIRE_QCLUSTER=1`` so that a missing Redis fails instead of skipping.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from .committed import committed_rows


REPO = Path(__file__).resolve().parents[2]
REDIS = {"host": "127.0.0.1", "port": 6379, "db": 5}


def require_postgres_and_redis() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real qcluster processes run in the PostgreSQL pass (DATABASE_URL=postgres://"
                    "...); on SQLite several writer processes are not what we test")
    import redis

    try:
        redis.Redis(socket_timeout=2, **REDIS).ping()
    except redis.RedisError as exc:
        message = f"Redis does not answer at {REDIS['host']}:{REDIS['port']}: {exc}"
        if os.environ.get("PUSHSEG_REQUIRE_QCLUSTER"):
            pytest.fail(message)
        pytest.skip(message)


def database_url() -> str:
    """The test database of this run (pytest-django's ``test_<name>``) as a URL."""
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return (f"postgres://{auth}{'@' if auth else ''}{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


class RedisQueue:
    """One Redis queue for one test; this process's django-q2 enqueues into it too."""

    def __init__(self, monkeypatch):
        from django_q.conf import Conf

        self.name = f"pushseg-test-{uuid.uuid4().hex[:8]}"
        # django-q2 reads Q_CLUSTER once at import: point this process's Conf at the queue the
        # clusters read (the name is also the signing salt, so both sides must agree).
        for attribute, value in {"ORM": None, "REDIS": dict(REDIS), "CLUSTER_NAME": self.name,
                                 "PREFIX": self.name, "SYNC": False}.items():
            monkeypatch.setattr(Conf, attribute, value)

    def cluster_settings(self, **overrides) -> dict:
        return {"name": self.name, "redis": dict(REDIS), "workers": 2, "timeout": 60,
                "retry": 90, "recycle": 500, "catch_up": False, "scheduler": False,
                "save_limit": 0, **overrides}

    def ring(self, func: str, *args) -> None:
        from django_q.tasks import async_task

        async_task(func, *args)

    def clear(self) -> None:
        import redis

        client = redis.Redis(**REDIS)
        for key in client.scan_iter(f"django_q:{self.name}:*"):
            client.delete(key)


class QCluster:
    """``example_site/manage.py qcluster`` in its own process group, logging to a file."""

    def __init__(self, log: Path, pushseg_settings: dict, q_cluster: dict):
        self.log = log
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.campaigns.qcluster_settings",
               "DATABASE_URL": database_url(),
               "PUSHSEG_SETTINGS": json.dumps(pushseg_settings),
               "PUSHSEG_Q_CLUSTER": json.dumps(q_cluster), "PYTHONUNBUFFERED": "1"}
        with open(log, "wb") as out:
            # Its own session: SIGKILL reaches the whole cluster (sentinel, pusher, workers,
            # monitor) as when a machine dies, not only the parent.
            self.process = subprocess.Popen(
                [sys.executable, str(REPO / "example_site" / "manage.py"), "qcluster"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_running(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "running." in self.output():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"qcluster did not start:\n{self.output()[-3000:]}")

    def processed(self, func: str) -> int:
        """Tasks of ``func`` this cluster finished (its monitor logs each one)."""
        return self.output().count(f"Processed '{func}'")

    def kill(self) -> None:
        """SIGKILL, the whole process group at once: no clean-up runs anywhere."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """The test database in autocommit, so that other processes see what the test writes
    (``committed.committed_rows``)."""
    require_postgres_and_redis()
    with committed_rows(django_db_blocker):
        yield


@pytest.fixture
def redis_queue(committed_db, monkeypatch):
    queue = RedisQueue(monkeypatch)
    yield queue
    queue.clear()


@pytest.fixture
def start_qcluster(tmp_path, redis_queue):
    """``start_qcluster(pushseg_settings, **q_cluster)`` -> a running :class:`QCluster`."""
    started: list[QCluster] = []

    def start(pushseg_settings: dict, **q_cluster) -> QCluster:
        cluster = QCluster(tmp_path / f"qcluster-{len(started) + 1}.log", pushseg_settings,
                           redis_queue.cluster_settings(**q_cluster))
        started.append(cluster)
        cluster.wait_running()
        return cluster

    yield start
    for cluster in started:
        cluster.stop()
