"""Refreshing the five starter segments set-wise, against a per-subscriber loop in Python.

A synthetic population (subscribers, profiles and tag affinities shaped like the demo's
personas) is inserted in bulk (COPY on PostgreSQL, executemany in one transaction on SQLite).
Then, in the same run, at the same evaluation time:

(a) ``segments.refresh.refresh_segment`` for each starter segment: one set-wise query per
    segment, memberships written (every member new); then again, with nothing changed;
(b) the way rule-based personalisation add-ons evaluate: loop over subscribers, load each
    one's rows, evaluate the rules in Python (``segments.reference``), once per segment as
    they do, and once with each subscriber's rows loaded a single time for all five segments
    (the kindest loop). The loops run on a sample and are extrapolated linearly; they write
    nothing, which favours them.

The sample's loop members are checked against the memberships (a) stored.

    python -m benchmarks.segments_refresh                      # 100,000 on SQLite
    python -m benchmarks.segments_refresh --postgres --subscribers 1000000

``--postgres`` drops and re-creates the database ``pushseg_bench`` (``PUSHSEG_BENCH_DATABASE_URL``
overrides postgres://postgres@127.0.0.1:5432/pushseg_bench). Goal (issue 4): 1M x 5 segments in
at most 60 s on a 2-core machine, at least 20x faster than the loop.
"""

import argparse
import hashlib
import os
import random
import time
from datetime import UTC, datetime, timedelta

from .django_env import setup_django


BENCH_URL = "postgres://postgres@127.0.0.1:5432/pushseg_bench"
PERSONAS = (("loyal", 0.22), ("bargain", 0.15), ("lapsed", 0.15), ("fan", 0.20), ("new", 0.10))
CATEGORIES = ("laptops", "phones", "audio", "cameras", "gaming", "smart-home", "wearables")
SALE_TAGS = ("sale", "clearance", "discount")


def recreate_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def persona_of(rng: random.Random) -> str:
    draw = rng.random()
    for persona, share in PERSONAS:
        if draw < share:
            return persona
        draw -= share
    return "casual"


def person(rng: random.Random, now: datetime) -> dict:
    """One synthetic subscriber: persona, when they subscribed and last came, the weeks they
    were active (weeks before this one), their sale share and tag scores."""
    from wagtail_pushseg.tracking.activity import day_number, week_number

    persona = persona_of(rng)
    created = now - timedelta(days=rng.uniform(100, 200))
    tags = {rng.choice(CATEGORIES): rng.uniform(0.2, 3.0) for _ in range(rng.randint(1, 3))}
    share, span, p_week = rng.uniform(0, 0.3), 12, 0.15
    last_days = rng.uniform(1, 90)
    if persona == "loyal":
        last_days, span, p_week = rng.uniform(0, 6), 12, 0.9
    elif persona == "bargain":
        last_days, span, p_week, share = rng.uniform(0, 14), 8, 0.6, rng.uniform(0.85, 1.0)
        tags[rng.choice(SALE_TAGS)] = rng.uniform(1, 4)
    elif persona == "lapsed":
        last_days, span, p_week = rng.uniform(50, 90), 10, 0.6
    elif persona == "fan":
        last_days, span, p_week = rng.uniform(0, 5), 6, 0.7
        tags[rng.choice(("cameras", "audio", "gaming"))] = rng.uniform(4.5, 10)
    elif persona == "new":
        created = now - timedelta(days=rng.uniform(0.5, 7))
        last_days, span = rng.uniform(0, (now - created).total_seconds() / 86400), 0
    last = now - timedelta(days=last_days)
    newest = week_number(day_number(now)) - week_number(day_number(last))
    weeks = {0} | {w for w in range(1, span + 1) if rng.random() < p_week}
    return {"persona": persona, "created": created, "last": last, "anchor": day_number(last),
            "weeks_mask": sum(1 << w for w in weeks if w + newest < 53), "visits": len(weeks),
            "share": share, "tags": tags}


