"""Server-side page-view tracking, run by Wagtail's ``before_serve_page`` hook."""

from django.http import HttpRequest

from ..conf import pushseg_settings
from .page_tags import page_tags
from .recorder import record_page_view
from .visitors import is_bot, subscriber_for


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
    subscriber = subscriber_for(request)
    if subscriber is None:
        return None
    record_page_view(subscriber, page, page_tags(page))
    return None
