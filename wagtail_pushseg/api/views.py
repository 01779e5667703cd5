from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.models import Site

from ..conf import pushseg_settings
from ..subscribers import services
from .protection import ApiError, public_json_endpoint


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
    try:
        clean = services.parse_subscription(data)
    except services.InvalidSubscription as exc:
        raise ApiError(400, str(exc), exc.field) from None
    subscriber, created = services.subscribe(
        clean,
        visitor_id=None,
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
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
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


@require_GET
@cache_control(max_age=300, public=True)
def vapid_public_key(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"publicKey": pushseg_settings.VAPID_PUBLIC_KEY})
