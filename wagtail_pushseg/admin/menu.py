from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup

from .campaigns import CampaignViewSet
from .segment_suggestions import SegmentSuggestionViewSet
from .segments import SegmentViewSet
from .subscribers import SubscriberViewSet


class PushNotificationsGroup(ViewSetGroup):
    """The "Push notifications" menu group; later parts add segments and campaigns here."""

    menu_label = _("Push notifications")
    menu_icon = "mail"
    menu_order = 250
    items = (CampaignViewSet(), SegmentViewSet(), SegmentSuggestionViewSet(), SubscriberViewSet())
