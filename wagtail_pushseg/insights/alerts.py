"""Run the drift rules on every segment's history for a day, and keep ``SegmentAlert`` rows in
step: a finding with no open alert opens one, a finding with one updates it (the message and
numbers follow the latest figures), an open alert whose finding is gone is resolved."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Segment, SegmentAlert, SegmentDay, SegmentTagDay, SegmentTransition
from . import cohorts, cusum, drift


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def _where(destinations: list) -> str:
    if not destinations:
        return _("where they went is not known yet (no weekly member set that old)")
    return ", ".join(f"{_percent(share)} {label}" for label, share in destinations)


def destination_labels(result: cohorts.Destinations, names: dict[int, str],
                       top: int = 3) -> list[tuple[str, float]]:
    """(words, share of the cohort) for the places its leavers went, the largest first."""
    rows = [(_("now in %(name)s") % {"name": names.get(pk, "?")}, n / result.members)
            for pk, n in result.others.most_common(top)]
    rows += [(label, result.share(key)) for key, label in (
        (cohorts.NOWHERE, _("in no segment")), (cohorts.LAPSED, _("lapsed")),
        (cohorts.UNSUBSCRIBED, _("unsubscribed")))]
    return sorted([row for row in rows if row[1] > 0], key=lambda row: -row[1])


def describe(segment: Segment, finding: drift.Finding, names: dict[int, str]) -> str:
    """The alert in plain words, with the numbers."""
    n = finding.numbers
    if finding.kind == "ctr":
        return _(
            "%(segment)s clicked %(recent)s of pushes since %(began)s, down from %(before)s "
            "over the eight weeks before: more than chance explains (the fall began on "
            "%(began)s)."
        ) % {"segment": segment.name, "recent": _percent(n["recent_rate"]),
             "before": _percent(n["baseline_rate"]),
             "began": date_format(date.fromisoformat(n["began"]), "j F")}
    if finding.kind == "loss":
        return _(
            "%(segment)s has %(now)s members, down from %(before)s %(weeks)s weeks ago "
            "(%(change)s). Of the members then: %(where)s."
        ) % {"segment": segment.name, "now": n["now"], "before": n["before"],
             "weeks": n["weeks"], "change": f"{-n['loss'] * 100:+.0f}%",
             "where": _where(n.get("destinations", []))}
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
    days = max(cusum.HISTORY_DAYS, max(drift.LOSS_WEEKS) * 7 + drift.CHURN_DAYS,
               drift.RECENT_DAYS + drift.BEFORE_DAYS)
    first = day - timedelta(days=days + 1)
    daily: defaultdict[int, dict[date, drift.Rates]] = defaultdict(dict)
    members: defaultdict[int, dict[date, int]] = defaultdict(dict)
    churn: defaultdict[int, dict[date, int]] = defaultdict(dict)
    for row in SegmentDay.objects.filter(day__gt=first, day__lte=day).values(
        "segment_id", "day", "members", "pushes", "clicks", "entered", "left"
    ):
        daily[row["segment_id"]][row["day"]] = drift.Rates(row["pushes"], row["clicks"])
        members[row["segment_id"]][row["day"]] = row["members"]
        if row["entered"] is not None and row["left"] is not None:
            churn[row["segment_id"]][row["day"]] = row["entered"] + row["left"]
    per_tag: defaultdict[int, defaultdict[str, dict[date, drift.Rates]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for tag_row in SegmentTagDay.objects.filter(day__gt=first, day__lte=day).values(
        "segment_id", "day", "tag", "pushes", "clicks"
    ):
        per_tag[tag_row["segment_id"]][tag_row["tag"]][tag_row["day"]] = drift.Rates(
            tag_row["pushes"], tag_row["clicks"]
        )
    since = day - timedelta(days=drift.RECENT_DAYS)
    moved: defaultdict[int, dict[int, int]] = defaultdict(dict)
    for move in (SegmentTransition.objects.filter(day__gt=since, day__lte=day)
                 .values("source_id", "target_id").annotate(n=Sum("count")).order_by()):
        moved[move["source_id"]][move["target_id"]] = move["n"]
    found = {}
    for segment_id in Segment.objects.values_list("pk", flat=True):
        items = []
        if ctr := cusum.click_through_cusum(daily[segment_id], day):
            items.append(ctr)
        if size := drift.size_change(members[segment_id], day, churn[segment_id]):
            items.append(size)
        shrinking = size is not None and size.numbers["change"] < 0
        # A fast fall is the size alert's; the loss alert is for the slow ones.
        if not shrinking and (loss := drift.member_loss(members[segment_id], day,
                                                        churn[segment_id])):
            items.append(loss)
        items += drift.migrations(moved[segment_id], members[segment_id].get(since))
        items += drift.tag_falls(daily[segment_id], per_tag[segment_id], day)
        found[segment_id] = items
    return found


def add_destinations(segment_id: int, finding: drift.Finding, day: date,
                     names: dict[int, str], now: datetime) -> None:
    """Name where the members of the loss window went (the weekly set of that many weeks ago,
    or of four weeks ago when the older one is gone)."""
    weeks = finding.numbers["weeks"]
    found = cohorts.destinations(segment_id, day, [weeks, *cohorts.COHORT_WEEKS], now=now)
    if found:
        result = found[0]
        finding.numbers["destinations"] = destination_labels(result, names)
        finding.numbers["cohort_day"] = result.since.isoformat()
        finding.numbers["cohort_counts"] = dict(result.counts)
        finding.numbers["cohort_others"] = {str(k): v for k, v in result.others.items()}


def run_alerts(day: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Open, update and resolve alerts for ``day``; returns how many of each."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    found = findings_for(day)
    segments = Segment.objects.in_bulk(found.keys())
    names = {pk: s.name for pk, s in segments.items()}
    for segment_id, items in found.items():
        for finding in items:
            if finding.kind == "loss":
                add_destinations(segment_id, finding, day, names, now)
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
