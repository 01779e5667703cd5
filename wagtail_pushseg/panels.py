"""``PushPanel``: a page's push campaigns in its editor (the plugin's public panel).

Site builders add it to their page types (a one-line recipe, ``docs/editors.md``)::

    from wagtail_pushseg.panels import PushPanel

    content_panels = Page.content_panels + [PushPanel()]
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from .admin.campaigns.prefill import composer_url
from .admin.permissions import can_add_campaigns, can_view_campaigns
from .campaigns.results import funnels
from .models import Campaign


CSS = {"all": ["wagtail_pushseg/admin/campaigns.css"]}


class PushPanel(Panel):
    """The page's push campaigns with their state and results, and a link to prepare one
    that goes out when the page is published. Shown to users who may see campaigns."""

    #: How many of the page's campaigns are listed (newest first).
    limit = 10

    def __init__(self, heading="", icon="", **kwargs):
        super().__init__(heading=heading or _("Push notifications"), icon=icon or "mail",
                         **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_pushseg/campaigns/push_panel.html"

        class Media:
            css = CSS

        def is_shown(self) -> bool:
            return self.request is not None and can_view_campaigns(self.request.user)

        def campaigns(self) -> list[Campaign]:
            page_id = getattr(self.instance, "pk", None)
            if not page_id:
                return []
            campaigns = list(Campaign.objects.filter(page_id=page_id)[: self.panel.limit])
            # One grouped query gives the panel's every number (sent, waiting, clicks...).
            counted = funnels(c.pk for c in campaigns)
            for campaign in campaigns:
                campaign.funnel = counted[campaign.pk]
                campaign.admin_url = reverse(
                    "wagtail_pushseg_campaigns:edit" if campaign.is_editable
                    else "wagtail_pushseg_campaigns:inspect", args=[campaign.pk])
            return campaigns

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            user = self.request.user
            saved = bool(getattr(self.instance, "pk", None))
            context.update(
                campaigns=self.campaigns(),
                page_saved=saved,
                can_add=can_add_campaigns(user),
                can_publish=saved and self.instance.permissions_for_user(user).can_publish(),
                prepare_url=composer_url(self.instance, Campaign.Timing.ON_PUBLISH)
                if saved else "",
                push_now_url=composer_url(self.instance)
                if saved and self.instance.live else "",
            )
            return context
