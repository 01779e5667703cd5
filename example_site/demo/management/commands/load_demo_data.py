"""``manage.py load_demo_data``: pages, logins and sandbox subscribers for the example site.

Run it while the push sandbox is stopped (``make demo`` does): a running sandbox keeps its
subscriptions in memory and would not know the ones added to its state file.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from wagtail_pushseg.segments.refresh import refresh_all
from wagtail_pushseg.segments.starter import install_starter_segments

from ...demo_data import step_rng
from ...demo_data.behaviour import FAN_TAGS, plant_behaviour
from ...demo_data.history import simulate_history
from ...demo_data.pages import create_pages, remove_generated_pages
from ...demo_data.subscribers import (
    DEFAULT_SANDBOX_URL,
    SandboxMismatch,
    create_subscribers,
    sandbox_rows,
)
from ...demo_data.users import PASSWORD, create_users


REPO_DIR = Path(__file__).resolve().parents[4]


def default_sandbox_state() -> Path:
    """The file ``run_demo.py`` starts the sandbox with: ``<repo>/.demo/sandbox.json``."""
    configured = getattr(settings, "PUSHSEG_DEMO_SANDBOX_STATE", None)
    return Path(configured) if configured else REPO_DIR / ".demo" / "sandbox.json"


class Command(BaseCommand):
    help = (
        "Load the demo shop: pages with tags, the admin/editor logins and sandbox push "
        "subscribers. Safe to run again: what exists is kept, what is missing is added."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed for all generated data (42)."
        )
        parser.add_argument(
            "--subscribers",
            type=int,
            default=300,
            metavar="N",
            help="How many sandbox subscribers to have (300).",
        )
        parser.add_argument(
            "--sandbox-state",
            type=Path,
            default=None,
            help="The push sandbox's JSON state file (PUSHSEG_DEMO_SANDBOX_STATE).",
        )
        parser.add_argument(
            "--sandbox-url",
            default=DEFAULT_SANDBOX_URL,
            help=f"Where the push sandbox is served ({DEFAULT_SANDBOX_URL}).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo pages and sandbox subscribers first, then load afresh.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )
        parser.add_argument(
            "--simulated-subscribers",
            type=int,
            default=0,
            metavar="N",
            help="Also simulate 90 days of the shop's history with N more sandbox subscribers "
                 "(and 15%% more arriving on day 60), so the segment trends, drift alerts and "
                 "campaign results have data (0: none; make demo: 400).",
        )
        parser.add_argument(
            "--no-behaviour",
            action="store_true",
            help="Do not (re)build the subscribers' page-view histories.",
        )

    def handle(self, *args, **options):
        seed = options["seed"]
        count = options["subscribers"]
        if count < 0:
            raise CommandError("--subscribers must be 0 or more")
        sandbox_path = options["sandbox_state"] or default_sandbox_state()
        sandbox_url = options["sandbox_url"]
        verbose = options["verbosity"] > 0

        if options["reset"]:
            removed_pages = remove_generated_pages()
            sandbox_rows(sandbox_url).delete()
            sandbox_path.unlink(missing_ok=True)
            self._say(verbose, f"Reset: removed {removed_pages} pages and the sandbox subscribers.")

        site_url = getattr(settings, "WAGTAILADMIN_BASE_URL", None)
        pages = create_pages(step_rng(seed, "pages"), site_url=site_url)
        self._say(
            verbose,
            f"Pages: {pages.created} created, {pages.existing} already there "
            f"({len(pages.articles)} articles, {len(pages.offers)} offers).",
        )

        users = create_users()
        self._say(
            verbose,
            "Users: admin (superuser) and editor (Editors group), password "
            f"{PASSWORD!r}" + (f"; created {', '.join(users.created)}." if users.created else "."),
        )

        def progress(items, total, desc="Subscribers"):
            return tqdm(
                items,
                total=total,
                desc=desc,
                unit="sub",
                disable=options["no_progress"] or not verbose,
                file=sys.stderr,
                leave=False,
            )

        try:
            subs = create_subscribers(
                step_rng(seed, "subscribers"),
                count,
                sandbox_path=sandbox_path,
                sandbox_url=sandbox_url,
                site=pages.site,
                progress=progress,
            )
        except SandboxMismatch as exc:
            raise CommandError(str(exc)) from exc
        if subs.fresh_sandbox:
            self._say(verbose, f"Sandbox: new state file for this VAPID key at {sandbox_path}.")
        self._say(
            verbose,
            f"Subscribers: {count} active ({subs.created} new, {subs.updated} updated, "
            f"{subs.removed} removed; {subs.sandbox_created} new sandbox subscriptions).",
        )
        if not options["no_behaviour"]:
            behaviour = plant_behaviour(
                step_rng(seed, "behaviour"),
                list(sandbox_rows(sandbox_url).filter(status="active").order_by("visitor_id")),
                pages.articles,
                pages.offers,
                progress=lambda items, total: progress(items, total, "Histories"),
            )
            personas = ", ".join(f"{n} {p}" for p, n in sorted(behaviour.counts().items()))
            self._say(verbose, f"Histories: {behaviour.views} page views ({personas}).")
        # The starter segments, with a fans segment per planted fan tag, refreshed so the
        # admin shows their members at once (segments already there are kept as they are).
        starters = install_starter_segments(fan_tags=FAN_TAGS, refresh=True)
        self._say(verbose, "Segments: " + ", ".join(
            f"{item.segment.name} ({item.segment.member_count})" for item in starters
        ) + ".")
        if options["simulated_subscribers"] > 0:
            # After the starters: the simulated history pushes to them.
            history = simulate_history(
                seed, options["simulated_subscribers"], sandbox_path=sandbox_path,
                sandbox_url=sandbox_url, personas=count,
                progress=lambda items, total: tqdm(
                    items, total=total, desc="Simulated days", unit="day", file=sys.stderr,
                    disable=options["no_progress"] or not verbose, leave=False),
            )
            # Memberships as of now (the simulation's last refresh was yesterday evening).
            refresh_all()
            self._say(
                verbose,
                f"History: {history.days} days from {history.start}, {history.subscribers} more "
                f"sandbox subscribers, {history.pushes} pushes, {history.clicks} clicks.",
            )
        self._say(
            verbose,
            self.style.SUCCESS(f"Demo data loaded (seed {seed}). Site: {pages.site.root_url}/"),
        )

    def _say(self, verbose: bool, message: str) -> None:
        if verbose:
            self.stdout.write(message)
