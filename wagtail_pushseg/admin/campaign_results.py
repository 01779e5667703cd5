"""How campaigns went: their deliveries counted by status, for listings, panels and details."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from ..models import Delivery


@dataclass
class Results:
    """Deliveries of one campaign by status, with the headline numbers."""

    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def sent(self) -> int:
        return self.by_status.get(Delivery.Status.SENT, 0)

    @property
    def waiting(self) -> int:
        return sum(self.by_status.get(s, 0) for s in (
            Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.RETRY))

    @property
    def capped(self) -> int:
        """Held back by the frequency cap (final, not a failure)."""
        return self.by_status.get(Delivery.Status.CAPPED, 0)

    @property
    def not_delivered(self) -> int:
        return sum(self.by_status.get(s, 0) for s in (
            Delivery.Status.EXPIRED, Delivery.Status.FAILED))

    def rows(self) -> list[tuple[str, int]]:
        """(label, count) for each status with deliveries, in the ledger's order."""
        return [(label, self.by_status[value]) for value, label in Delivery.Status.choices
                if self.by_status.get(value)]


def results_for(campaign_ids: Iterable[int]) -> dict[int, Results]:
    """Results of several campaigns in one grouped query (campaigns without deliveries get
    empty results)."""
    ids = list(campaign_ids)
    results: dict[int, Results] = defaultdict(Results)
    rows = (Delivery.objects.filter(campaign_id__in=ids).order_by()
            .values_list("campaign_id", "status").annotate(n=Count("pk")))
    for campaign_id, status, n in rows:
        results[campaign_id].by_status[status] = n
    return {pk: results[pk] for pk in ids}


def results_by_target(campaign_id: int) -> dict[int | None, Results]:
    """One campaign's results per target id (``None``: the target was removed)."""
    results: dict[int | None, Results] = defaultdict(Results)
    rows = (Delivery.objects.filter(campaign_id=campaign_id).order_by()
            .values_list("target_id", "status").annotate(n=Count("pk")))
    for target_id, status, n in rows:
        results[target_id].by_status[status] = n
    return dict(results)