def insert(model, columns: list[str], rows) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) as fast as the database allows."""
    from django.db import connection, transaction

    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({names}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('%s' for _ in columns)})"
    batch: list[tuple] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows:
            batch.append(tuple(adapt(v) if isinstance(v, datetime) else v for v in row))
            if len(batch) == 10_000:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        cursor.executemany(sql, batch)
    return count + len(batch)


def populate(total: int, now: datetime, seed: int) -> dict:
    from wagtail_pushseg.models import Profile, Subscriber, TagAffinity

    rng = random.Random(seed)
    people = [person(rng, now) for _ in range(total)]
    subscribers = (
        (i, url, hashlib.sha256(url.encode()).hexdigest(), "p" * 87, "a" * 22, f"{i:032x}",
         "Chrome", "Android", "en-GB", "Europe/London", "", "active", p["created"], p["last"])
        for i, p in enumerate(people, 1)
        for url in [f"https://fcm.googleapis.com/fcm/send/bench-{i}"]
    )
    insert(Subscriber, ["id", "endpoint", "endpoint_hash", "p256dh", "auth", "visitor_id",
                        "browser", "platform", "language", "timezone", "user_agent", "status",
                        "created_at", "last_seen_at"], subscribers)
    profiles = (
        (i, p["visits"], p["created"], p["last"], p["anchor"], 1, p["weeks_mask"],
         1.5 * p["visits"], 1.5 * p["visits"] * p["share"], p["last"], "[]", 0, 0, 0)
        for i, p in enumerate(people, 1)
    )
    insert(Profile, ["subscriber_id", "total_visits", "first_visit_at", "last_visit_at",
                     "activity_day", "active_days", "active_weeks", "recent_visits",
                     "recent_sale_visits", "recent_at", "active_hours", "pushes_received",
                     "pushes_clicked", "pushes_ignored_since_click"], profiles)
    affinities = (
        (i, tag, score, max(1, round(score)), p["last"])
        for i, p in enumerate(people, 1) for tag, score in p["tags"].items()
    )
    tags = insert(TagAffinity, ["subscriber_id", "tag", "score", "views", "updated_at"],
                  affinities)
    return {"subscribers": total, "affinities": tags}


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence('wagtail_pushseg_subscriber',"
                           " 'id'), (SELECT max(id) FROM wagtail_pushseg_subscriber))")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def loop(segments, now: datetime, sample: int, facts_once: bool) -> tuple[float, dict]:
    """The per-subscriber loop over ``sample`` subscribers: seconds and members found."""
    from wagtail_pushseg.models import Subscriber
    from wagtail_pushseg.segments.parse import rule_tree
    from wagtail_pushseg.segments.reference import evaluate, load_facts, reference_degree
    from wagtail_pushseg.segments.rules import ALL, Group

    trees = [(segment, rule_tree(segment)) for segment in segments]
    union = Group(match=ALL, children=tuple(tree for _segment, tree in trees))
    members: dict[int, set[int]] = {segment.pk: set() for segment in segments}
    started = time.perf_counter()
    queryset = Subscriber.objects.filter(status="active").order_by("pk")[:sample]
    for subscriber in queryset.iterator(chunk_size=1000):
        facts = load_facts(subscriber, union, now) if facts_once else None
        for segment, tree in trees:
            outcome = (evaluate(tree, facts, now) if facts_once
                       else reference_degree(subscriber, tree, now))
            if outcome.degree > 0 and outcome.degree >= segment.threshold:
                members[segment.pk].add(subscriber.pk)
    return time.perf_counter() - started, members


def run(total: int, sample: int, seed: int) -> dict:
    setup_django()
    from django.db import connection

    from wagtail_pushseg.models import Membership
    from wagtail_pushseg.segments.refresh import refresh_segment
    from wagtail_pushseg.segments.starter import install_starter_segments

    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    counts = populate(total, now, seed)
    analyze()
    insert_seconds = time.perf_counter() - started
    segments = [item.segment for item in install_starter_segments(fan_tags=["cameras"])]

    started = time.perf_counter()
    results = [refresh_segment(segment, now) for segment in segments]
    set_seconds = time.perf_counter() - started
    started = time.perf_counter()  # again: the steady state, where few memberships change
    for segment in segments:
        refresh_segment(segment, now)
    again_seconds = time.perf_counter() - started

    sample = min(sample, total)
    per_segment_seconds, members = loop(segments, now, sample, facts_once=False)
    once_seconds, members_once = loop(segments, now, sample, facts_once=True)
    stored = {segment.pk: set() for segment in segments}
    # Ids are 1..total and every subscriber is active: the sample is ids 1..sample.
    sampled = Membership.objects.filter(subscriber_id__lte=sample)
    for segment_id, subscriber_id in sampled.values_list("segment_id", "subscriber_id"):
        stored[segment_id].add(subscriber_id)
    differences = sum(len(stored[pk] ^ members[pk]) + len(stored[pk] ^ members_once[pk])
                      for pk in stored)
    scale = total / sample
    return {
        "database": connection.vendor, "subscribers": counts["subscribers"],
        "affinities": counts["affinities"], "insert_seconds": insert_seconds,
        "set_seconds": set_seconds, "again_seconds": again_seconds,
        "per_segment": [(s.slug, r.seconds, r.members) for s, r in zip(segments, results,
                                                                        strict=True)],
        "sample": sample, "loop_seconds": per_segment_seconds * scale,
        "loop_sample_seconds": per_segment_seconds, "once_seconds": once_seconds * scale,
        "once_sample_seconds": once_seconds, "differences": differences,
    }


def report(r: dict) -> None:
    n, s = f"{r['subscribers']:,}", r["set_seconds"]
    print(f"segments refresh ({r['database']}, {n} subscribers with profiles, "
          f"{r['affinities']:,} tag affinities; inserted and analysed in "
          f"{r['insert_seconds']:.1f} s)")
    print(f"  (a) set-wise refresh of the 5 starter segments: {s:.2f} s "
          f"(goal at 1,000,000: <= 60 s)")
    for slug, seconds, members in r["per_segment"]:
        print(f"        {slug:20} {seconds:7.2f} s  {members:>9,} members")
    print(f"      again, nothing changed since: {r['again_seconds']:.2f} s")
    for label, key in (("rows loaded per segment (as add-ons do)", "loop"),
                       ("rows loaded once per subscriber", "once")):
        print(f"  (b) Python loop, {label}: {r[key + '_sample_seconds']:.2f} s for "
              f"{r['sample']:,} subscribers -> {r[key + '_seconds']:.1f} s for {n} "
              f"(extrapolated linearly), {r[key + '_seconds'] / s:.1f}x (a)")
    faster = min(r["loop_seconds"], r["once_seconds"])
    print(f"  ratio, the faster loop / set-wise: {faster / s:.1f}x (goal >= 20x)")
    from .summary import record

    record("segments_refresh", f"5 segments, {n} subscribers ({r['database']})",
           f"{s:.2f} s, {faster / s:.1f}x the loop", "<= 60 s at 1,000,000, >= 20x")
    print(f"  check: loop members vs stored memberships for the {r['sample']:,} sampled "
          f"subscribers: {r['differences']} differences")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000,
                        help="subscribers the Python loop runs on (then extrapolated)")
    parser.add_argument("--postgres", action="store_true",
                        help="run on PostgreSQL (drops and re-creates pushseg_bench)")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if args.postgres:
        url = os.environ.get("PUSHSEG_BENCH_DATABASE_URL", BENCH_URL)
        recreate_postgres_database(url)
        os.environ["DATABASE_URL"] = url
    report(run(args.subscribers, args.sample, args.seed))


if __name__ == "__main__":
    main()
