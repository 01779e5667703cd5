"""Which tags a page has: by default its taggit ``tags``; a setting names another callable."""

from collections.abc import Callable

from django.utils.module_loading import import_string

from ..conf import pushseg_settings


def taggit_tags(page) -> list[str]:
    """The specific page's taggit tags (the usual ``ClusterTaggableManager``), lower-cased."""
    page = getattr(page, "specific", page)
    manager = getattr(page, "tags", None)
    if manager is None or not hasattr(manager, "all"):
        return []
    return sorted({tag.name.lower() for tag in manager.all()})


def tags_function() -> Callable[[object], list[str]]:
    return import_string(pushseg_settings.PAGE_TAGS_FUNCTION)


def page_tags(page) -> list[str]:
    return [str(tag)[:100] for tag in tags_function()(page)]
