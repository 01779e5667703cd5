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
    "Campaign",
    "CampaignTarget",
    "CampaignVariant",
    "Delivery",
    "Event",
    "Membership",
    "MembershipDay",
    "Profile",
    "Segment",
    "SegmentAlert",
    "SegmentDay",
    "SegmentMembersWeek",
    "SegmentSuggestion",
    "SegmentTagDay",
    "SegmentTransition",
    "Subscriber",
    "SubscriberQuerySet",
    "TagAffinity",
    "endpoint_hash",
]
