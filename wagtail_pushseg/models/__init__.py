from .behaviour import Event, Profile, TagAffinity
from .subscribers import Subscriber, SubscriberQuerySet, endpoint_hash


__all__ = ["Event", "Profile", "Subscriber", "SubscriberQuerySet", "TagAffinity", "endpoint_hash"]
