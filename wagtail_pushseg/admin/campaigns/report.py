"""The campaign's results in the admin: the include on its details page (funnel chart,
per-segment and per-variant table, receipts over time) and the CSV export."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...campaigns.ab_test import wilson_interval
from ...campaigns.failures import failure_groups
from ...campaigns.results import CampaignReport, campaign_report
from ...models import Campaign
from ..charts import bar_chart, line_chart, series
from ..permissions import ANY, RegisteredPolicy


FUNNEL_STEPS = (("planned", _("Planned")), ("sent", _("Sent")), ("shown", _("Shown")),
                ("clicked", _("Clicked")), ("dismissed", _("Dismissed")))

CSV_COLUMNS = ("planned", "sent", "shown", "clicked", "dismissed", "expired", "failed",
               "capped", "cancelled", "waiting")


def funnel_chart(report: CampaignReport) -> dict:
    funnel = report.funnel
    return bar_chart([label for _name, label in FUNNEL_STEPS],
                     [series(_("Deliveries"), [getattr(funnel, name)
                                               for name, _label in FUNNEL_STEPS])])


def timeline_chart(report: CampaignReport) -> dict:
    timeline = report.timeline
    fmt = "SHORT_DATE_FORMAT" if timeline.unit == "day" else "SHORT_DATETIME_FORMAT"
    labels = [date_format(bucket, fmt) for bucket in timeline.buckets]
    per = _("per day") if timeline.unit == "day" else _("per hour")
    return line_chart(labels, [series(_("Shown"), timeline.shown, index=0),
                               series(_("Clicked"), timeline.clicked, index=1)],
                      y_label=per)


def results_context(campaign: Campaign) -> dict:
    """What ``includes/results.html`` shows, for the details page's context."""
    report = campaign_report(campaign)
    for target in report.targets:
        for variant in target.variants:
            variant.interval = wilson_interval(variant.funnel.clicked, variant.funnel.sent)
    return {
        "report": report,
        "funnel_chart": funnel_chart(report),
        "timeline_chart": timeline_chart(report),
        "failures": failure_groups(campaign),
        "csv_url": reverse("wagtail_pushseg_campaigns:results_csv", args=[campaign.pk]),
    }


def _cell(value) -> str:
    """Text that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


class ResultsCSVView(PermissionCheckedMixin, View):
    """The results per target segment and variant, with the campaign's total, as CSV."""

    permission_policy = RegisteredPolicy(Campaign)
    any_permission_required = ANY

    def get(self, request, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        report = campaign_report(campaign)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="campaign-{campaign.pk}-results.csv"')
        writer = csv.writer(response)
        writer.writerow(["segment", "variant", "title", *CSV_COLUMNS, "ctr_of_sent",
                         "ctr_of_shown"])
        for target in report.targets:
            for variant in target.variants:
                funnel = variant.funnel
                writer.writerow([
                    _cell(target.name), variant.letter, _cell(variant.title),
                    *(getattr(funnel, c) for c in CSV_COLUMNS),
                    _rate(funnel.ctr_sent), _rate(funnel.ctr_shown)])
        funnel = report.funnel
        writer.writerow(["(all segments)", "", _cell(campaign.title),
                         *(getattr(funnel, c) for c in CSV_COLUMNS),
                         _rate(funnel.ctr_sent), _rate(funnel.ctr_shown)])
        return response
