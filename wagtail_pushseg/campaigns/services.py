"""Campaign state changes: send now, schedule, wait for publish, cancel, plan, finish.

Every change of state is a conditional UPDATE (``status IN (...)``), so two clicks, two
workers or two publish signals can never move a campaign twice; the winner enqueues the work
after its transaction commits.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from ..models import Campaign, Delivery
from ..segments.refresh import refresh_segment
from .planning import plan_deliveries
from .sending.claim import unfinished
from .timing import schedule_send_times
from .variants import assign_variants


logger = logging.getLogger(__name__)


class CampaignStateError(ValueError):
    """The campaign is not in a state that allows this."""


def _move(campaign: Campaign, to: str, *, allowed, **fields) -> bool:
    moved = Campaign.objects.filter(pk=campaign.pk, status__in=allowed).update(status=to, **fields)
    if moved:
        campaign.refresh_from_db()
    return bool(moved)


def _enqueue(func: str, *args) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(func, *args))


def send_now(campaign: Campaign, user=None, *, enqueue: bool = True) -> None:
    """Queue the campaign for planning and sending (``enqueue=False``: the caller does the
    work itself, as ``pushseg_send`` does)."""
    if not _move(
        campaign,
        Campaign.Status.PLANNING,
        allowed=Campaign.EDITABLE,
        queued_at=timezone.now(),
        timing=Campaign.Timing.NOW,
    ):
        raise CampaignStateError(
            f"a {campaign.get_status_display().lower()} campaign cannot be sent"
        )
    log(campaign, "wagtail_pushseg.send_campaign", user=user)
    if enqueue:
        _enqueue("wagtail_pushseg.tasks.plan_campaign", campaign.pk)


def schedule(campaign: Campaign, when: datetime, user=None) -> None:
    if when <= timezone.now():
        raise CampaignStateError("the time to send is in the past")
    if not _move(
        campaign,
        Campaign.Status.SCHEDULED,
        allowed=Campaign.EDITABLE,
        send_at=when,
        timing=Campaign.Timing.AT,
    ):
        raise CampaignStateError("this campaign can no longer be scheduled")
    log(
        campaign, "wagtail_pushseg.schedule_campaign", user=user, data={"send_at": when.isoformat()}
    )


def wait_for_publish(campaign: Campaign, user=None) -> None:
    if not campaign.page_id:
        raise CampaignStateError("only a campaign about a page can wait for it to be published")
    if not _move(
        campaign,
        Campaign.Status.WAITING,
        allowed=Campaign.EDITABLE,
        timing=Campaign.Timing.ON_PUBLISH,
    ):
        raise CampaignStateError("this campaign can no longer wait for publishing")
    log(campaign, "wagtail_pushseg.schedule_campaign", user=user, data={"on_publish": True})


def cancel(campaign: Campaign, user=None) -> int:
    """Stop the campaign: every delivery not yet sent is cancelled. Returns how many."""
    if not _move(
        campaign,
        Campaign.Status.CANCELLED,
        allowed=(*Campaign.EDITABLE, Campaign.Status.PLANNING, Campaign.Status.SENDING,
                 Campaign.Status.PAUSED),
        finished_at=timezone.now(),
    ):
        raise CampaignStateError("this campaign has already finished")
    cancelled = Delivery.objects.filter(
        campaign=campaign,
        status__in=[Delivery.Status.PENDING, Delivery.Status.RETRY, Delivery.Status.SENDING],
    ).update(status=Delivery.Status.CANCELLED, lease_until=None)
    log(campaign, "wagtail_pushseg.cancel_campaign", user=user, data={"cancelled": cancelled})
    return cancelled


def resume(campaign: Campaign, user=None) -> None:
    """Carry on with a campaign the VAPID breaker paused."""
    if not _move(campaign, Campaign.Status.SENDING, allowed=(Campaign.Status.PAUSED,),
                 status_reason=""):
        raise CampaignStateError("only a paused campaign can be resumed")
    log(campaign, "wagtail_pushseg.resume_campaign", user=user)
    _enqueue("wagtail_pushseg.tasks.send_campaign_chunk", campaign.pk)


def page_went_live(page) -> list[int]:
    """Queue the campaigns waiting for this page; each exactly once (called on publish)."""
    queued = []
    for campaign in Campaign.objects.filter(page_id=page.pk, status=Campaign.Status.WAITING):
        if _move(
            campaign,
            Campaign.Status.PLANNING,
            allowed=(Campaign.Status.WAITING,),
            queued_at=timezone.now(),
        ):
            log(campaign, "wagtail_pushseg.send_campaign", data={"trigger": "publish"})
            _enqueue("wagtail_pushseg.tasks.plan_campaign", campaign.pk)
            queued.append(campaign.pk)
    return queued


def dispatch_due(now: datetime | None = None) -> list[int]:
    """Queue scheduled campaigns whose time has come (a django-q2 schedule calls this)."""
    now = now or timezone.now()
    queued = []
    for campaign in Campaign.objects.filter(status=Campaign.Status.SCHEDULED, send_at__lte=now):
        if _move(
            campaign, Campaign.Status.PLANNING, allowed=(Campaign.Status.SCHEDULED,), queued_at=now
        ):
            _enqueue("wagtail_pushseg.tasks.plan_campaign", campaign.pk)
            queued.append(campaign.pk)
    return queued


def refresh_campaign_segments(campaign: Campaign) -> None:
    """Bring the memberships of every targeted and excluded segment up to date."""
    segments = {t.segment for t in campaign.targets.select_related("segment")}
    segments |= set(campaign.excluded_segments.all())
    for segment in segments:
        refresh_segment(segment)


def plan(campaign_id: int, *, enqueue: bool = True) -> int:
    """Refresh the segments involved, write the deliveries, and ring the bell for senders."""
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Campaign.Status.PLANNING:
        return 0  # a repeated or late task: someone else planned, or it was cancelled
    refresh_campaign_segments(campaign)
    with transaction.atomic():
        planned = plan_deliveries(campaign)
        assign_variants(campaign)  # A/B wording: one UPDATE per target with variants
        schedule_send_times(campaign)  # local send times, before any worker can claim
        if not _move(campaign, Campaign.Status.SENDING, allowed=(Campaign.Status.PLANNING,)):
            return planned
    if enqueue:
        _enqueue("wagtail_pushseg.tasks.send_campaign_chunk", campaign.pk)
    return planned


def finish_if_done(campaign: Campaign) -> bool:
    """Mark a campaign with no work left as sent; as failed when nothing reached anyone
    because every delivery tried failed (the reason says what the push services answered)."""
    if unfinished(campaign.pk):
        return False
    failure = total_failure(campaign)
    return _move(
        campaign,
        Campaign.Status.FAILED if failure else Campaign.Status.SENT,
        allowed=(Campaign.Status.SENDING,),
        finished_at=timezone.now(),
        status_reason=failure,
    )


def total_failure(campaign: Campaign) -> str:
    """Why every delivery of the campaign failed, or "" when any was sent (or none failed:
    an audience that had all expired or was capped is not a failure of the campaign)."""
    from django.db.models import Count

    S = Delivery.Status
    deliveries = Delivery.objects.filter(campaign=campaign)
    if deliveries.filter(status=S.SENT).exists():
        return ""
    reasons = list(deliveries.filter(status=S.FAILED).values_list("reason").annotate(
        n=Count("pk")).order_by("-n")[:1])
    if not reasons:
        return ""
    failed = deliveries.filter(status=S.FAILED).count()
    return f"Every delivery failed ({failed}); most often: {reasons[0][0] or 'no reason given'}"[
        :300]
