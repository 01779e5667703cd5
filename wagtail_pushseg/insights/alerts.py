"""Run the drift rules on every segment's history for a day, and keep ``SegmentAlert`` rows in
step: a finding with no open alert opens one, a finding with one updates it (the message and
numbers follow the latest figures), an open alert whose finding is gone is resolved."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Segment, SegmentAlert, SegmentDay, SegmentTagDay, SegmentTransition
from . import drift


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def describe(segment: Segment, finding: drift.Finding, names: dict[int, str]) -> str:
    """The alert in plain words, with the numbers."""
    n = finding.numbers
    if finding.kind == "ctr":
        return _(
            "%(segment)s clicked %(recent)s of pushes in the last two weeks, down from "
            "%(before)s over the six before."
        ) % {"segment": segment.name, "recent": _percent(n["recent_rate"]),
             "before": _percent(n["before_rate"])}
    if finding.kind == "size":
        text = _("%(segment)s grew from %(before)s to %(now)s members (%(change)s) in two weeks.")
        if n["change"] < 0:
            text = _(
                "%(segment)s shrank from %(before)s to %(now)s members (%(change)s) in two weeks."
            )
        return text % {"segment": segment.name, "before": n["before"], "now": n["now"],
                       "change": f"{n['change'] * 100:+.0f}%"}
    if finding.kind == "migration":
        return _(
            "%(moved)s members of %(segment)s moved to %(target)s in the last two weeks "
            "(%(share)s of its members two weeks ago)."
        ) % {"moved": n["moved"], "segment": segment.name,
             "target": names.get(n["target"], "?"), "share": _percent(n["share"])}
    return _(
        "%(segment)s clicked %(recent)s of pushes about “%(tag)s” in the last two weeks, down "
        "from %(before)s over the six before, while their other pushes held at %(other)s."
    ) % {"segment": segment.name, "tag": n["tag"], "recent": _percent(n["recent_rate"]),
         "before": _percent(n["before_rate"]), "other": _percent(n["other_recent_rate"])}


def findings_for(day: date) -> dict[int, list[drift.Finding]]:
    """Every rule on every segment's history up to ``day``, read in four queries."""
    first = day - timedelta(days=drift.RECENT_DAYS + drift.BEFORE_DAYS)
    daily, members = defaultdict(dict), defaultdict(dict)
    for row in SegmentDay.objects.filter(day__gt=first, day__lte=day).values(
        "segment_id", "day", "members", "pushes", "clicks"
    ):
        daily[row["segment_id"]][row["day"]] = drift.Rates(row["pushes"], row["clicks"])
        members[row["segment_id"]][row["day"]] = row["members"]
    per_tag = defaultdict(lambda: defaultdict(dict))
    for row in SegmentTagDay.objects.filter(day__gt=first, day__lte=day).values(
        "segment_id", "day", "tag", "pushes", "clicks"
    ):
        per_tag[row["segment_id"]][row["tag"]][row["day"]] = drift.Rates(
            row["pushes"], row["clicks"]
        )
    since = day - timedelta(days=drift.RECENT_DAYS)
    moved = defaultdict(dict)
    for row in (SegmentTransition.objects.filter(day__gt=since, day__lte=day)
                .values("source_id", "target_id").annotate(n=Sum("count")).order_by()):
        moved[row["source_id"]][row["target_id"]] = row["n"]
    found = {}
    for segment_id in Segment.objects.values_list("pk", flat=True):
        items = []
        if ctr := drift.click_through_fall(daily[segment_id], day):
            items.append(ctr)
        if size := drift.size_change(members[segment_id], day):
            items.append(size)
        items += drift.migrations(moved[segment_id], members[segment_id].get(since))
        items += drift.tag_falls(daily[segment_id], per_tag[segment_id], day)
        found[segment_id] = items
    return found


def run_alerts(day: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Open, update and resolve alerts for ``day``; returns how many of each."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    found = findings_for(day)
    segments = Segment.objects.in_bulk(found.keys())
    names = {pk: s.name for pk, s in segments.items()}
    counts = {"opened": 0, "updated": 0, "resolved": 0}
    with transaction.atomic():
        open_alerts_ = {
            (a.segment_id, a.kind, a.key): a
            for a in SegmentAlert.objects.select_for_update().filter(resolved_at__isnull=True)
        }
        seen = set()
        for segment_id, items in found.items():
            for finding in items:
                ident = (segment_id, finding.kind, finding.key)
                seen.add(ident)
                message = describe(segments[segment_id], finding, names)[:400]
                alert = open_alerts_.get(ident)
                if alert is None:
                    SegmentAlert.objects.create(
                        segment_id=segment_id, kind=finding.kind, key=finding.key,
                        message=message, numbers=finding.numbers, opened_on=day,
                        opened_at=now, checked_on=day,
                    )
                    counts["opened"] += 1
                else:
                    alert.message, alert.numbers, alert.checked_on = message, finding.numbers, day
                    alert.save(update_fields=["message", "numbers", "checked_on"])
                    counts["updated"] += 1
        for ident, alert in open_alerts_.items():
            if ident not in seen and alert.opened_on <= day:
                alert.resolved_on, alert.resolved_at = day, now
                alert.save(update_fields=["resolved_on", "resolved_at"])
                counts["resolved"] += 1
    return counts


def open_alerts(limit: int | None = None):
    """Open alerts, the newest first, with their segment (for the dashboard)."""
    alerts = (SegmentAlert.objects.filter(resolved_at__isnull=True)
              .select_related("segment").order_by("-opened_at", "-pk"))
    return list(alerts[:limit] if limit else alerts)
