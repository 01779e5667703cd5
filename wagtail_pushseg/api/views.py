from collections.abc import Callable
from typing import Any, TypeVar

import swapper
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from wagtail.models import Site

from ..conf import pushseg_settings
from ..subscribers import services
from ..tracking import custom_events
from ..tracking.page_tags import page_tags
from ..tracking.recorder import record_custom_event, record_page_view
from ..tracking.visitors import is_bot, subscriber_for, visitor_id
from ..validation import InvalidInput
from .protection import ApiError, public_json_endpoint, rate_limited


Page = swapper.load_model("wagtailcore", "Page")
Parsed = TypeVar("Parsed")


def _parsed(parse: Callable[[Any], Parsed], data: Any) -> Parsed:
    """``parse(data)``; what it refuses is a 400 naming the field."""
    try:
        return parse(data)
    except InvalidInput as exc:
        raise ApiError(400, str(exc), exc.field) from None


def _set_visitor_cookie(request: HttpRequest, response: JsonResponse, visitor_id: str) -> None:
    response.set_cookie(
        pushseg_settings.VISITOR_COOKIE_NAME,
        visitor_id,
        max_age=pushseg_settings.VISITOR_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


@public_json_endpoint("subscribe")
def subscribe(request: HttpRequest, data) -> JsonResponse:
    """Store the browser's PushSubscription; answers 201 when new, 200 when already known."""
    clean = _parsed(services.parse_subscription, data)
    subscriber, created = services.subscribe(
        clean,
        # Keep the browser's visitor id across re-subscriptions, so its history stays linked.
        visitor_id=visitor_id(request),
        user=getattr(request, "user", None),
        site=Site.find_for_request(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    response = JsonResponse(
        {"status": subscriber.status, "created": created}, status=201 if created else 200
    )
    _set_visitor_cookie(request, response, subscriber.visitor_id)
    return response


@public_json_endpoint("unsubscribe")
def unsubscribe(request: HttpRequest, data) -> JsonResponse:
    """Unsubscribe (or, with ``"erase": true``, erase) the subscription named by endpoint+auth."""
    if not isinstance(data, dict):
        raise ApiError(400, "expected a JSON object")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        keys = {}
    auth = data.get("auth") or keys.get("auth")
    if not data.get("endpoint") or not auth:
        raise ApiError(400, "send the subscription's endpoint and its keys.auth secret")
    subscriber = services.find_by_endpoint_and_auth(data.get("endpoint"), auth)
    if subscriber is None:
        raise ApiError(404, "no subscription with that endpoint and auth secret")
    erase = data.get("erase") is True
    if erase:
        services.erase(subscriber)
    else:
        services.unsubscribe(subscriber)
    response = JsonResponse({"status": "erased" if erase else "unsubscribed"})
    response.delete_cookie(pushseg_settings.VISITOR_COOKIE_NAME)
    return response


@rate_limited("vapid_public_key")
@require_safe
@cache_control(max_age=300, public=True)
def vapid_public_key(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"publicKey": pushseg_settings.VAPID_PUBLIC_KEY})


@public_json_endpoint("track")
def track(request: HttpRequest, data) -> JsonResponse:
    """Record a custom event, or a page view reported by the script on fully cached sites."""
    event = _parsed(custom_events.parse_event, data)
    subscriber = subscriber_for(request)
    if subscriber is None:
        raise ApiError(403, "this browser is not subscribed to notifications; nothing recorded")
    if is_bot(request):
        raise ApiError(403, "automated clients are not tracked")
    if event.page_id is not None:
        page = Page.objects.live().public().filter(pk=event.page_id).first()
        if page is None:
            raise ApiError(404, f"no live public page with id {event.page_id}")
        record_page_view(subscriber, page, page_tags(page))
    else:
        record_custom_event(subscriber, event.name, event.properties)
    return JsonResponse({"recorded": event.name}, status=201)
