"""The campaign listing: newest first; a finished campaign opens its details, not the
composer."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import MenuItem

from ..permissions import can_send_campaigns
from .steps import DELETABLE, URL


class CampaignIndexView(generic.IndexView):
    """Campaigns, newest first; a finished campaign opens its details, not the composer."""

    def get_edit_url(self, instance):
        # No edit link for a campaign that went out: the title then leads to its details.
        return super().get_edit_url(instance) if instance.is_editable else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if instance.status in DELETABLE else None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.is_editable and can_send_campaigns(self.request.user):
            buttons.append(MenuItem(_("Send…"), url=reverse(URL % "send", args=[instance.pk]),
                                    icon_name="mail", priority=15))
        return buttons
