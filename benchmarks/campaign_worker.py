"""One sending worker for the campaign benchmarks: ``engine.send_chunk`` until nothing is left.

Run by ``benchmarks.campaign`` as its own OS process, as a ``qcluster`` worker would run the
task: it claims chunks by lease, sends them through the async sender and writes the results.
It prints one JSON line: chunks, outcomes, seconds (and how many of them inside the sender),
and its memory: resident set after each chunk (sampled) and the peak (``VmHWM``).

Environment (set by the parent): ``DATABASE_URL``, ``PUSHSEG_BENCH_VAPID`` ("private public"),
``PUSHSEG_BENCH_ORIGIN`` (the sandbox's origin, allowed as an endpoint origin) and
``SSL_CERT_FILE`` (the sandbox's test CA, which the sender's default TLS context trusts).
"""

import json
import os
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def memory_kib(field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def setup() -> None:
    for path in (ROOT, ROOT / "example_site"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django
    from django.conf import settings

    django.setup()
    private, public = os.environ["PUSHSEG_BENCH_VAPID"].split()
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG, "VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": public,
        "ALLOWED_ENDPOINT_ORIGINS": [os.environ["PUSHSEG_BENCH_ORIGIN"]],
    }


def main(campaign_id: int) -> dict:
    setup()
    from wagtail_pushseg.campaigns.sending import engine

    # Time spent inside the sender (encrypt + HTTP), to tell it from the database work.
    in_sender = [0.0]
    send_many_sync = engine.send_many_sync

    def timed_send(*args, **kwargs):
        started = time.perf_counter()
        try:
            return send_many_sync(*args, **kwargs)
        finally:
            in_sender[0] += time.perf_counter() - started

    engine.send_many_sync = timed_send
    totals = {"claimed": 0, "sent": 0, "expired": 0, "retry": 0, "failed": 0}
    rss: list[tuple[int, int]] = [(0, memory_kib("VmRSS"))]  # (deliveries done, KiB)
    chunks = 0
    started = time.perf_counter()
    while True:
        result = engine.send_chunk(campaign_id)
        if not result.claimed:
            break
        chunks += 1
        for name in totals:
            totals[name] += getattr(result, name)
        if chunks % 20 == 0:
            rss.append((totals["claimed"], memory_kib("VmRSS")))
    seconds = time.perf_counter() - started
    rss.append((totals["claimed"], memory_kib("VmRSS")))
    return {**totals, "chunks": chunks, "seconds": seconds, "sender_seconds": in_sender[0],
            "rss_kib": rss, "peak_kib": memory_kib("VmHWM"), "pid": os.getpid()}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))), flush=True)
