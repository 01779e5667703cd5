"""Small helpers for the demo templates: the main menu and tag links."""

from typing import Any

from django import template
from wagtail.models import Site


register = template.Library()


@register.inclusion_tag("demo/includes/main_menu.html", takes_context=True)
def main_menu(context: dict[str, Any]) -> dict[str, Any]:
    """The home page and its live children marked "show in menus" (Magazine, Shop)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    root = site.root_page.specific if site else None
    current = context.get("page")
    current_path = getattr(current, "path", "")
    items = [
        {"page": child, "active": current_path.startswith(child.path)}
        for child in (root.get_children().live().in_menu() if root else [])
    ]
    return {"root": root, "items": items, "request": request}


@register.filter
def is_sale_tag(slug: str) -> bool:
    from ..models import SALE_TAGS

    return slug in SALE_TAGS
