"""Everything stored about one subscriber, as JSON-ready data (the right of access)."""

from typing import Any

from django.forms.models import model_to_dict

from ..models import Event, Profile, Subscriber, TagAffinity


def _plain(instance, exclude=()) -> dict[str, Any]:
    data = model_to_dict(instance, exclude=exclude)
    for field in instance._meta.concrete_fields:
        if field.name in data and hasattr(getattr(instance, field.attname), "isoformat"):
            data[field.name] = getattr(instance, field.attname).isoformat()
    return data


def export_subscriber(subscriber: Subscriber) -> dict[str, Any]:
    """The subscription, profile, tag affinities and every retained event of one subscriber."""
    profile = Profile.objects.filter(subscriber=subscriber).first()
    return {
        "subscriber": _plain(subscriber),
        "profile": _plain(profile, exclude=["subscriber"]) if profile else None,
        "tag_affinities": [
            _plain(a, exclude=["subscriber", "id"])
            for a in TagAffinity.objects.filter(subscriber=subscriber).order_by("tag")
        ],
        "events": [
            {
                "kind": e.kind,
                "name": e.name,
                "page": e.page_id,
                "tags": e.tags,
                "properties": e.properties,
                "occurred_at": e.occurred_at.isoformat(),
            }
            for e in Event.objects.filter(subscriber=subscriber).order_by("occurred_at", "pk")
        ],
    }
