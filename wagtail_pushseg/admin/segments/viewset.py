"""Segments in the admin: a snippet (so permissions, history and the audit log work as for any
snippet) shown in the "Push notifications" menu group.

Besides Wagtail's own views (listing, add, edit with the StreamField rules, delete, history,
usage), the viewset adds:

- ``preview/``: the live preview the editor posts its unsaved form to;
- ``refresh/<pk>/``: refresh the members now (logged);
- ``members/<pk>/``: the members with their degrees, filterable and exportable;
- ``explain/<pk>/<subscriber pk>/``: why a subscriber has their degree;
- ``overlap/``: the overlap matrix of the active segments;
- ``trends/<pk>/``: the segment's daily history (charts) and drift alerts
  (``history.py``; its open alerts also show in the editor as a panel).
"""

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, NumberColumn, StatusTagColumn
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import Button
from wagtail.admin.widgets.button import MenuItem
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import EditView, IndexView, SnippetViewSet

from ...models import Segment
from ..permissions import ANY, RegisteredPolicy, can_refresh_segments
from .explain import SegmentExplainView
from .history import SegmentAlertsPanel, SegmentHistoryView
from .members import URL, SegmentMembersView
from .overlap import SegmentOverlapView
from .preview import SegmentPreviewPanel, SegmentPreviewView
from .refresh import SegmentRefreshView


class SegmentFilterSet(WagtailFilterSet):
    active = django_filters.BooleanFilter(
        label=_("Active"), widget=forms.RadioSelect(choices=[
            ("", _("All")), ("true", _("Active")), ("false", _("Inactive")),
        ]),
    )
    min_members = django_filters.NumberFilter(
        field_name="member_count", lookup_expr="gte", label=_("At least this many members"),
    )

    class Meta:
        model = Segment
        fields: list[str] = []


def segment_buttons(user, segment: Segment, cls=Button) -> list:
    """Members, trends and refresh, for the editor's header and the listing's row menu."""
    buttons = [cls(_("Members"), url=reverse(URL % "members", args=[segment.pk]),
                   icon_name="group", priority=40),
               cls(_("Trends and alerts"), url=reverse(URL % "trends", args=[segment.pk]),
                   icon_name="history", priority=42)]
    if can_refresh_segments(user):
        buttons.append(cls(_("Refresh members"), url=reverse(URL % "refresh", args=[segment.pk]),
                           icon_name="rotate", priority=41))
    return buttons


class SegmentIndexView(IndexView):
    @cached_property
    def header_more_buttons(self):
        return super().header_more_buttons + [
            Button(_("Overlaps between segments"), url=reverse(URL % "overlap"),
                   icon_name="table", priority=50),
        ]

    def get_list_more_buttons(self, instance):
        return super().get_list_more_buttons(instance) + segment_buttons(
            self.request.user, instance, cls=MenuItem
        )


class SegmentEditView(EditView):
    @cached_property
    def header_more_buttons(self):
        return super().header_more_buttons + segment_buttons(self.request.user, self.object)


def _guarded(view_class: type) -> type:
    """``view_class`` behind any segment permission (Wagtail's chooser views check none)."""
    return type(view_class.__name__, (PermissionCheckedMixin, view_class), {
        "__module__": __name__, "permission_policy": RegisteredPolicy(Segment),
        "any_permission_required": ANY,
    })


class SegmentChooserViewSet(chooser.SnippetChooserViewSet):
    """Wagtail's snippet chooser lets any admin user list every snippet; segments' only for
    users with a segment permission (the plugin's own forms use drop-downs)."""

    choose_view_class = _guarded(chooser.ChooseView)
    choose_results_view_class = _guarded(chooser.ChooseResultsView)
    chosen_view_class = _guarded(chooser.SnippetChosenView)
    chosen_multiple_view_class = _guarded(chooser.SnippetChosenMultipleView)
    create_view_class = _guarded(chooser.SnippetCreateView)


def active_label(segment: Segment) -> str | Promise:
    return _("Active") if segment.active else _("Inactive")


class SegmentViewSet(SnippetViewSet):
    model = Segment
    icon = "group"
    menu_label = _("Segments")
    admin_url_namespace = "wagtail_pushseg_segments"
    base_url_path = "pushseg/segments"
    add_to_admin_menu = False
    #: Shown in the Push notifications group, so not listed again under Snippets.
    menu_item_is_registered = True
    # A copy would carry the slug, which must be unique.
    copy_view_enabled = False
    chooser_viewset_class = SegmentChooserViewSet
    index_view_class = SegmentIndexView
    edit_view_class = SegmentEditView

    list_display = [
        "name",
        StatusTagColumn("active", label=_("Status"), accessor=active_label,
                        primary=lambda s: s.active, sort_key="active"),
        Column("threshold", label=_("Threshold"), sort_key="threshold",
               accessor=lambda s: f"{s.threshold:.2f}"),
        NumberColumn("member_count", label=_("Members"), sort_key="member_count"),
        DateColumn("last_refreshed_at", label=_("Last refresh"), sort_key="last_refreshed_at"),
    ]
    filterset_class = SegmentFilterSet
    search_fields = ["name", "slug", "description"]
    list_export = ["name", "slug", "active", "threshold", "member_count", "last_refreshed_at",
                   "description"]
    export_filename = "segments"

    edit_handler = ObjectList([
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("rules"),
        FieldPanel("threshold"),
        SegmentPreviewPanel(),
        SegmentAlertsPanel(),
        FieldPanel("active"),
        MultiFieldPanel([
            FieldRowPanel([
                FieldPanel("member_count", read_only=True),
                FieldPanel("last_refreshed_at", read_only=True),
            ]),
        ], heading=_("At the last refresh")),
    ])

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("preview/", SegmentPreviewView.as_view(), name="preview"),
            path("refresh/<int:pk>/", SegmentRefreshView.as_view(), name="refresh"),
            path("members/<int:pk>/", SegmentMembersView.as_view(), name="members"),
            path("members/<int:pk>/results/", SegmentMembersView.as_view(results_only=True),
                 name="members_results"),
            path("explain/<int:pk>/<int:subscriber_pk>/", SegmentExplainView.as_view(),
                 name="explain"),
            path("overlap/", SegmentOverlapView.as_view(), name="overlap"),
            path("trends/<int:pk>/", SegmentHistoryView.as_view(), name="trends"),
        ]
