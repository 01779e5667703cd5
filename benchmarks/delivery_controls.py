"""What the delivery controls cost: send times at planning, quiet hours and caps per chunk.

A campaign's deliveries for N subscribers spread over eight time zones (profiles with random
active hours; a third of them already had a push today) are written in bulk, then:

(a) ``campaigns.timing.schedule_send_times`` for "at 09:00 local" and for "most active hour
    between 08:00 and 21:00" over all N pending rows;
(b) ``campaigns.sending.controls.hold_back`` with quiet hours and a cap of one push a day,
    over the whole campaign in chunks of ``DELIVERY_CHUNK_SIZE`` claimed with ``claim.claim``, at a
    moment when four of the eight zones are in their quiet hours.

    python -m benchmarks.delivery_controls                        # 100,000 on SQLite
    python -m benchmarks.delivery_controls --postgres  # re-creates pushseg_controls_bench
"""

import argparse
import hashlib
import os
import random
import time
from datetime import UTC, datetime, timedelta

from .django_env import setup_django
from .segments_refresh import insert, recreate_postgres_database


BENCH_URL = "postgres://postgres@127.0.0.1:5432/pushseg_controls_bench"
ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
         "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland")
# Quiet (21:00-08:00) in Los Angeles, Tokyo, Sydney and Auckland.
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def populate(total: int, seed: int) -> int:
    from wagtail_pushseg.models import Campaign, Delivery, Profile, Subscriber

    rng = random.Random(seed)
    subscribers = (
        (i, url, hashlib.sha256(url.encode()).hexdigest(), "p" * 87, "a" * 22, f"{i:032x}",
         "Chrome", "Android", "en-GB", ZONES[i % len(ZONES)], "", "active", NOW, NOW)
        for i in range(1, total + 1)
        for url in [f"https://fcm.googleapis.com/fcm/send/bench-{i}"]
    )
    insert(Subscriber, ["id", "endpoint", "endpoint_hash", "p256dh", "auth", "visitor_id",
                        "browser", "platform", "language", "timezone", "user_agent", "status",
                        "created_at", "last_seen_at"], subscribers)
    profiles = (
        (i, "[" + ",".join(str(rng.randrange(6)) for _ in range(24)) + "]",
         0, 0, 0, 0, 0, 0, 0, 0.0, 0.0)
        for i in range(1, total + 1) if i % 5  # a fifth without a history
    )
    insert(Profile, ["subscriber_id", "active_hours", "pushes_received", "pushes_clicked",
                     "pushes_ignored_since_click", "total_visits", "activity_day",
                     "active_days", "active_weeks", "recent_visits", "recent_sale_visits"],
           profiles)
    earlier = Campaign.objects.create(title="Earlier today", url="/", status="sent")
    campaign = Campaign.objects.create(title="Benchmark", url="/", status="sending")
    sent = ((earlier.pk, i, "sent", 1, "", NOW - timedelta(hours=3), 0.0, 0)
            for i in range(1, total + 1, 3))
    insert(Delivery, ["campaign_id", "subscriber_id", "status", "attempts", "reason", "sent_at",
                      "degree", "variant"], sent)
    pending = ((campaign.pk, i, "pending", 0, "", 1.0, 0) for i in range(1, total + 1))
    insert(Delivery, ["campaign_id", "subscriber_id", "status", "attempts", "reason", "degree",
                      "variant"], pending)
    return campaign.pk


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def run(total: int, seed: int) -> dict:
    setup_django()
    from datetime import time as clock

    from django.conf import settings
    from django.db import connection

    from wagtail_pushseg.campaigns.sending.claim import claim
    from wagtail_pushseg.campaigns.sending.controls import hold_back
    from wagtail_pushseg.campaigns.timing import schedule_send_times
    from wagtail_pushseg.conf import pushseg_settings
    from wagtail_pushseg.models import Campaign, Delivery

    campaign_id = populate(total, seed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    campaign = Campaign.objects.get(pk=campaign_id)
    result = {"total": total, "vendor": connection.vendor}

    campaign.send_time, campaign.local_time = Campaign.SendTime.LOCAL_TIME, clock(9)
    result["local_seconds"], _ = timed(lambda: schedule_send_times(campaign, NOW))
    campaign.send_time, campaign.window_start_hour, campaign.window_end_hour = "best_hour", 8, 21
    result["best_seconds"], _ = timed(lambda: schedule_send_times(campaign, NOW))
    Delivery.objects.filter(campaign_id=campaign_id).update(next_attempt_at=None)

    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "QUIET_HOURS": ("21:00", "08:00"),
                                "FREQUENCY_CAP_PER_DAY": 1}
    chunk = pushseg_settings.DELIVERY_CHUNK_SIZE
    spent, claimed_seconds, chunks, sendable, deferred, capped = 0.0, 0.0, 0, 0, 0, 0
    while True:
        seconds, ids = timed(lambda: claim(campaign_id, chunk, now=NOW))
        if not ids:
            break
        claimed_seconds += seconds
        seconds, held = timed(lambda ids=ids: hold_back(campaign, ids, NOW))
        spent += seconds
        chunks += 1
        sendable += len(held.send)
        deferred += held.deferred
        capped += held.capped
        # Stand-in for sending, so the next claim moves on.
        Delivery.objects.filter(pk__in=held.send).update(status="sent", sent_at=NOW,
                                                         lease_until=None)
    result.update(chunks=chunks, chunk=chunk, hold_seconds=spent, claim_seconds=claimed_seconds,
                  sendable=sendable, deferred=deferred, capped=capped)
    return result


def report(r: dict) -> None:
    n = f"{r['total']:,}"
    print(f"delivery controls, {n} deliveries in {len(ZONES)} time zones on {r['vendor']}")
    print(f"  (a) at 09:00 local (one UPDATE per zone): {r['local_seconds']:.2f} s")
    print(f"  (a) most active hour 08-21 (one UPDATE per zone and hour): "
          f"{r['best_seconds']:.2f} s")
    per_chunk = 1000 * r["hold_seconds"] / max(1, r["chunks"])
    claim_ms = 1000 * r["claim_seconds"] / max(1, r["chunks"])
    print(f"  (b) quiet hours + cap of 1 a day: {r['hold_seconds']:.2f} s over {r['chunks']:,} "
          f"chunks of {r['chunk']} = {per_chunk:.1f} ms a chunk (claim itself {claim_ms:.1f} ms)")
    print(f"      sendable {r['sendable']:,}, deferred {r['deferred']:,}, "
          f"capped {r['capped']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true",
                        help="run on PostgreSQL (drops and re-creates pushseg_controls_bench)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    if args.postgres:
        url = os.environ.get("PUSHSEG_CONTROLS_BENCH_DATABASE_URL", BENCH_URL)
        recreate_postgres_database(url)
        os.environ["DATABASE_URL"] = url
    report(run(args.subscribers, args.seed))


if __name__ == "__main__":
    main()
