"""django-q2 task functions: thin wrappers that call into the parts (testable without a worker)."""

from .tracking.retention import purge_old_events


def purge_events() -> int:
    return purge_old_events()


def refresh_segments() -> int:
    """Refresh every active segment's memberships in dependency order; returns how many."""
    from .segments.refresh import refresh_all

    return len(refresh_all())


def plan_campaign(campaign_id: int) -> int:
    """Refresh the campaign's segments, write its deliveries, start the senders."""
    from .campaigns.services import plan

    return plan(campaign_id)


def send_campaign_chunk(campaign_id: int) -> int:
    """Send one chunk; ring again while work is left, mark the campaign sent when none is."""
    from django_q.tasks import async_task

    from .campaigns.services import finish_if_done
    from .delivery.engine import send_chunk
    from .models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return 0
    result = send_chunk(campaign_id)
    if result.claimed or result.throttled:
        async_task("wagtail_pushseg.tasks.send_campaign_chunk", campaign_id)
    else:
        finish_if_done(campaign)
    return result.claimed


def dispatch_scheduled_campaigns() -> int:
    from .campaigns.services import dispatch_due

    return len(dispatch_due())


def ring_sending_campaigns() -> int:
    """The safety net behind the doorbell (a one-minute schedule): take back the chunks of
    workers that died, ring again for campaigns with work that is due (retries included), and
    finish campaigns with none left. Returns how many campaigns were rung."""
    from django_q.tasks import async_task

    from .campaigns.services import finish_if_done
    from .delivery.engine import due_work, reclaim_expired_leases
    from .models import Campaign

    reclaim_expired_leases()
    rung = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.SENDING):
        if due_work(campaign.pk):
            async_task("wagtail_pushseg.tasks.send_campaign_chunk", campaign.pk)
            rung += 1
        else:
            finish_if_done(campaign)
    return rung


def refresh_segment_suggestions() -> int:
    """Find groups no active segment covers and store them as suggestions; returns how many
    were found (daily, after the segments' own refreshes)."""
    from .insights.suggested_segments import refresh_suggestions

    return refresh_suggestions().found


def snapshot_segment_history() -> int:
    """Today's segment history snapshot (late clicks re-counted), then the drift alerts."""
    from .insights.alerts import run_alerts
    from .insights.history import daily_history

    snapshot = daily_history()
    run_alerts(snapshot.day)
    return snapshot.segments


def release_ab_winners() -> int:
    """A/B tests whose wait is over: the held rest of each target gets the winning wording and
    the senders are rung (a one-minute schedule). Returns how many campaigns were released."""
    from django_q.tasks import async_task

    from .campaigns.ab_winner import release_winners

    released = release_winners()
    for campaign_id in released:
        async_task("wagtail_pushseg.tasks.send_campaign_chunk", campaign_id)
    return len(released)
