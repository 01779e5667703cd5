"""Server-side page-view tracking, run by Wagtail's ``before_serve_page`` hook."""

from django.http import HttpRequest
from django.utils import timezone

from ..conf import pushseg_settings
from .buffer import PendingView, view_buffer
from .page_tags import page_tags
from .recorder import record_page_view
from .visitors import is_bot, subscriber_for, visitor_id


def should_track(request: HttpRequest) -> bool:
    return (
        pushseg_settings.TRACK_PAGE_VIEWS
        and request.method == "GET"
        and not getattr(request, "is_preview", False)
        and not is_bot(request)
    )


def track_page_view(page, request: HttpRequest, serve_args=(), serve_kwargs=None) -> None:
    """Record the view if the visitor is an active subscriber; otherwise store nothing."""
    if not should_track(request):
        return None
    if pushseg_settings.TRACKING_WRITES == "immediate":
        subscriber = subscriber_for(request)
        if subscriber is not None:
            record_page_view(subscriber, page, page_tags(page))
        return None
    vid = visitor_id(request)
    if vid is not None:  # only browsers that once subscribed carry the cookie
        view_buffer.add(PendingView(vid, page.pk, timezone.now()))
    return None
