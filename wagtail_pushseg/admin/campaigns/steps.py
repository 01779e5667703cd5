"""What can happen to a campaign next, and who may do it: the URL names, the states a
campaign can be deleted or cancelled in, and the header buttons of the send steps."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import HeaderButton

from ...models import Campaign
from ..permissions import can_send_campaigns


URL = "wagtail_pushseg_campaigns:%s"

#: States a campaign can be deleted in: deleting a scheduled one would cancel it without the
#: send permission, and a sent one is history.
DELETABLE = (Campaign.Status.DRAFT, Campaign.Status.CANCELLED, Campaign.Status.FAILED)

#: States a campaign can be cancelled in (a draft is simply deleted or left alone).
CANCELLABLE = (Campaign.Status.SCHEDULED, Campaign.Status.WAITING, Campaign.Status.PLANNING,
               Campaign.Status.SENDING)


def action_buttons(user, campaign: Campaign, current: str = "") -> list[HeaderButton]:
    """Header buttons for the send steps ``user`` may take with ``campaign`` next."""
    if not can_send_campaigns(user):
        return []
    steps = []
    if campaign.is_editable:
        steps += [("send", _("Send…"), "mail", 10), ("test_send", _("Send a test"), "user", 20)]
    if campaign.status in CANCELLABLE:
        steps.append(("cancel", _("Cancel campaign"), "cross", 30))
    return [
        HeaderButton(label, url=reverse(URL % step, args=[campaign.pk]), icon_name=icon,
                     priority=priority)
        for step, label, icon, priority in steps if step != current
    ]
