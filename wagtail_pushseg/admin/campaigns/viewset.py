"""Campaigns in the admin: listing, the composer, details, and the send steps."""

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from ...models import Campaign
from .actions import CancelView, SendView, TestSendView
from .audience_panel import AudiencePanel
from .composer import CampaignCreateView, CampaignEditView
from .composer_helpers import AudiencePreviewView, SuggestionsView
from .controls import delivery_control_panels
from .counted_widgets import CountedTextarea, CountedTextInput
from .delete import CampaignDeleteView
from .details import CampaignInspectView
from .forms import CampaignForm
from .listing import CampaignIndexView, click_through, goes_out, sent_count
from .progress import ProgressJSONView, ResumeView
from .report import ResultsCSVView


def status_is_primary(campaign: Campaign) -> bool:
    return campaign.status in (Campaign.Status.SCHEDULED, Campaign.Status.WAITING,
                               Campaign.Status.PLANNING, Campaign.Status.SENDING,
                               Campaign.Status.SENT)


class CampaignViewSet(ModelViewSet):
    model = Campaign
    icon = "mail"
    menu_label = _("Campaigns")
    name = "wagtail_pushseg_campaigns"
    url_prefix = "pushseg/campaigns"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = CampaignIndexView
    add_view_class = CampaignCreateView
    edit_view_class = CampaignEditView
    inspect_view_class = CampaignInspectView
    delete_view_class = CampaignDeleteView

    list_display = [
        "title",
        StatusTagColumn("status", label=_("Status"), accessor="get_status_display",
                        primary=status_is_primary, sort_key="status"),
        Column("goes_out", label=_("Goes out"), accessor=goes_out),
        Column("sent", label=_("Sent"), accessor=sent_count),
        Column("click_through", label=_("Click-through"), accessor=click_through),
        Column("page", label=_("Page")),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    list_filter = ["status", "timing", "focus"]
    search_fields = ["title", "body"]

    edit_handler = TabbedInterface(
        [
            ObjectList([
                FieldPanel("title", widget=CountedTextInput),
                FieldPanel("body", widget=CountedTextarea),
                MultiFieldPanel([FieldPanel("page"), FieldPanel("url")], heading=_("Link")),
                MultiFieldPanel([FieldPanel("icon"), FieldPanel("image")],
                                heading=_("Pictures"), classname="collapsed"),
                MultiFieldPanel([
                    FieldRowPanel([FieldPanel("action1_title"), FieldPanel("action1_url")]),
                    FieldRowPanel([FieldPanel("action2_title"), FieldPanel("action2_url")]),
                ], heading=_("Buttons"), classname="collapsed"),
                FieldRowPanel([FieldPanel("ttl"), FieldPanel("urgency")]),
            ], heading=_("Notification")),
            ObjectList([
                # A plain drop-down of segments, not the snippet chooser: composing needs no
                # permission on segments, and the audience preview reads the chosen value.
                InlinePanel("targets", heading=_("Targets"), label=_("target"), panels=[
                    FieldPanel("segment", widget=forms.Select),
                    FieldPanel("title", widget=CountedTextInput),
                    FieldPanel("body", widget=CountedTextarea),
                ], help_text=_(
                    "Segments in priority order. A subscriber in several gets one push, for "
                    "the target chosen by the focus; a target may have its own wording.")),
                InlinePanel(
                    "variants", heading=_("Wording variants (A/B test)"), label=_("variant"),
                    max_num=12, panels=[
                        FieldPanel("segment", widget=forms.Select),
                        FieldPanel("title", widget=CountedTextInput),
                        FieldPanel("body", widget=CountedTextarea),
                    ], help_text=_(
                        "Other wordings for a target's subscribers: they are split evenly at "
                        "random between the target's own wording (A) and up to three variants "
                        "(B, C, D), and the results compare their click-through.")),
                FieldRowPanel([FieldPanel("ab_test_share"), FieldPanel("ab_test_wait")],
                              heading=_("Test share first, then the winner")),
                FieldPanel("excluded_segments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("focus", widget=forms.RadioSelect),
                FieldPanel("min_degree"),
                AudiencePanel(),
            ], heading=_("Audience")),
            ObjectList([
                FieldPanel("timing", widget=forms.RadioSelect),
                FieldPanel("send_at"),
                *delivery_control_panels(),
            ], heading=_("Timing")),
        ],
        base_form_class=CampaignForm,
    )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("send/<int:pk>/", SendView.as_view(), name="send"),
            path("test-send/<int:pk>/", TestSendView.as_view(), name="test_send"),
            path("cancel/<int:pk>/", CancelView.as_view(), name="cancel"),
            path("resume/<int:pk>/", ResumeView.as_view(), name="resume"),
            path("progress/<int:pk>/", ProgressJSONView.as_view(), name="progress"),
            path("audience-preview/", AudiencePreviewView.as_view(), name="audience_preview"),
            path("suggestions/", SuggestionsView.as_view(), name="suggestions"),
            path("results/<int:pk>/csv/", ResultsCSVView.as_view(), name="results_csv"),
        ]
