"""The send-rate budget is global: worker processes sharing a Redis cache together get exactly
the limit in one second, however many ask at once. Real processes and a real Redis; each one
freezes its clock at the same second (freezegun), so the test does not depend on timing."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis


REDIS_URL = "redis://127.0.0.1:6379/11"
ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import json, sys
import django
django.setup()
from django.test import override_settings
from freezegun import freeze_time
from wagtail_pushseg.campaigns.sending import rate_budget

url, prefix, limit, takes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
          "budget": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": url, "KEY_PREFIX": prefix}}
with override_settings(CACHES=caches, WAGTAIL_PUSHSEG={"SEND_RATE_LIMIT": limit,
                                                        "SEND_RATE_CACHE": "budget"}):
    with freeze_time("2026-05-04 12:00:00"):
        sys.stdin.readline()  # start together
        grants = [rate_budget.take(3).granted for _ in range(takes)]
print(json.dumps(grants))
"""


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379 (CI starts one)")
    return client


def test_four_worker_processes_share_one_budget_per_second(redis_db):
    prefix = f"pushseg-test-{uuid.uuid4().hex}"
    path = os.pathsep.join([str(ROOT), str(ROOT / "example_site")])  # as setup.cfg's pythonpath
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": path}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, REDIS_URL, prefix, "100", "40"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                         cwd=ROOT)
        for _ in range(4)
    ]
    try:
        outputs = [w.communicate("go\n", timeout=120)[0] for w in workers]
    finally:
        for key in redis_db.scan_iter(f"{prefix}*"):
            redis_db.delete(key)
    grants = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    assert all(w.returncode == 0 for w in workers)
    # 4 × 40 × 3 = 480 asked for, 100 allowed in that second: exactly 100 granted in total,
    # each grant whole or the remainder, never more than asked.
    assert sum(map(sum, grants)) == 100
    assert all(0 <= g <= 3 for worker in grants for g in worker)
