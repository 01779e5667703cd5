"""``manage.py pushseg_purge [--dry-run] [--no-progress]``: the daily staleness job by hand."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from ...conf import pushseg_settings
from ...subscribers.staleness import purge_stale


class Command(BaseCommand):
    help = (
        "Retire subscribers not seen and not reachable for RETIRE_AFTER_DAYS, then delete "
        "expired, unsubscribed and retired subscribers PURGE_AFTER_DAYS after they ended "
        "(their deliveries stay in the ledger, without them)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Count what would be retired and purged; change nothing.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, dry_run=False, no_progress=False, **options):
        report = purge_stale(dry_run=dry_run, progress=lambda total: tqdm(
            total=total, unit="subscriber", desc="Purging", disable=no_progress,
        ))
        retire, purge = pushseg_settings.RETIRE_AFTER_DAYS, pushseg_settings.PURGE_AFTER_DAYS
        if dry_run:
            self.stdout.write(
                f"Dry run: {report.retired} subscribers would be retired (not seen or reached "
                f"for {retire} days), {report.purged} would be purged ({purge} days after they "
                "ended). Nothing was changed."
            )
            return
        self.stdout.write(self.style.SUCCESS(
            f"Retired {report.retired} subscribers, purged {report.purged}."
        ))
