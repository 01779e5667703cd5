"""A profile in words an editor reads: "visits about weekly, last seen 3 days ago, ..."."""

from datetime import datetime

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import pushseg_settings
from ..models import Profile, TagAffinity
from .activity import active_days, active_weeks, day_number
from .decay import decayed


def visit_rhythm(profile: Profile, now: datetime) -> str:
    today = day_number(now)
    days = active_days(profile.active_days, profile.activity_day, today, 28)
    weeks = active_weeks(profile.active_weeks, profile.activity_day, today, 8)
    if days >= 16:
        return _("visits almost daily")
    if days >= 6:
        return _("visits several times a week")
    if weeks >= 6:
        return _("visits about weekly")
    if weeks >= 3:
        return _("visits now and then (%(weeks)s of the last 8 weeks)") % {"weeks": weeks}
    if weeks >= 1:
        return _("visited in %(weeks)s of the last 8 weeks") % {"weeks": weeks}
    return _("no visits in the last 8 weeks")


def sale_share(profile: Profile) -> float:
    """Share of recent (decayed) visits that were to sale pages, 0..1."""
    return profile.recent_sale_visits / profile.recent_visits if profile.recent_visits else 0.0


def describe_profile(profile: Profile | None, now: datetime | None = None) -> str:
    if profile is None or not profile.total_visits:
        return _("No page views recorded yet.")
    now = now or timezone.now()
    parts = [visit_rhythm(profile, now)]
    if profile.last_visit_at:
        parts.append(_("last seen %(ago)s ago") % {"ago": timesince(profile.last_visit_at, now)})
    parts.append(
        _("%(share)d%% of recent visits to sale pages")
        % {"share": round(100 * sale_share(profile))}
    )
    parts.append(
        ngettext("%(n)s visit in all", "%(n)s visits in all", profile.total_visits)
        % {"n": profile.total_visits}
    )
    if profile.pushes_received:
        parts.append(
            _("clicked %(clicked)s of %(received)s pushes")
            % {"clicked": profile.pushes_clicked, "received": profile.pushes_received}
        )
    hours = profile.active_hours or []
    if len(hours) == 24 and any(hours):
        peak = max(range(24), key=hours.__getitem__)
        parts.append(_("most active around %(hour)02d:00 local time") % {"hour": peak})
    text = ", ".join(str(p) for p in parts)
    return text[0].upper() + text[1:] + "."


def top_affinities(
    subscriber, now: datetime | None = None, limit: int = 8
) -> list[tuple[str, float]]:
    """The subscriber's strongest tags with their scores decayed to ``now``."""
    now = now or timezone.now()
    half_life = pushseg_settings.TAG_HALF_LIFE_DAYS
    scored = [
        (a.tag, decayed(a.score, a.updated_at, now, half_life))
        for a in TagAffinity.objects.filter(subscriber=subscriber)
    ]
    return sorted(scored, key=lambda item: (-item[1], item[0]))[:limit]
