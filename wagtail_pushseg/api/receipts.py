"""The click link and the receipt endpoint a notification carries (signed per delivery).

The click link never takes its destination from the request: it redirects to the campaign's
own URL, computed here, and only when that URL is on one of this site's hosts; anything else
(a bad or tampered token, an unknown campaign, a foreign link) goes to the site's home page.
"""

from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from wagtail.models import Site

from ..campaigns.payloads import campaign_url
from ..campaigns.tokens import BadToken, read_token
from ..models import Campaign
from ..tracking.receipts import RECEIPTS, record_click, record_receipt
from .protection import ApiError, check_rate_limit, public_json_endpoint


HOME = "/"


def site_hosts(request: HttpRequest) -> set[str]:
    """Hosts a click may lead to: the request's own and every Wagtail site's."""
    hosts = {request.get_host()}
    for hostname, port in Site.objects.values_list("hostname", "port"):
        hosts |= {hostname, f"{hostname}:{port}"}
    return hosts


def destination(request: HttpRequest, campaign: Campaign) -> str:
    url = campaign_url(campaign)
    if url_has_allowed_host_and_scheme(url, allowed_hosts=site_hosts(request)):
        return url
    return HOME


@never_cache
@require_safe
def click(request: HttpRequest, token: str) -> HttpResponseRedirect:
    """Record the click (once) and go to the campaign's page; ``?next=`` and the like are
    ignored. A HEAD request (a link preview) records nothing."""
    try:
        ref = read_token(token)
    except BadToken:
        return HttpResponseRedirect(HOME)
    campaign = Campaign.objects.select_related("page").filter(pk=ref.campaign_id).first()
    if campaign is None:
        return HttpResponseRedirect(HOME)
    if request.method == "GET":
        try:
            check_rate_limit(request, "click")
        except ApiError:
            pass  # over the limit: still take the reader to the page, uncounted
        else:
            record_click(ref)
    return HttpResponseRedirect(destination(request, campaign))


@public_json_endpoint("receipt")
def receipt(request: HttpRequest, data, token: str) -> JsonResponse:
    """``{"event": "shown" | "dismissed"}`` from the service worker; the first one counts."""
    try:
        ref = read_token(token)
    except BadToken:
        raise ApiError(400, "this receipt link is not valid (bad or tampered token)") from None
    what = data.get("event") if isinstance(data, dict) else None
    if not isinstance(what, str) or what not in RECEIPTS:
        raise ApiError(400, f"event must be one of: {', '.join(RECEIPTS)}", "event")
    recorded = record_receipt(ref, what)
    if recorded is None:
        raise ApiError(404, "no such delivery (the subscription may have been erased)")
    return JsonResponse({"event": what, "recorded": recorded})
