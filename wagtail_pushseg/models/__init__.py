from .subscribers import Subscriber, SubscriberQuerySet, endpoint_hash


__all__ = ["Subscriber", "SubscriberQuerySet", "endpoint_hash"]
