"""Live progress of a campaign in the admin: counts, rate, time left, a chart; and "Resume".

Everything is counted by the database: the statuses by the campaign's funnel (the one grouped
count of the ledger, ``campaigns.results``), then one query for the rate and up to two for the
chart's time buckets, so a 1,000,000-delivery campaign costs the same to show as a small one.
The inspect page renders it once; ``campaign-progress.js`` polls
:class:`ProgressJSONView` while the campaign is planning or sending and redraws in place.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib import messages
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce, Trunc
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...campaigns import services
from ...campaigns.results import Funnel, funnels
from ...models import Campaign, Delivery
from ..charts import line_chart, series
from ..json_refusal import JSONRefusalMixin
from ..permissions import ANY, RegisteredPolicy, can_send_campaigns


#: Statuses in which the page keeps polling.
LIVE = (Campaign.Status.PLANNING, Campaign.Status.SENDING)
#: The window of the "current rate".
RATE_WINDOW = timedelta(minutes=1)
#: Chart bucket sizes, smallest first: the first that keeps the chart under MAX_BUCKETS wins.
BUCKETS = (("second", timedelta(seconds=1)), ("minute", timedelta(minutes=1)),
           ("hour", timedelta(hours=1)), ("day", timedelta(days=1)))
MAX_BUCKETS = 180
CHART_ID = "pushseg-progress-chart"

S = Delivery.Status


@dataclass
class Progress:
    """Where a campaign's sending stands."""

    status: str
    funnel: Funnel = field(default_factory=Funnel)
    #: Deliveries finished (sent, failed or expired) per second over the last minute.
    rate: float = 0.0
    chart: dict = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        """Deliveries that still need a worker: pending, being sent, or waiting to retry."""
        return self.funnel.waiting

    @property
    def eta_seconds(self) -> int | None:
        if not self.remaining or self.status not in LIVE:
            return 0 if not self.remaining else None
        if self.rate <= 0:
            return None  # nothing finished in the last minute: no honest estimate
        return round(self.remaining / self.rate)

    def as_json(self) -> dict:
        eta, funnel = self.eta_seconds, self.funnel
        return {
            "status": self.status,
            "live": self.status in LIVE,
            "planned": funnel.planned,
            "sent": funnel.sent,
            "failed": funnel.failed,
            "expired": funnel.expired,
            "pending": funnel.pending + funnel.sending,  # leased rows are not sent yet either
            "retrying": funnel.retrying,
            "capped": funnel.capped,
            "cancelled": funnel.cancelled,
            "rate": round(self.rate, 1),
            "eta_seconds": eta,
            # Paused or cancelled with work left: no worker is at it, so no estimate either.
            "eta": describe_eta(eta) if self.status in LIVE or not self.remaining
            else _("not sending"),
            "chart": self.chart,
        }


def describe_eta(seconds: int | None) -> str:
    if seconds is None:
        return _("unknown")
    if seconds == 0:
        return _("none")
    if seconds < 60:
        return _("less than a minute")
    return timeuntil(timezone.now() + timedelta(seconds=seconds + 30), depth=2)


def _attempted():
    """When a delivery was last answered (``sent_at`` covers rows written before that field)."""
    return Coalesce("attempted_at", "sent_at")


def progress_of(campaign: Campaign, now: datetime | None = None) -> Progress:
    now = now or timezone.now()
    deliveries = Delivery.objects.filter(campaign_id=campaign.pk).order_by()
    progress = Progress(status=campaign.status, funnel=funnels([campaign.pk])[campaign.pk])
    finished = deliveries.filter(status__in=(S.SENT, S.FAILED, S.EXPIRED))
    recent = finished.annotate(at=_attempted()).filter(at__gte=now - RATE_WINDOW).count()
    progress.rate = recent / RATE_WINDOW.total_seconds()
    progress.chart = chart_of(finished)
    return progress


def chart_of(finished) -> dict:
    """Sent and not delivered (failed or expired) per time bucket, from first to last answer."""
    timed = finished.annotate(at=_attempted()).filter(at__isnull=False)
    span = timed.aggregate(first=Min("at"), last=Max("at"))
    if span["first"] is None:
        return line_chart([], [], y_label=_("pushes"))
    kind, width = next(
        ((kind, width) for kind, width in BUCKETS
         if (span["last"] - span["first"]) / width < MAX_BUCKETS), BUCKETS[-1])
    rows = (timed.annotate(bucket=Trunc("at", kind))
            .values_list("bucket").annotate(sent=Count("pk", filter=Q(status=S.SENT)),
                                            lost=Count("pk", filter=~Q(status=S.SENT))))
    counts = {bucket: (sent, lost) for bucket, sent, lost in rows}
    labels, sent, lost = [], [], []
    bucket = _truncate(span["first"], kind)
    while bucket <= span["last"]:
        labels.append(_label(bucket, kind))
        s, f = counts.get(bucket, (0, 0))
        sent.append(s)
        lost.append(f)
        bucket += width
    return line_chart(labels, [series(_("Sent"), sent, index=0, fill=True),
                               series(_("Failed or expired"), lost, index=2)],
                      y_label=_("pushes per %(unit)s") % {"unit": _(kind)})


def _truncate(moment: datetime, kind: str) -> datetime:
    moment = timezone.localtime(moment)
    parts = {"second": {"microsecond": 0}, "minute": {"second": 0, "microsecond": 0},
             "hour": {"minute": 0, "second": 0, "microsecond": 0},
             "day": {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}}[kind]
    return moment.replace(**parts)  # type: ignore[arg-type]  # only int fields are named


def _label(moment: datetime, kind: str) -> str:
    return date_format(timezone.localtime(moment),
                       {"second": "H:i:s", "minute": "H:i", "hour": "D H:i", "day": "M j"}[kind])


def progress_context(user, campaign: Campaign) -> dict:
    """What ``includes/progress.html`` shows, for the details page's context."""
    return {
        "numbers": progress_of(campaign).as_json(),
        "url": reverse("wagtail_pushseg_campaigns:progress", args=[campaign.pk]),
        "resume_url": (reverse("wagtail_pushseg_campaigns:resume", args=[campaign.pk])
                       if campaign.status == Campaign.Status.PAUSED and can_send_campaigns(user)
                       else ""),
        "chart_id": CHART_ID,
    }


class ProgressJSONView(JSONRefusalMixin, PermissionCheckedMixin, View):
    """``GET``: the campaign's progress as JSON, for whoever may see the campaign."""

    permission_policy = RegisteredPolicy(Campaign)
    any_permission_required = ANY
    #: A plain 403 for the poller.
    refusal = gettext_lazy("You may not see this campaign.")
    http_method_names = ["get"]

    def get(self, request, pk):
        campaign = get_object_or_404(Campaign, pk=pk)
        return JsonResponse(progress_of(campaign).as_json())


class ResumeView(PermissionCheckedMixin, View):
    """``POST``: carry on with a paused campaign (``send_campaign`` only; audit-logged)."""

    permission_policy = RegisteredPolicy(Campaign)
    permission_required = "send"
    http_method_names = ["post"]

    def post(self, request, pk):
        campaign = get_object_or_404(Campaign, pk=pk)
        try:
            services.resume(campaign, request.user)
        except services.CampaignStateError as exc:
            messages.error(request, _("Not resumed: %(reason)s.") % {"reason": exc})
        else:
            messages.success(request, _("Campaign resumed: sending carries on."))
        return redirect("wagtail_pushseg_campaigns:inspect", campaign.pk)
