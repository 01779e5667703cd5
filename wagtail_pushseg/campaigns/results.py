"""How a campaign went, counted in SQL from its deliveries: a funnel per campaign, per target
segment and per wording variant, and receipts over time.

This is the one place the ledger is counted by status: the results page, the CSV, the
PushPanel, the details page's targets and the live progress all read a :class:`Funnel`.
One grouped query gives the funnel of every (target, variant); targets and the campaign are
sums of those rows, so the parts add up to the whole by construction (and the tests check it
against counts taken straight from the ledger).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from ..models import Campaign, CampaignTarget, Delivery
from .ab_test import VariantVerdict, compare_variants
from .payloads import wording
from .variants import letter, variants_by_target


S = Delivery.Status

#: At most this many buckets in a timeline (a year of days).
MAX_BUCKETS = 366


@dataclass
class Funnel:
    """Deliveries counted by how far they got: every status, and the receipts of the sent."""

    planned: int = 0
    sent: int = 0
    shown: int = 0
    clicked: int = 0
    dismissed: int = 0
    expired: int = 0
    failed: int = 0
    capped: int = 0
    cancelled: int = 0
    #: Still to go: not yet claimed, leased to a worker, or waiting to retry.
    pending: int = 0
    sending: int = 0
    retrying: int = 0

    def __add__(self, other: "Funnel") -> "Funnel":
        return Funnel(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                         for f in fields(self)})

    @property
    def waiting(self) -> int:
        """Deliveries that still need a worker."""
        return self.pending + self.sending + self.retrying

    @property
    def not_delivered(self) -> int:
        """Refused for good: the subscription expired or the push failed."""
        return self.expired + self.failed

    @property
    def ctr_sent(self) -> float | None:
        """Click-through of the pushes sent (None before anything was sent)."""
        return self.clicked / self.sent if self.sent else None

    @property
    def ctr_shown(self) -> float | None:
        """Click-through of the notifications shown on a device."""
        return self.clicked / self.shown if self.shown else None

    def as_dict(self) -> dict[str, int | float | None]:
        data: dict[str, int | float | None] = {f.name: getattr(self, f.name)
                                               for f in fields(self)}
        data.update(waiting=self.waiting, ctr_sent=self.ctr_sent, ctr_shown=self.ctr_shown)
        return data


#: The funnel's columns as SQL aggregates over deliveries.
FUNNEL_AGGREGATES = {
    "planned": Count("pk"),
    "sent": Count("pk", filter=Q(status=S.SENT)),
    "shown": Count("shown_at"),
    "clicked": Count("clicked_at"),
    "dismissed": Count("dismissed_at"),
    "expired": Count("pk", filter=Q(status=S.EXPIRED)),
    "failed": Count("pk", filter=Q(status=S.FAILED)),
    "capped": Count("pk", filter=Q(status=S.CAPPED)),
    "cancelled": Count("pk", filter=Q(status=S.CANCELLED)),
    "pending": Count("pk", filter=Q(status=S.PENDING)),
    "sending": Count("pk", filter=Q(status=S.SENDING)),
    "retrying": Count("pk", filter=Q(status=S.RETRY)),
}


@dataclass
class VariantResult:
    number: int
    title: str
    funnel: Funnel

    @property
    def letter(self) -> str:
        return letter(self.number)


@dataclass
class TargetResult:
    """One target segment (``target`` None: deliveries whose target was removed)."""

    target: CampaignTarget | None
    variants: list[VariantResult] = field(default_factory=list)
    verdict: VariantVerdict | None = None

    @property
    def funnel(self) -> Funnel:
        return sum((v.funnel for v in self.variants), Funnel())

    @property
    def name(self) -> str:
        return self.target.segment.name if self.target else "(removed target)"


@dataclass
class Timeline:
    """Receipts per bucket (an hour, or a day for long campaigns), oldest first."""

    unit: str
    buckets: list[datetime]
    shown: list[int]
    clicked: list[int]


@dataclass
class CampaignReport:
    campaign: Campaign
    funnel: Funnel
    targets: list[TargetResult]
    timeline: Timeline


def funnels_by(deliveries: QuerySet, *columns: str) -> dict[tuple, Funnel]:
    """The funnel of ``deliveries`` per value of ``columns``, in one grouped query."""
    rows = deliveries.order_by().values(*columns).annotate(**FUNNEL_AGGREGATES)
    return {tuple(row.pop(c) for c in columns): Funnel(**row) for row in rows}


def funnels(campaign_ids: Iterable[int]) -> dict[int, Funnel]:
    """The funnel of several campaigns in one grouped query (no deliveries: an empty one)."""
    ids = list(campaign_ids)
    found = funnels_by(Delivery.objects.filter(campaign_id__in=ids), "campaign_id")
    return {pk: found.get((pk,), Funnel()) for pk in ids}


def funnels_by_target(campaign_id: int) -> dict[int | None, Funnel]:
    """One campaign's funnel per target id (``None``: the target was removed)."""
    found = funnels_by(Delivery.objects.filter(campaign_id=campaign_id), "target_id")
    return {target_id: funnel for (target_id,), funnel in found.items()}


