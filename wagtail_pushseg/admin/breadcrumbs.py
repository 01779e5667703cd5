"""The admin pages' breadcrumbs: Wagtail's own first, then the trail down to the page."""

from typing import Any

from django.utils.functional import Promise


def breadcrumbs(view: Any, *trail: tuple[str, str | Promise]) -> list[dict[str, Any]]:
    """``view``'s own ``breadcrumbs_items``, then each ``(url, label)`` of ``trail``, then the
    page itself (its title, no link): what ``get_breadcrumbs_items`` returns."""
    return [
        *view.breadcrumbs_items,
        *({"url": url, "label": label} for url, label in trail),
        {"url": "", "label": view.get_page_title()},
    ]
