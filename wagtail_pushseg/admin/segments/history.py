"""A segment's history page: members, entered and left, click-through and transitions to and
from other segments over time (charts from ``admin/charts.py``), with the segment's drift
alerts. Linked from the segment listing's row menu and the edit view's header."""

from datetime import timedelta

from django import forms
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.panels import Panel
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...insights.cohorts import LAPSED, NOWHERE, STILL, UNSUBSCRIBED, destinations
from ...models import Segment, SegmentAlert, SegmentDay, SegmentTransition
from ..charts import bar_chart, line_chart, series
from ..permissions import ANY, RegisteredPolicy, can_view_segments
from .members import URL, SegmentBreadcrumbsMixin


PERIODS = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("a year"))]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(label=_("Show the last"), choices=PERIODS, coerce=int,
                                  initial=90)


def history_url(segment_id: int) -> str:
    return reverse(URL % "trends", args=[segment_id])


def history_charts(segment: Segment, rows: list[SegmentDay],
                   transitions: list[tuple[str, int, int]]) -> dict:
    labels = [date_format(row.day, "SHORT_DATE_FORMAT") for row in rows]
    members = line_chart(labels, [
        series(_("Members"), [row.members for row in rows], index=0),
        series(_("Entered"), [row.entered for row in rows], index=4),
        series(_("Left"), [row.left for row in rows], index=2),
    ], y_label=_("subscribers"))
    ctr = line_chart(labels, [
        series(_("Click-through"), [row.click_through for row in rows], index=0, spanGaps=True),
    ], y_label=_("clicks per push"), percent=True)
    pushes = bar_chart(labels, [
        series(_("Pushes"), [row.pushes for row in rows], index=5),
        series(_("Clicks"), [row.clicks for row in rows], index=1),
    ], y_label=_("deliveries"))
    moves = bar_chart([name for name, _in, _out in transitions], [
        series(_("Came from it"), [came for _n, came, _w in transitions], index=4),
        series(_("Went to it"), [went for _n, _c, went in transitions], index=2),
    ], y_label=_("subscribers"))
    return {"members": members, "ctr": ctr, "pushes": pushes, "transitions": moves}


def cohort_chart(segment: Segment) -> dict | None:
    """Stacked bars of where the members of four and eight weeks ago are today; None before
    a weekly member set is that old."""
    found = destinations(segment.pk, timezone.localdate())
    if not found:
        return None
    names = dict(Segment.objects.values_list("pk", "name"))
    others = sorted({pk for result in found for pk in result.others},
                    key=lambda pk: -sum(result.others[pk] for result in found))[:4]
    labels = [_("%(weeks)s weeks ago") % {"weeks": result.weeks} for result in found]
    rows: list[tuple[str | Promise, list[int]]] = [
        (_("Still members"), [r.counts[STILL] for r in found])
    ]
    rows += [(_("Now in %(name)s") % {"name": names.get(pk, "?")},
              [r.others[pk] for r in found]) for pk in others]
    rows += [(_("In no segment"), [r.counts[NOWHERE] for r in found]),
             (_("Lapsed"), [r.counts[LAPSED] for r in found]),
             (_("Unsubscribed"), [r.counts[UNSUBSCRIBED] for r in found])]
    return bar_chart(labels, [series(label, values, index=i)
                              for i, (label, values) in enumerate(rows)],
                     stacked=True, y_label=_("members then"))


def transitions_of(segment: Segment, since) -> list[tuple[str, int, int]]:
    """(other segment, came from it, went to it) over the period, the largest first."""
    names = dict(Segment.objects.values_list("pk", "name"))
    came, went = {}, {}
    rows = (SegmentTransition.objects.filter(Q(source=segment) | Q(target=segment), day__gt=since)
            .values("source_id", "target_id").annotate(n=Sum("count")).order_by())
    for row in rows:
        if row["target_id"] == segment.pk:
            came[row["source_id"]] = row["n"]
        else:
            went[row["target_id"]] = row["n"]
    others = sorted(set(came) | set(went), key=lambda pk: -(came.get(pk, 0) + went.get(pk, 0)))
    return [(names.get(pk, "?"), came.get(pk, 0), went.get(pk, 0)) for pk in others[:12]]


class SegmentHistoryView(PermissionCheckedMixin, SegmentBreadcrumbsMixin,
                         WagtailAdminTemplateMixin, TemplateView):
    """Any segment permission, like the members page."""

    permission_policy = RegisteredPolicy(Segment)
    any_permission_required = ANY
    template_name = "wagtail_pushseg/segments/history.html"
    page_title = _("Trends and alerts")
    header_icon = "history"

    def get_page_subtitle(self) -> str:
        return str(self.segment)

    def get_context_data(self, **kwargs):
        form = PeriodForm(self.request.GET or None)
        days = form.cleaned_data["days"] if form.is_valid() else 90
        since = timezone.localdate() - timedelta(days=days)
        rows = list(SegmentDay.objects.filter(segment=self.segment, day__gt=since)
                    .order_by("day"))
        transitions = transitions_of(self.segment, since)
        alerts = SegmentAlert.objects.filter(segment=self.segment)
        return super().get_context_data(
            segment=self.segment, form=form, rows=rows, days=days,
            recent_rows=rows[-14:][::-1], transitions=transitions,
            charts=history_charts(self.segment, rows, transitions),
            cohort_chart=cohort_chart(self.segment),
            open_alerts=alerts.filter(resolved_at__isnull=True).order_by("-opened_at"),
            resolved_alerts=alerts.filter(resolved_at__isnull=False,
                                          resolved_on__gt=since).order_by("-resolved_at")[:10],
            members_url=reverse(URL % "members", args=[self.segment.pk]),
            **kwargs,
        )


class SegmentAlertsPanel(Panel):
    """The segment's open drift alerts in its editor, with a link to the history page."""

    def __init__(self, heading="", **kwargs):
        super().__init__(heading=heading or _("Drift alerts"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_pushseg/segments/history_panel.html"

        def is_shown(self) -> bool:
            return (self.request is not None and self.instance is not None
                    and self.instance.pk is not None and can_view_segments(self.request.user))

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["open_alerts"] = list(SegmentAlert.objects.filter(
                segment=self.instance, resolved_at__isnull=True).order_by("-opened_at"))
            context["history_url"] = history_url(self.instance.pk)
            return context
