"""``manage.py pushseg_send``: create a campaign from flags and send it, with a progress bar."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from tqdm import tqdm

from ...campaigns import services
from ...campaigns.payloads import largest_payload_excess
from ...campaigns.planning import audience_counts
from ...campaigns.sending.engine import send_chunk
from ...delivery.payload import MAX_PLAINTEXT_BYTES, PayloadTooLarge
from ...models import Campaign, CampaignTarget, Delivery, Segment


class Command(BaseCommand):
    help = (
        "Create a campaign and send it to segments (in priority order). "
        "Example: pushseg_send --title 'Winter sale' --url /shop/ --segment bargain-hunters "
        "--segment loyal --focus priority"
    )

    def add_arguments(self, parser):
        parser.add_argument("--title", required=True)
        parser.add_argument("--body", default="")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--page", type=int, help="id of the page the push is about")
        where.add_argument("--url", help="a path or URL on the site")
        parser.add_argument("--segment", action="append", default=[], metavar="SLUG",
                            help="a target segment; repeat in priority order")
        parser.add_argument("--exclude", action="append", default=[], metavar="SLUG")
        parser.add_argument("--focus", choices=[c for c, _ in Campaign.Focus.choices],
                            default=Campaign.Focus.PRIORITY)
        parser.add_argument("--min-degree", type=float, default=None)
        parser.add_argument("--ttl", type=int, default=24 * 3600)
        parser.add_argument("--urgency", choices=[c for c, _ in Campaign.Urgency.choices],
                            default="normal")
        parser.add_argument("--dry-run", action="store_true",
                            help="print the audience per target and send nothing")
        parser.add_argument("--no-progress", action="store_true")

    def _segments(self, slugs: list[str]) -> list[Segment]:
        found = {s.slug: s for s in Segment.objects.filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            known = ", ".join(Segment.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"unknown segment(s): {', '.join(missing)} (known: {known})")
        return [found[slug] for slug in slugs]

    def handle(self, *args, **o):
        if not o["segment"]:
            raise CommandError("name at least one --segment")
        targets, excluded = self._segments(o["segment"]), self._segments(o["exclude"])
        with transaction.atomic():
            campaign = Campaign.objects.create(
                title=o["title"], body=o["body"], page_id=o["page"], url=o["url"] or "",
                focus=o["focus"], min_degree=o["min_degree"], ttl=o["ttl"],
                urgency=o["urgency"],
            )
            for order, segment in enumerate(targets):
                CampaignTarget.objects.create(campaign=campaign, segment=segment,
                                              sort_order=order)
            campaign.excluded_segments.set(excluded)
            campaign.save()
            # The largest payload the sender will send: every target (its id travels in the
            # payload) and variant, links included; the admin form's check, for a saved one.
            excess = largest_payload_excess(campaign)
            if excess:
                raise CommandError(str(PayloadTooLarge(MAX_PLAINTEXT_BYTES + excess)))
            if o["dry_run"]:
                self._print_audience(campaign)
                transaction.set_rollback(True)
                return
        services.send_now(campaign, enqueue=False)
        self._plan_and_send(campaign, progress=not o["no_progress"])

    def _print_audience(self, campaign: Campaign) -> None:
        services.refresh_campaign_segments(campaign)
        counts = audience_counts(campaign)
        for target in campaign.targets.order_by("sort_order"):
            self.stdout.write(f"{target.segment.slug}: {counts.get(target.pk, 0)}")
        self.stdout.write(f"total: {sum(counts.values())} (dry run: nothing sent)")

    def _plan_and_send(self, campaign: Campaign, progress: bool) -> None:
        # Run the work here rather than waiting for a cluster: the command is the worker.
        planned = services.plan(campaign.pk, enqueue=False)
        bar = tqdm(total=planned, unit="push", disable=not progress, desc="Sending")
        while True:
            result = send_chunk(campaign.pk)
            bar.update(result.sent + result.expired + result.failed + result.capped)
            if Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.PAUSED).exists():
                break  # the VAPID breaker stopped it: nothing more goes out until resumed
            # Throttled: the global send rate is spent for now, not the work.
            if not result.claimed and not result.throttled:
                waiting = Delivery.objects.filter(campaign=campaign, status="retry").count()
                if not waiting:
                    break
                time.sleep(1)  # retries are due later; keep going until they end
        bar.close()
        services.finish_if_done(campaign)
        campaign.refresh_from_db()
        counts = dict(
            Delivery.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("pk"))
        )
        summary = f"Campaign {campaign.pk}: {planned} planned, " + ", ".join(
            f"{n} {status}" for status, n in sorted(counts.items()))
        if campaign.status in (Campaign.Status.FAILED, Campaign.Status.PAUSED):
            # Nothing (more) reached anyone: a script running this must not read success.
            state = campaign.get_status_display().lower()
            raise CommandError(f"{summary}. The campaign is {state}: {campaign.status_reason}")
        self.stdout.write(summary)
