"""Guards shared by the public endpoints: same origin, rate limit, bounded JSON bodies.

The endpoints are called by the site's own script, possibly from fully cached pages that carry
no CSRF token, so instead of a token they require the browser's ``Origin`` (or
``Sec-Fetch-Site``) to say same-origin and a JSON content type (which a cross-origin form cannot
send without a CORS preflight that we never grant).
"""

import ipaddress
import time
from functools import wraps
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..conf import pushseg_settings
from . import strict_json


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        self.status = status
        self.message = message
        self.field = field
        super().__init__(message)

    def response(self) -> JsonResponse:
        data = {"error": self.message}
        if self.field:
            data["field"] = self.field
        return JsonResponse(data, status=self.status)


def request_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def check_same_origin(request: HttpRequest) -> None:
    origin = request.headers.get("Origin")
    if origin:
        allowed = {request_origin(request), *pushseg_settings.TRUSTED_ORIGINS}
        if origin.rstrip("/") not in allowed:
            raise ApiError(403, f"cross-origin request from {origin} refused")
        return
    # Older browsers omit Origin on same-origin requests but send Fetch Metadata.
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return
    raise ApiError(403, "request must come from this site's pages (no Origin header)")


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip() or "m"]


def client_id(request: HttpRequest) -> str:
    """Who the rate limit counts: the client's IPv4 address, or its IPv6 /64 (one household
    or server usually holds a whole /64, so counting single IPv6 addresses is no limit)."""
    address = request.META.get("REMOTE_ADDR", "unknown")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return f"{ipaddress.IPv6Network((ip, 64), strict=False).network_address}/64"
    return str(ip)


def check_rate_limit(request: HttpRequest, scope: str) -> None:
    """Fixed-window counter per client and endpoint, kept in the configured cache."""
    limit, period = parse_rate(pushseg_settings.RATE_LIMIT)
    if limit <= 0:
        return
    window = int(time.time() // period)
    key = f"pushseg:rl:{scope}:{client_id(request)}:{window}"
    cache = caches[pushseg_settings.RATE_LIMIT_CACHE]
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    if count > limit:
        raise ApiError(429, f"too many requests; at most {limit} per {period} s")


def read_json(request: HttpRequest) -> Any:
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise ApiError(415, "send the body as application/json")
    limit = pushseg_settings.MAX_REQUEST_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise ApiError(413, f"body is {declared} bytes; the limit is {limit}")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise ApiError(413, f"body is larger than the limit of {limit} bytes")
    try:
        return strict_json.parse(raw)
    except strict_json.InvalidJson as exc:
        raise ApiError(400, str(exc)) from None


def public_json_endpoint(scope: str):
    """Wrap a view taking (request, data) with the guards above; ApiError becomes JSON."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                if request.method != "POST":
                    raise ApiError(405, "use POST")
                check_same_origin(request)
                check_rate_limit(request, scope)
                data = read_json(request)
                return view(request, data, *args, **kwargs)
            except ApiError as exc:
                response = exc.response()
                if exc.status == 405:
                    response["Allow"] = "POST"
                return response

        return wrapper

    return decorator


def rate_limited(scope: str):
    """The rate limit alone, for the public GET views (service worker, public key): they are
    cheap, but an unmetered endpoint is still a way to load the site."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                check_rate_limit(request, scope)
            except ApiError as exc:
                return exc.response()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