def funnels_by_target_and_variant(campaign_id: int) -> dict[tuple[int | None, int], Funnel]:
    return funnels_by(Delivery.objects.filter(campaign_id=campaign_id), "target_id", "variant")


def _wordings(campaign: Campaign, target: CampaignTarget | None,
              extra: dict[int, list]) -> dict[int, str]:
    """Variant number → the title it sends, for one target."""
    titles = {0: wording(campaign, target)[0]}
    if target is not None:
        for number, variant in enumerate(extra.get(target.pk, ()), start=1):
            titles[number] = wording(campaign, target, variant)[0]
    return titles


def timeline(campaign_id: int, now: datetime | None = None) -> Timeline:
    """Shown and clicked per hour (per day when the receipts span more than three days)."""
    deliveries = Delivery.objects.filter(campaign_id=campaign_id).order_by()
    span = deliveries.aggregate(first=Min("shown_at"), last=Max("shown_at"),
                                last_click=Max("clicked_at"))
    first = span["first"]
    if first is None:
        return Timeline("hour", [], [], [])
    last = max(d for d in (span["last"], span["last_click"]) if d is not None)
    daily = last - first > timedelta(days=3)
    trunc, step = (TruncDay, timedelta(days=1)) if daily else (TruncHour, timedelta(hours=1))
    counts: dict[str, dict[datetime, int]] = {}
    for column in ("shown_at", "clicked_at"):
        rows = (deliveries.filter(**{f"{column}__isnull": False})
                .annotate(bucket=trunc(column)).values("bucket").annotate(n=Count("pk")))
        counts[column] = {row["bucket"]: row["n"] for row in rows}
    start = min(min(c) for c in counts.values() if c)
    end = max(max(c) for c in counts.values() if c)
    buckets = []
    moment = start
    while moment <= end and len(buckets) < MAX_BUCKETS:
        buckets.append(moment)
        if daily:  # the next local midnight, whatever DST does
            moment = timezone.localtime((moment + step).replace(hour=12)).replace(hour=0)
        else:
            moment = timezone.localtime(moment.astimezone(UTC) + step)
    return Timeline(
        "day" if daily else "hour", buckets,
        [counts["shown_at"].get(b, 0) for b in buckets],
        [counts["clicked_at"].get(b, 0) for b in buckets],
    )


def campaign_report(campaign: Campaign) -> CampaignReport:
    """Everything the results page shows, in a handful of grouped queries."""
    by_key = funnels_by_target_and_variant(campaign.pk)
    targets = {t.pk: t for t in campaign.targets.select_related("segment")
               .order_by("sort_order", "pk")}
    extra = variants_by_target(campaign)
    per_target: dict[int | None, dict[int, Funnel]] = defaultdict(dict)
    for (target_id, variant), funnel in by_key.items():
        key = target_id if target_id in targets else None  # None: the target was removed
        per_target[key][variant] = per_target[key].get(variant, Funnel()) + funnel
    results = []
    for target_id in [*targets, None]:
        if target_id is None and None not in per_target:
            continue
        target = targets.get(target_id)
        titles = _wordings(campaign, target, extra)
        counted = per_target.get(target_id, {})
        numbers = sorted(set(titles) | set(counted))
        variants = [VariantResult(n, titles.get(n, ""), counted.get(n, Funnel()))
                    for n in numbers]
        result = TargetResult(target, variants)
        if len(variants) > 1:
            result.verdict = compare_variants(
                [(v.letter, v.funnel.clicked, v.funnel.sent) for v in variants])
        results.append(result)
    total = sum((f for f in by_key.values()), Funnel())
    return CampaignReport(campaign, total, results, timeline(campaign.pk))
