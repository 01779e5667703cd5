"""A segment's members (stored memberships) with their degrees: sortable, filterable by a minimum
degree, exportable (CSV, XLSX), each row leading to the explanation of that membership. Also the
segment pages' shared pieces: their URL names and breadcrumbs."""

from typing import Any

import django_filters
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import HeaderButton

from ...models import Membership, Segment
from ..breadcrumbs import breadcrumbs
from ..permissions import ANY, RegisteredPolicy, can_refresh_segments


URL = "wagtail_pushseg_segments:%s"


def explain_url(segment_id: int, subscriber_id: int) -> str:
    return reverse(URL % "explain", args=[segment_id, subscriber_id])


class ExplainColumn(Column):
    """A link to the explanation of the row's membership."""

    cell_template_name = "wagtail_pushseg/segments/includes/explain_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = explain_url(instance.segment_id, instance.subscriber_id)
        return context


class MembersFilterSet(WagtailFilterSet):
    min_degree = django_filters.NumberFilter(
        field_name="degree", lookup_expr="gte", label=_("Minimum degree"),
        help_text=_("Only members whose degree is at least this (0 to 1)."),
    )

    class Meta:
        model = Membership
        fields: list[str] = []


class SegmentBreadcrumbsMixin:
    """A page about the segment of the URL's ``pk``: ``self.segment``, and the breadcrumbs
    Segments › <segment> › <this page>."""

    kwargs: dict[str, Any]  # the view's

    @cached_property
    def segment(self) -> Segment:
        # Looked up when first read, once the permission check has passed: no 404 before it.
        return get_object_or_404(Segment, pk=self.kwargs["pk"])

    def get_breadcrumbs_items(self):
        return breadcrumbs(
            self,
            (reverse(URL % "list"), _("Segments")),
            (reverse(URL % "edit", args=[self.segment.pk]), str(self.segment)),
        )


class SegmentMembersView(SegmentBreadcrumbsMixin, ReportView):
    """Members of one segment as of its last refresh, strongest first (any segment
    permission; ``ReportView`` is a ``PermissionCheckedMixin``)."""

    permission_policy = RegisteredPolicy(Segment)
    any_permission_required = ANY
    template_name = "wagtail_pushseg/segments/members.html"
    page_title = _("Members")
    header_icon = "group"
    filterset_class = MembersFilterSet
    default_ordering = "-degree"
    paginate_by = 50
    verbose_name = _("member")
    verbose_name_plural = _("members")
    columns = [
        TitleColumn("subscriber", label=_("Subscriber"), accessor="subscriber",
                    get_url=lambda m: explain_url(m.segment_id, m.subscriber_id)),
        Column("degree", label=_("Degree"), sort_key="degree",
               accessor=lambda m: f"{m.degree:.2f}"),
        DateColumn("entered_at", label=_("Member since"), sort_key="entered_at"),
        DateColumn("updated_at", label=_("Degree changed"), sort_key="updated_at"),
        ExplainColumn("explain", label=_("Why"), accessor=lambda m: _("Explain")),
    ]
    list_export = [
        "subscriber_id", "degree", "entered_at", "updated_at", "subscriber.status",
        "subscriber.browser", "subscriber.platform", "subscriber.language",
        "subscriber.timezone", "subscriber.created_at",
    ]
    export_headings = {
        "subscriber_id": _("Subscriber id"),
        "degree": _("Degree"),
        "entered_at": _("Member since"),
        "updated_at": _("Degree changed"),
        "subscriber.status": _("Status"),
        "subscriber.browser": _("Browser"),
        "subscriber.platform": _("Platform"),
        "subscriber.language": _("Language"),
        "subscriber.timezone": _("Time zone"),
        "subscriber.created_at": _("Subscribed at"),
    }

    def get_filename(self) -> str:
        return f"segment-{self.segment.slug}-members"

    def get_page_subtitle(self) -> str:
        return str(self.segment)

    def get_index_url(self) -> str:
        return reverse(URL % "members", args=[self.segment.pk])

    def get_index_results_url(self) -> str:
        return reverse(URL % "members_results", args=[self.segment.pk])

    def get_base_queryset(self):
        return Membership.objects.filter(segment=self.segment).select_related("subscriber")

    def order_queryset(self, queryset):
        # A tie-breaker keeps pages stable between equal degrees.
        return queryset.order_by(self.ordering or self.default_ordering, "pk")

    @cached_property
    def header_buttons(self):
        buttons = []
        if can_refresh_segments(self.request.user):
            buttons.append(HeaderButton(
                _("Refresh members"), url=reverse(URL % "refresh", args=[self.segment.pk]),
                icon_name="rotate",
            ))
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        refreshed = self.segment.last_refreshed_at
        context.update(
            segment=self.segment,
            refreshed=date_format(localtime(refreshed), "SHORT_DATETIME_FORMAT")
            if refreshed else "",
        )
        return context
