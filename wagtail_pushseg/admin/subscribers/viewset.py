"""Subscribers in the admin: listing, filters, export, detail and erase (Wagtail's generic
views), with the test push and the data export as screens of their own."""

from django.db import transaction
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from ...models import Profile, Subscriber
from ...subscribers.services import forget_audit_entries
from ...tracking.describe import describe_profile, top_affinities
from ..permissions import BrowserCreatedPolicy, can_send_campaigns, can_send_test_push
from ..segments.subscriber_segments import shows_segments, subscriber_segments_html
from .export import ExportDataView
from .send_test_push import TestPushView
from .test_campaign import TestCampaignView


class SubscriberInspectView(generic.InspectView):
    #: Read-outs that are not model fields, with their labels.
    extra_fields = {
        "profile_summary": _("Behaviour"),
        "top_tags": _("Top tag affinities"),
        "segments": _("Segments"),
    }

    def get_fields(self):
        extra = [f for f in self.extra_fields
                 if f != "segments" or shows_segments(self.request.user)]
        return extra + super().get_fields()

    def get_field_label(self, field_name, field):
        if field_name in self.extra_fields:
            return self.extra_fields[field_name]
        return super().get_field_label(field_name, field)

    def get_profile_summary_display_value(self):
        return describe_profile(Profile.objects.filter(subscriber=self.object).first())

    def get_top_tags_display_value(self):
        top = top_affinities(self.object)
        return ", ".join(f"{tag} ({score:.1f})" for tag, score in top) or "-"

    def get_segments_display_value(self):
        return subscriber_segments_html(self.request, self.object)

    @cached_property
    def header_buttons(self):
        buttons = []
        if can_send_test_push(self.request.user) and self.object.status == "active":
            buttons.append(
                HeaderButton(
                    _("Send a test push"),
                    url=reverse("wagtail_pushseg_subscribers:test_push", args=[self.object.pk]),
                    icon_name="mail",
                )
            )
        if can_send_campaigns(self.request.user) and self.object.status == "active":
            buttons.append(
                HeaderButton(
                    _("Test a campaign on this subscriber"),
                    url=reverse("wagtail_pushseg_subscribers:test_campaign",
                                args=[self.object.pk]),
                    icon_name="mail",
                )
            )
        if self.permission_policy.user_has_permission(self.request.user, "view"):
            buttons.append(
                HeaderButton(
                    _("Export data (JSON)"),
                    url=reverse("wagtail_pushseg_subscribers:export_data", args=[self.object.pk]),
                    icon_name="download",
                )
            )
        return buttons


class SubscriberDeleteView(generic.DeleteView):
    """Deleting is erasing: what was recorded goes with the row (the deletion itself stays in
    the audit log, as every deletion does)."""

    def delete_action(self):
        with transaction.atomic():
            forget_audit_entries(self.object)
            super().delete_action()


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    icon = "user"
    menu_label = _("Subscribers")
    name = "wagtail_pushseg_subscribers"
    url_prefix = "pushseg/subscribers"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = SubscriberInspectView
    delete_view_class = SubscriberDeleteView
    # Add/edit are refused by the permission policy; the form only satisfies ModelViewSet.
    form_fields = ["language", "timezone"]
    list_display = [
        # A plain name first: Wagtail's title column, linked to the subscriber's page (the
        # edit view it would link to is refused).
        "__str__",
        StatusTagColumn("status", label=_("Status"), accessor="get_status_display",
                        primary=lambda s: s.status == "active"),
        "language",
        "timezone",
        DateColumn("created_at", label=_("Subscribed"), sort_key="created_at"),
        DateColumn("last_seen_at", label=_("Last seen"), sort_key="last_seen_at"),
    ]
    list_filter = ["status", "browser", "platform", "language"]
    search_fields = ["endpoint", "browser", "platform", "language", "timezone", "visitor_id"]
    list_export = [
        "id", "status", "browser", "platform", "language", "timezone", "created_at",
        "last_seen_at", "expired_at", "unsubscribed_at",
    ]
    export_filename = "subscribers"
    inspect_view_fields = [
        "status", "browser", "platform", "language", "timezone", "site", "user", "created_at",
        "last_seen_at", "expired_at", "unsubscribed_at", "user_agent", "endpoint",
    ]

    @cached_property
    def permission_policy(self):
        return BrowserCreatedPolicy(Subscriber)

    def get_permissions_to_register(self):
        # Add and change have no meaning here: only browsers create subscribers.
        return super().get_permissions_to_register().exclude(
            codename__in=["add_subscriber", "change_subscriber"]
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("test-push/<int:pk>/", TestPushView.as_view(), name="test_push"),
            path("test-campaign/<int:pk>/", TestCampaignView.as_view(), name="test_campaign"),
            path("export-data/<int:pk>/", ExportDataView.as_view(), name="export_data"),
        ]
