"""The composer's starting point for a page: its title, search description, link and image."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from ...models import Campaign


#: Page attributes that commonly hold a listing image, tried in this order.
LISTING_IMAGE_ATTRIBUTES = ("listing_image", "feed_image", "search_image", "social_image",
                            "image")
#: The rendition a notification's large image is made from.
IMAGE_RENDITION = "fill-720x360"


def page_by_id(value) -> object | None:
    """The (specific) page with id ``value`` from a form or query string, or ``None``. Uses the
    site's page model, which Wagtail 8 lets a project swap."""
    page_model = Campaign._meta.get_field("page").related_model
    try:
        return page_model.objects.get(pk=int(value)).specific
    except (TypeError, ValueError, page_model.DoesNotExist):
        return None


def composer_url(page=None, timing: str | None = None) -> str:
    """The campaign composer, prefilled from ``page`` (and set to ``timing``)."""
    url = reverse("wagtail_pushseg_campaigns:add")
    params = {}
    if page is not None:
        params["page"] = page.pk
    if timing:
        params["timing"] = timing
    return f"{url}?{urlencode(params)}" if params else url


def listing_image_url(page, request=None) -> str:
    """An absolute URL of the page's listing image, or "" if it has none."""
    from wagtail.images.models import AbstractImage

    for name in LISTING_IMAGE_ATTRIBUTES:
        image = getattr(page, name, None)
        if isinstance(image, AbstractImage):
            try:
                url = image.get_rendition(IMAGE_RENDITION).url
            except OSError:  # the original file is missing: compose without it
                return ""
            if url.startswith(("http://", "https://")):
                return url
            root = page.get_site().root_url if page.get_site() else ""
            if request is not None and not root:
                return request.build_absolute_uri(url)
            return f"{root}{url}"
    return ""


def is_scheduled(page) -> bool:
    """Publishing was only scheduled: the page (or its new version) goes live later."""
    if page.go_live_at and page.go_live_at > timezone.now():
        return True
    return getattr(page, "scheduled_revision", None) is not None


def initial_from_page(page, request=None, timing: str | None = None) -> dict[str, Any]:
    """Initial composer values for a campaign about ``page``."""
    page = page.specific
    initial: dict[str, Any] = {
        "title": page.title[:Campaign._meta.get_field("title").max_length],
        "body": (page.search_description or "")[:Campaign._meta.get_field("body").max_length],
        "page": page.pk,
    }
    image = listing_image_url(page, request)
    if image:
        initial["image"] = image[:Campaign._meta.get_field("image").max_length]
    if timing in Campaign.Timing.values:
        initial["timing"] = timing
    elif is_scheduled(page):
        # Publishing was only scheduled: push when the page really goes live.
        initial["timing"] = Campaign.Timing.ON_PUBLISH
    return initial
