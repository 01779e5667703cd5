"""Rewrite stored endpoints in their canonical spelling and merge the rows that turn out to be
one push address, without losing what was recorded about the subscriber.

Run once by migration 0014 (rows stored before endpoints were canonicalised on the way in);
it takes an app registry so that the migration passes its historical models. What merging
means for each table is in ``docs/architecture.md`` ("Canonical endpoints").
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ..conf import pushseg_settings
from ..delivery.endpoint_policy import EndpointRejected, canonical_endpoint
from ..models.subscribers import endpoint_hash
from ..tracking.activity import DAYS_KEPT, WEEKS_KEPT, week_number
from ..tracking.decay import decayed


APP = "wagtail_pushseg"
#: Delivery states that are finished; a duplicate's unfinished delivery is cancelled.
_TERMINAL = {"sent", "expired", "failed", "cancelled", "capped"}


@dataclass
class MergeReport:
    #: Rows whose endpoint was rewritten in place.
    rewritten: int = 0
    #: Rows folded into another row and deleted.
    merged: int = 0


def canonicalise_subscribers(apps: Any, batch_size: int = 2000) -> MergeReport:
    """Give every subscriber its canonical endpoint; rows of one push address become one row.

    Endpoints that cannot be read at all are left as they are (the sender refuses them with a
    reason). Only rows spelt otherwise, and the rows they collide with, are loaded.
    """
    Subscriber = apps.get_model(APP, "Subscriber")
    report = MergeReport()
    spelt_otherwise: dict[int, str] = {}
    rows = Subscriber.objects.order_by().values_list("pk", "endpoint")
    for pk, endpoint in rows.iterator(chunk_size=batch_size):
        try:
            canonical = canonical_endpoint(endpoint)
        except EndpointRejected:
            continue
        if canonical != endpoint:
            spelt_otherwise[pk] = canonical
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, canonical in spelt_otherwise.items():
        groups[canonical].append(pk)
    canonicals = list(groups)
    for start in range(0, len(canonicals), batch_size):
        hashes = {endpoint_hash(c): c for c in canonicals[start:start + batch_size]}
        for pk, digest in Subscriber.objects.filter(endpoint_hash__in=hashes).values_list(
            "pk", "endpoint_hash"
        ):
            groups[hashes[digest]].append(pk)
    for canonical, pks in groups.items():
        if len(pks) > 1:
            report.merged += _merge(apps, pks)
        kept = Subscriber.objects.filter(pk__in=pks).exclude(endpoint=canonical)
        report.rewritten += kept.update(endpoint=canonical, endpoint_hash=endpoint_hash(canonical))
    return report


def _merge(apps: Any, pks: list[int]) -> int:
    """Fold the rows ``pks`` into the most recently seen one; returns how many went."""
    Subscriber = apps.get_model(APP, "Subscriber")
    rows = sorted(Subscriber.objects.filter(pk__in=pks), key=lambda s: (s.last_seen_at, s.pk))
    kept, others = rows[-1], rows[:-1]
    other_ids = [s.pk for s in others]
    # The most recently seen row holds the browser's current keys, status and visitor id (the
    # cookie the last subscribe set); the others fill what it lacks.
    kept.created_at = min(s.created_at for s in rows)
    for name in ("user_id", "site_id", "browser", "platform", "language", "timezone",
                 "user_agent"):
        if not getattr(kept, name):
            for other in reversed(others):
                if getattr(other, name):
                    setattr(kept, name, getattr(other, name))
                    break

    apps.get_model(APP, "Event").objects.filter(subscriber_id__in=other_ids).update(
        subscriber_id=kept.pk
    )
    _merge_profiles(apps.get_model(APP, "Profile"), kept.pk, pks)
    _merge_rows(apps.get_model(APP, "TagAffinity"), kept.pk, pks, ("tag",), _fold_affinities)
    _merge_rows(apps.get_model(APP, "Membership"), kept.pk, pks, ("segment_id",),
                _fold_memberships)
    _merge_rows(apps.get_model(APP, "MembershipDay"), kept.pk, pks, ("segment_id", "day"),
                lambda group: max(group, key=lambda m: (m.degree, -m.pk)))
    _merge_deliveries(apps.get_model(APP, "Delivery"), kept.pk, pks)
    _move_audit_entries(apps, kept.pk, other_ids)

    Subscriber.objects.filter(pk__in=other_ids).delete()
    kept.save()
    return len(others)


def _merge_rows(model: Any, kept_id: int, pks: list[int], key: tuple[str, ...],
                fold: Callable[[list[Any]], Any]) -> None:
    """One row per ``key`` (a unique constraint with the subscriber): ``fold`` picks and
    updates the row to keep, the rest of its group is deleted."""
    groups: dict[tuple, list[Any]] = defaultdict(list)
    for row in model.objects.filter(subscriber_id__in=pks).order_by("pk"):
        groups[tuple(getattr(row, name) for name in key)].append(row)
    for group in groups.values():
        keeper = fold(group)
        losers = [row.pk for row in group if row.pk != keeper.pk]
        if losers:
            model.objects.filter(pk__in=losers).delete()
        if keeper.subscriber_id != kept_id or losers:
            keeper.subscriber_id = kept_id
            keeper.save()


def _fold_affinities(group: list[Any]) -> Any:
    # Scores decay from their own moments; summed at the latest one, as two views would be.
    half_life = pushseg_settings.TAG_HALF_LIFE_DAYS
    keeper = max(group, key=lambda a: a.updated_at)
    anchor = keeper.updated_at
    keeper.score = sum(decayed(a.score, a.updated_at, anchor, half_life) for a in group)
    keeper.views = sum(a.views for a in group)
    return keeper


def _fold_memberships(group: list[Any]) -> Any:
    # The next refresh recomputes the degree; until then the strongest one stands.
    keeper = max(group, key=lambda m: (m.degree, -m.pk))
    keeper.entered_at = min(m.entered_at for m in group)
    keeper.updated_at = max(m.updated_at for m in group)
    return keeper


def _merge_profiles(Profile: Any, kept_id: int, pks: list[int]) -> None:
    profiles = list(Profile.objects.filter(subscriber_id__in=pks))
    if not profiles or (len(profiles) == 1 and profiles[0].subscriber_id == kept_id):
        return
    merged = {f.attname: getattr(profiles[0], f.attname) for f in Profile._meta.concrete_fields}
    for other in profiles[1:]:
        _fold_profile(merged, other)
    merged["subscriber_id"] = kept_id
    # The profile's primary key is the subscriber: written afresh under the kept row's id.
    Profile.objects.filter(subscriber_id__in=pks).delete()
    Profile.objects.create(**merged)


def _fold_profile(into: dict[str, Any], other: Any) -> None:
    """Fold ``other`` into the profile values ``into``, as if its visits had been recorded
    there: counts add up, windows are aligned and OR-ed, decayed counts summed at the later
    moment."""
    into["total_visits"] += other.total_visits
    into["first_visit_at"] = _extreme(min, into["first_visit_at"], other.first_visit_at)
    into["last_visit_at"] = _extreme(max, into["last_visit_at"], other.last_visit_at)
    if other.active_days or other.active_weeks:
        if not (into["active_days"] or into["active_weeks"]):
            into["active_days"], into["active_weeks"] = other.active_days, other.active_weeks
            into["activity_day"] = other.activity_day
        else:
            anchor = max(into["activity_day"], other.activity_day)
            into["active_days"] = (
                _shift(into["active_days"], anchor - into["activity_day"], DAYS_KEPT)
                | _shift(other.active_days, anchor - other.activity_day, DAYS_KEPT)
            )
            week = week_number(anchor)
            into["active_weeks"] = (
                _shift(into["active_weeks"], week - week_number(into["activity_day"]), WEEKS_KEPT)
                | _shift(other.active_weeks, week - week_number(other.activity_day), WEEKS_KEPT)
            )
            into["activity_day"] = anchor
    recent_at = _extreme(max, into["recent_at"], other.recent_at)
    if recent_at is not None:
        half_life = pushseg_settings.RECENT_HALF_LIFE_DAYS
        for name in ("recent_visits", "recent_sale_visits"):
            into[name] = (decayed(into[name], into["recent_at"], recent_at, half_life)
                          + decayed(getattr(other, name), other.recent_at, recent_at, half_life))
        into["recent_at"] = recent_at
    hours = [list(h) if len(h or []) == 24 else [0] * 24
             for h in (into["active_hours"], other.active_hours)]
    into["active_hours"] = [a + b for a, b in zip(*hours, strict=True)]
    # "Ignored since the last click" belongs to whichever row clicked last.
    other_clicked_later = (other.last_click_at is not None and (
        into["last_click_at"] is None or other.last_click_at > into["last_click_at"]))
    if other_clicked_later:
        into["pushes_ignored_since_click"] = other.pushes_ignored_since_click
    elif into["last_click_at"] is None:
        into["pushes_ignored_since_click"] += other.pushes_ignored_since_click
    into["pushes_received"] += other.pushes_received
    into["pushes_clicked"] += other.pushes_clicked
    into["last_push_at"] = _extreme(max, into["last_push_at"], other.last_push_at)
    into["last_click_at"] = _extreme(max, into["last_click_at"], other.last_click_at)


def _shift(mask: int, by: int, kept: int) -> int:
    return (mask << by) & ((1 << kept) - 1) if by < kept else 0


def _extreme(pick: Callable, *values: Any) -> Any:
    present = [v for v in values if v is not None]
    return pick(present) if present else None


def _merge_deliveries(Delivery: Any, kept_id: int, pks: list[int]) -> None:
    """One delivery per campaign for the kept row (unique (campaign, subscriber)); the other
    deliveries of that campaign stay in the ledger without a subscriber, as a purge leaves
    them, so a campaign's results keep their counts. An unfinished one is cancelled: the same
    browser would be pushed twice."""
    by_campaign: dict[int, list[tuple]] = defaultdict(list)
    for row in Delivery.objects.filter(subscriber_id__in=pks).values_list(
        "pk", "campaign_id", "subscriber_id", "status", "clicked_at", "shown_at"
    ):
        by_campaign[row[1]].append(row)
    keepers, detached, cancelled = [], [], []
    for rows in by_campaign.values():
        keeper = max(rows, key=lambda row: _delivery_rank(row, kept_id))
        keepers.append(keeper[0])
        for row in rows:
            if row is not keeper:
                (detached if row[3] in _TERMINAL else cancelled).append(row[0])
    if cancelled:
        Delivery.objects.filter(pk__in=cancelled).update(
            subscriber_id=None, status="cancelled", next_attempt_at=None, lease_until=None,
            reason=f"duplicate of subscriber {kept_id}'s push address", attempted_at=timezone.now(),
        )
    for chunk in _chunks(detached):
        Delivery.objects.filter(pk__in=chunk).update(subscriber_id=None)
    for chunk in _chunks(keepers):
        Delivery.objects.filter(pk__in=chunk).update(subscriber_id=kept_id)


def _delivery_rank(row: tuple, kept_id: int) -> tuple:
    # The furthest along: clicked, shown, sent, finished, then the kept row's own.
    pk, _campaign, subscriber_id, status, clicked_at, shown_at = row
    return (clicked_at is not None, shown_at is not None, status == "sent",
            status in _TERMINAL, subscriber_id == kept_id, -pk)


def _move_audit_entries(apps: Any, kept_id: int, other_ids: list[int]) -> None:
    """Audit-log entries about a merged row (test pushes) now name the kept row."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    content_type = ContentType.objects.filter(app_label=APP, model="subscriber").first()
    if content_type is not None:
        ModelLogEntry.objects.filter(
            content_type=content_type, object_id__in=[str(pk) for pk in other_ids]
        ).update(object_id=str(kept_id))


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
