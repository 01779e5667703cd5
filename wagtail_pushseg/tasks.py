"""django-q2 task functions: thin wrappers that call into the parts (testable without a worker)."""

from .campaigns import services
from .campaigns.ab_winner import release_winners
from .campaigns.sending import bell
from .insights.alerts import run_alerts
from .insights.history import daily_history
from .insights.suggested_segments import refresh_suggestions
from .segments.refresh import refresh_all
from .subscribers.staleness import purge_stale
from .tracking.retention import purge_old_events


def purge_events() -> int:
    return purge_old_events()


def purge_stale_subscribers() -> dict[str, int]:
    """Retire unreachable subscribers and purge ended ones (a daily schedule)."""
    report = purge_stale()
    return {"retired": report.retired, "purged": report.purged}


def refresh_segments() -> int:
    """Refresh every active segment's memberships in dependency order; returns how many."""
    return len(refresh_all())


def plan_campaign(campaign_id: int) -> int:
    """Refresh the campaign's segments, write its deliveries, start the senders."""
    return services.plan(campaign_id)


def send_campaign_chunk(campaign_id: int) -> int:
    """Send one chunk; ring again while work is left, mark the campaign sent when none is."""
    return bell.send_and_ring(campaign_id)


def dispatch_scheduled_campaigns() -> int:
    return len(services.dispatch_due())


def ring_sending_campaigns() -> int:
    """The one-minute safety net behind the doorbell (``bell.ring_sending_campaigns``);
    returns how many campaigns were rung."""
    return bell.ring_sending_campaigns()


def refresh_segment_suggestions() -> int:
    """Find groups no active segment covers and store them as suggestions; returns how many
    were found (daily, after the segments' own refreshes)."""
    return refresh_suggestions().found


def snapshot_segment_history() -> int:
    """Today's segment history snapshot (late clicks re-counted), then the drift alerts."""
    snapshot = daily_history()
    run_alerts(snapshot.day)
    return snapshot.segments


def release_ab_winners() -> int:
    """A/B tests whose wait is over: the held rest of each target gets the winning wording and
    the senders are rung (a one-minute schedule). Returns how many campaigns were released."""
    return bell.ring(release_winners())
