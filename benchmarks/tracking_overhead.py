"""What server-side tracking adds to serving a page.

Serves the same demo article many times through Django's full request cycle, alternating a
visitor who never subscribed (nothing is recorded) and a subscribed visitor (event, profile and
tag affinities written), and prints the median added time per request and the ratio.
Goal (issue 3): at most 1 ms and 15 % added on SQLite.
"""

import json
import statistics
import time

from .django_env import setup_django


def run(requests: int = 400, warmup: int = 30) -> dict:
    setup_django()
    from decimal import Decimal

    from demo.models import ArticleIndexPage, ArticlePage, HomePage, OfferIndexPage, OfferPage
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from wagtail.models import Page, Site

    from wagtail_pushseg.models import Event
    from wagtail_pushseg.testing import PushSandbox
    from wagtail_pushseg.tracking.buffer import view_buffer

    settings.DEBUG = False
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Home", slug="bench-home"))
    Site.objects.update(root_page=home)
    magazine = home.add_child(instance=ArticleIndexPage(title="Magazine", slug="magazine"))
    home.add_child(instance=OfferIndexPage(title="Shop", slug="shop"))
    article = ArticlePage(title="Best laptops", slug="best-laptops", date="2026-11-01",
                          intro="Our picks.")
    article.tags.add("laptops", "reviews", "sale")
    magazine.add_child(instance=article)
    del OfferPage, Decimal

    ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    with PushSandbox() as sandbox:
        settings.WAGTAIL_PUSHSEG = {
            **settings.WAGTAIL_PUSHSEG,
            "ALLOWED_ENDPOINT_ORIGINS": [sandbox.origin],
            "RATE_LIMIT": "0/m",
        }
        subscription = sandbox.subscribe(settings.WAGTAIL_PUSHSEG["VAPID_PUBLIC_KEY"])
    subscribed = Client(HTTP_ORIGIN="http://testserver", HTTP_USER_AGENT=ua)
    response = subscribed.post("/pushseg/api/subscribe", json.dumps(subscription),
                               content_type="application/json")
    assert response.status_code == 201, response.content
    anonymous = Client(HTTP_USER_AGENT=ua)
    url = article.url

    buffered = {**settings.WAGTAIL_PUSHSEG, "TRACKING_WRITES": "buffered"}
    immediate = {**settings.WAGTAIL_PUSHSEG, "TRACKING_WRITES": "immediate"}

    def timed(client, pushseg: dict) -> float:
        settings.WAGTAIL_PUSHSEG = pushseg
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        return elapsed

    for _ in range(warmup):
        timed(anonymous, buffered)
        timed(subscribed, buffered)
        timed(subscribed, immediate)
    plain, tracked, tracked_now = [], [], []
    for _ in range(requests):  # interleaved, so drift hits every side alike
        plain.append(timed(anonymous, buffered))
        tracked.append(timed(subscribed, buffered))
        tracked_now.append(timed(subscribed, immediate))
    view_buffer.flush()  # the last partial batch
    recorded = Event.objects.count()
    assert recorded == 2 * (requests + warmup), recorded
    plain_ms = statistics.median(plain) * 1000
    tracked_ms = statistics.median(tracked) * 1000
    immediate_ms = statistics.median(tracked_now) * 1000
    return {
        "database": connection.vendor,
        "requests": requests,
        "plain_ms": plain_ms,
        "tracked_ms": tracked_ms,
        "added_ms": tracked_ms - plain_ms,
        "ratio": tracked_ms / plain_ms,
        "immediate_ms": immediate_ms,
        "immediate_ratio": immediate_ms / plain_ms,
    }


def report(result: dict) -> None:
    print(f"tracking overhead ({result['database']}, {result['requests']} requests each, median)")
    print(f"  page, visitor not subscribed      : {result['plain_ms']:.3f} ms")
    print(f"  page, subscriber, buffered writes : {result['tracked_ms']:.3f} ms")
    print(f"  added per request (default)       : {result['added_ms']:.3f} ms (goal <= 1 ms)")
    print(f"  ratio tracked / plain (default)   : {result['ratio']:.3f} (goal <= 1.15)")
    print(
        f"  page, subscriber, immediate writes: {result['immediate_ms']:.3f} ms "
        f"(ratio {result['immediate_ratio']:.3f})"
    )
    from .summary import record

    record("tracking_overhead", "added per page request (buffered writes)",
           f"{result['added_ms']:.2f} ms, ratio {result['ratio']:.3f}", "<= 1 ms, <= 1.15")


if __name__ == "__main__":
    report(run())
