from .behaviour import Event, Profile, TagAffinity
from .campaigns import Campaign, CampaignTarget, CampaignVariant, Delivery
from .insights import (
    MembershipDay,
    SegmentAlert,
    SegmentDay,
    SegmentMembersWeek,
    SegmentTagDay,
    SegmentTransition,
)
from .segments import Membership, Segment
from .subscribers import Subscriber, SubscriberQuerySet, endpoint_hash
from .suggestions import SegmentSuggestion


__all__ = [
    "CampaignVariant",
    "Campaign", "CampaignTarget", "Delivery", "Event", "Membership", "Profile", "Segment",
    "SegmentSuggestion",
    "Subscriber", "SubscriberQuerySet", "TagAffinity", "endpoint_hash",
    "MembershipDay", "SegmentAlert", "SegmentDay", "SegmentMembersWeek", "SegmentTagDay",
    "SegmentTransition",
]
