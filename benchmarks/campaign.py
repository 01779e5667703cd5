"""A whole campaign on PostgreSQL: plan, send and record, against the push sandbox over TLS.

    python -m benchmarks.campaign                          # 100,000 subscribers, 2 workers
    python -m benchmarks.campaign --subscribers 100000 --workers 1
    python -m benchmarks.campaign --memory 100000,1000000  # a worker's peak memory per size

Each run drops and re-creates the database ``pushseg_bench_campaign``
(``PUSHSEG_BENCH_CAMPAIGN_DATABASE_URL`` overrides
postgres://postgres@127.0.0.1:5432/pushseg_bench_campaign), inserts the subscribers with COPY
and runs the real code path:

1. plan: ``campaigns.services.plan`` (the segment refreshed set-wise, then one INSERT ... SELECT
   writes a Delivery per subscriber), timed in this process;
2. send + record: ``--workers`` OS processes (``benchmarks.campaign_worker``), each calling
   ``campaigns.sending.engine.send_chunk`` until nothing is left to claim, as ``qcluster``
   workers run the task: chunks claimed by lease (``SKIP LOCKED``), sent through the async
   sender, results and profile counters written in bulk;
3. checked: every delivery ``sent``, each subscriber's profile counted once, the campaign
   finished, and no message the sandbox refused.

The sandbox (its own process) verifies VAPID and decrypts every message. It holds 1,000
subscriptions; subscriber ``i`` uses subscription ``i % 1000`` with ``?n=i`` added to the
endpoint (endpoints are unique in the database; the sandbox routes by path), so each message is
still encrypted to, and decrypted with, real subscription keys. The sandbox's inboxes are
emptied every few seconds (after checking it refused nothing), so its memory stays small.

Memory (``--memory``): the same campaign at each size with one worker, whose peak resident
set (``VmHWM``) and resident set along the way are reported; flat across sizes means the
worker holds a chunk, not the campaign. Goals (issue 6): 100,000 end-to-end in at most 90 s;
a worker at most 300 MB for 1,000,000 deliveries.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .segments_refresh import insert, recreate_postgres_database
from .sender import SandboxProcess
from .summary import record


BENCH_URL = "postgres://postgres@127.0.0.1:5432/pushseg_bench_campaign"
SANDBOX_SUBSCRIPTIONS = 1000


class SandboxJanitor(threading.Thread):
    """Every few seconds: count the sandbox's refusals, then empty its inboxes."""

    def __init__(self, sandbox: SandboxProcess, every: float = 5.0):
        super().__init__(daemon=True)
        self.sandbox, self.every = sandbox, every
        self.rejections = 0
        self.done = threading.Event()

    def sweep(self) -> None:
        self.rejections += self.sandbox.rejections()
        self.sandbox.behave(0)  # POST /reset (inboxes, counters, refusals) and no delay

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.sweep()

    def stop(self) -> int:
        self.done.set()
        self.join()
        self.sweep()
        return self.rejections


def populate(total: int, subs: list[dict]) -> None:
    from wagtail_pushseg.models import Subscriber

    created = datetime.now(UTC) - timedelta(days=2)  # "new subscribers": all of them
    rows = (
        (i, url, hashlib.sha256(url.encode()).hexdigest(), sub["keys"]["p256dh"],
         sub["keys"]["auth"], f"{i:032x}", "Chrome", "Android", "en-GB", "Europe/London", "",
         "active", created, created)
        for i in range(1, total + 1)
        for sub in [subs[i % len(subs)]]
        for url in [f"{sub['endpoint']}?n={i}"]
    )
    insert(Subscriber, ["id", "endpoint", "endpoint_hash", "p256dh", "auth", "visitor_id",
                        "browser", "platform", "language", "timezone", "user_agent", "status",
                        "created_at", "last_seen_at"], rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('wagtail_pushseg_subscriber', 'id'),"
                       " (SELECT max(id) FROM wagtail_pushseg_subscriber))")
        cursor.execute("VACUUM ANALYZE")


def make_campaign():
    from wagtail_pushseg.campaigns import services
    from wagtail_pushseg.models import Campaign, CampaignTarget
    from wagtail_pushseg.segments.services import create_segment

    segment = create_segment(
        name="New subscribers", slug="new-subscribers", threshold=0.5, active=True,
        rules=[{"type": "subscription_age", "value": {"starts_at": 30, "full_at": 14}}],
    )
    campaign = Campaign.objects.create(title="Winter sale",
                                       body="Laptops and phones, 30% off", url="/shop/sale/")
    CampaignTarget.objects.create(campaign=campaign, segment=segment, sort_order=0)
    services.send_now(campaign, enqueue=False)  # -> planning
    return campaign


