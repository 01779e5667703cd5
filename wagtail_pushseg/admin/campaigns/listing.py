"""The campaign listing: newest first; a finished campaign opens its details, not the
composer."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import MenuItem

from ...models import Campaign, Delivery
from ..permissions import can_send_campaigns
from .steps import DELETABLE, URL


def sent_count(campaign: Campaign) -> int | str:
    """Pushes delivered to the push services (annotated by the listing's query)."""
    sent = getattr(campaign, "pushes_sent", 0)
    return sent if sent or campaign.queued_at else "-"


def click_through(campaign: Campaign) -> str:
    sent = getattr(campaign, "pushes_sent", 0)
    if not sent:
        return "-"
    return number_format(100 * getattr(campaign, "pushes_clicked", 0) / sent, 1) + " %"


def goes_out(campaign: Campaign) -> str:
    """When the campaign goes (or went) out, in words for the listing: the moment it was
    sent once it was, not the timing it was given ("Now")."""
    when = campaign.queued_at or (campaign.send_at if campaign.timing == Campaign.Timing.AT
                                  else None)
    if when:
        return date_format(localtime(when), "SHORT_DATETIME_FORMAT")
    return campaign.get_timing_display()


class CampaignIndexView(generic.IndexView):
    """Campaigns, newest first; a finished campaign opens its details, not the composer."""

    def get_base_queryset(self):
        # Sent and clicked per campaign in the listing's own query, for its columns.
        return super().get_base_queryset().annotate(
            pushes_sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
            pushes_clicked=Count("deliveries", filter=Q(deliveries__clicked_at__isnull=False)),
        )

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
