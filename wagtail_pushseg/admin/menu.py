from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup

from .campaigns.viewset import CampaignViewSet
from .insights.suggestions import SegmentSuggestionViewSet
from .segments.viewset import SegmentViewSet
from .subscribers.viewset import SubscriberViewSet


class PushNotificationsGroup(ViewSetGroup):
    """The "Push notifications" menu group: campaigns, segments, suggestions, subscribers."""

    menu_label = _("Push notifications")
    menu_icon = "mail"
    menu_order = 250
    items = (CampaignViewSet(), SegmentViewSet(), SegmentSuggestionViewSet(), SubscriberViewSet())