def run_workers(campaign_id: int, workers: int, env: dict) -> tuple[float, list[dict]]:
    from django.db import connection

    connection.close()  # the workers are separate processes with their own connections
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.campaign_worker",
                               str(campaign_id)], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(workers)]
    outputs = [proc.communicate()[0] for proc in procs]
    seconds = time.perf_counter() - started
    if any(proc.returncode for proc in procs):
        raise RuntimeError(f"a worker failed: {[p.returncode for p in procs]}")
    return seconds, [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def one_campaign(total: int, workers: int, url: str) -> dict:
    """Fresh database, ``total`` subscribers, one campaign planned, sent and checked."""
    if "django.db" in sys.modules:  # a second size: let go of the database we drop
        from django.db import connections

        connections.close_all()
    recreate_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    from .django_env import setup_django

    setup_django()
    from django.conf import settings
    from django.db.models import Count, Sum

    from wagtail_pushseg.campaigns import services
    from wagtail_pushseg.delivery.vapid import generate_keys
    from wagtail_pushseg.models import Campaign, Delivery, Profile

    private, public = generate_keys()
    sandbox = SandboxProcess(Path(tempfile.mkdtemp(prefix="pushseg-bench-campaign-")))
    try:
        settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "VAPID_PRIVATE_KEY": private,
                                    "VAPID_PUBLIC_KEY": public,
                                    "ALLOWED_ENDPOINT_ORIGINS": [sandbox.base_url]}
        subs = sandbox.subscribe(public, min(SANDBOX_SUBSCRIPTIONS, total))
        started = time.perf_counter()
        populate(total, subs)
        insert_seconds = time.perf_counter() - started

        campaign = make_campaign()
        started = time.perf_counter()
        planned = services.plan(campaign.pk, enqueue=False)
        plan_seconds = time.perf_counter() - started

        env = {**os.environ, "DATABASE_URL": url, "PUSHSEG_BENCH_VAPID": f"{private} {public}",
               "PUSHSEG_BENCH_ORIGIN": sandbox.base_url, "SSL_CERT_FILE": sandbox.cafile}
        janitor = SandboxJanitor(sandbox)
        janitor.start()
        send_seconds, reports = run_workers(campaign.pk, workers, env)
        rejections = janitor.stop()

        started = time.perf_counter()
        campaign.refresh_from_db()
        services.finish_if_done(campaign)
        finish_seconds = time.perf_counter() - started
        campaign.refresh_from_db()
        statuses = dict(Delivery.objects.filter(campaign=campaign).values_list("status")
                        .annotate(n=Count("pk")).values_list("status", "n"))
        received = Profile.objects.aggregate(n=Sum("pushes_received"))["n"] or 0
        ok = (planned == total and statuses == {"sent": total} and received == total
              and rejections == 0 and campaign.status == Campaign.Status.SENT)
        if not ok:
            raise AssertionError(f"planned {planned}, deliveries {statuses}, profiles counted "
                                 f"{received}, refused {rejections}, campaign {campaign.status}")
    finally:
        sandbox.stop()
    return {"subscribers": total, "workers": workers, "insert_seconds": insert_seconds,
            "plan_seconds": plan_seconds, "send_seconds": send_seconds,
            "finish_seconds": finish_seconds, "reports": reports,
            "total_seconds": plan_seconds + send_seconds + finish_seconds}


def report_campaign(r: dict) -> None:
    sender = max(w["sender_seconds"] for w in r["reports"])
    worker = max(w["seconds"] for w in r["reports"])
    print(f"campaign end-to-end on PostgreSQL, {r['subscribers']:,} subscribers, "
          f"{r['workers']} worker process(es), sandbox over TLS (decrypting every message):")
    print(f"  plan {r['plan_seconds']:.1f} s | send + record {r['send_seconds']:.1f} s "
          f"(workers' own loop {worker:.1f} s, of which in the sender {sender:.1f} s, "
          f"database {worker - sender:.1f} s; the rest is process start) "
          f"| finish {r['finish_seconds']:.2f} s")
    print(f"  total {r['total_seconds']:.1f} s (goal <= 90 s), "
          f"{r['subscribers'] / r['total_seconds']:.0f} deliveries/s end-to-end; "
          f"chunks per worker {[w['chunks'] for w in r['reports']]}; "
          f"worker peak memory {max(w['peak_kib'] for w in r['reports']) / 1024:.0f} MiB "
          f"(insert of the subscribers, not counted: {r['insert_seconds']:.1f} s)")
    record("campaign", f"{r['subscribers']:,} subscribers end-to-end, {r['workers']} workers",
           f"{r['total_seconds']:.1f} s (plan {r['plan_seconds']:.1f}, send + record "
           f"{r['send_seconds']:.1f})", "<= 90 s at 100,000")


def report_memory(results: list[dict]) -> None:
    print("worker memory (one worker process sends the whole campaign):")
    for r in results:
        w = r["reports"][0]
        trail = w["rss_kib"]
        marks = [trail[min(len(trail) - 1, round(f * (len(trail) - 1)))] for f in (0, .1, .5, 1)]
        along = ", ".join(f"{done:,}: {kib / 1024:.0f}" for done, kib in marks)
        print(f"  {r['subscribers']:>9,} deliveries: peak {w['peak_kib'] / 1024:6.1f} MiB "
              f"(goal <= 300 MB) | resident MiB after deliveries [{along}] "
              f"| {w['claimed'] / w['seconds']:.0f} deliveries/s")
        record("worker_memory", f"worker peak memory, {r['subscribers']:,} deliveries",
               f"{w['peak_kib'] / 1024:.0f} MiB", "<= 300 MB at 1,000,000")
    if len(results) > 1:
        peaks = [r["reports"][0]["peak_kib"] for r in results]
        print(f"  peak at {results[-1]['subscribers']:,} / at {results[0]['subscribers']:,}: "
              f"{peaks[-1] / peaks[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory", default="",
                        help="comma-separated campaign sizes for the memory run, e.g. "
                             "100000,1000000 (instead of the end-to-end run)")
    args = parser.parse_args()
    url = os.environ.get("PUSHSEG_BENCH_CAMPAIGN_DATABASE_URL", BENCH_URL)
    if args.memory:
        sizes = [int(size) for size in args.memory.split(",")]
        report_memory([one_campaign(size, 1, url) for size in sizes])
    else:
        report_campaign(one_campaign(args.subscribers, args.workers, url))


if __name__ == "__main__":
    main()
