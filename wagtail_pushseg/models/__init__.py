from .behaviour import Event, Profile, TagAffinity
from .campaigns import Campaign, CampaignTarget, CampaignVariant, Delivery
from .segments import Membership, Segment
from .subscribers import Subscriber, SubscriberQuerySet, endpoint_hash


__all__ = [
    "CampaignVariant",
    "Campaign", "CampaignTarget", "Delivery", "Event", "Membership", "Profile", "Segment",
    "Subscriber", "SubscriberQuerySet", "TagAffinity", "endpoint_hash",
]
