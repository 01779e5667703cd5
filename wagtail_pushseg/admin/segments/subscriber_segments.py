"""The subscriber detail's "Segments" read-out: each segment the subscriber is a member of
(as of its last refresh), with the explanation of their degree now."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from ...models import Membership, Subscriber
from ...segments.explain import explain
from ..permissions import can_view_segments
from .members import explain_url


def shows_segments(user) -> bool:
    return can_view_segments(user)


def subscriber_segments_html(request, subscriber: Subscriber) -> SafeString:
    memberships = (
        Membership.objects.filter(subscriber=subscriber).select_related("segment")
        .order_by("-degree", "segment__name")
    )
    items = [
        {
            "membership": membership,
            "explanation": explain(subscriber, membership.segment),
            "url": explain_url(membership.segment_id, subscriber.pk),
        }
        for membership in memberships
    ]
    return render_to_string(
        "wagtail_pushseg/segments/subscriber_segments.html", {"items": items}, request
    )
