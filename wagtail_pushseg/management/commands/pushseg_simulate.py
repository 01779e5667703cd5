"""``manage.py pushseg_simulate --seed N --days 90 [--subscribers N]``: a simulated population
with its reading, pushes and clicks, and the segment history and drift alerts they make
(``wagtail_pushseg.insights.simulation``). Replaces an earlier simulation."""

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...insights.simulation import FADE_DAY, NEW_GROUP_DAY, Simulation
from ...models import SegmentAlert


class Command(BaseCommand):
    help = (
        "Simulate subscribers reading and clicking for a number of days (ending yesterday), with "
        "planted changes: a segment whose clicks fade from day 45, a new two-tag group from "
        "day 60, and a stable control. Writes real rows (subscribers on push.simulated.invalid, "
        "campaigns and deliveries marked as sent); an earlier simulation is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")
        parser.add_argument("--days", type=int, default=90, help="Simulated days (90).")
        parser.add_argument("--subscribers", type=int, default=600, metavar="N",
                            help="Subscribers at the start (600); the new group adds 15%%.")
        parser.add_argument("--end", type=date.fromisoformat, default=None,
                            help="Last simulated day, YYYY-MM-DD (yesterday).")
        parser.add_argument("--no-progress", action="store_true",
                            help="Do not draw a progress bar.")

    def handle(self, *args, **options):
        days, count = options["days"], options["subscribers"]
        if not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366")
        if not 10 <= count <= 200_000:
            raise CommandError("--subscribers must be between 10 and 200000")
        verbose = options["verbosity"] > 0

        def progress(items, total):
            return tqdm(items, total=total, desc="Simulated days", unit="day", file=sys.stderr,
                        disable=options["no_progress"] or not verbose, leave=False)

        simulation = Simulation(options["seed"], days, count, end=options["end"])
        result = simulation.run(progress)
        if verbose:
            self.stdout.write(
                f"Simulated {result.days} days from {result.start}: {result.subscribers} "
                f"subscribers, {result.views} page views, {result.pushes} pushes, "
                f"{result.clicks} clicks (fade from day {FADE_DAY}, new group from day "
                f"{NEW_GROUP_DAY}; day 0 is the first)."
            )
            for alert in SegmentAlert.objects.filter(
                    segment_id__in=result.segments.values()).order_by("opened_on", "pk"):
                state = f"resolved {alert.resolved_on}" if alert.resolved_on else "open"
                self.stdout.write(f"  alert {alert.opened_on} ({state}): {alert.message}")
