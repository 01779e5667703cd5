"""Template tags for the site's base template: the subscribe script, soft prompt and button.

Load them with ``{% load pushseg_tags %}``, then::

    {% pushseg_scripts %}   in <head> (config JSON, CSS link, deferred script)
    {% pushseg_prompt %}    once, anywhere in <body> (hidden until the script shows it)
    {% pushseg_button %}    wherever a subscribe/unsubscribe toggle belongs
"""

import json
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractPage

from ..conf import pushseg_settings


register = template.Library()

# The default prompt words live in conf.py as plain strings; marking them here lets
# makemessages pick them up, so a site that keeps the defaults gets them translated.
_DEFAULT_WORDS = (
    gettext_noop("Get notified about new content?"),
    gettext_noop("We'll send you a notification when we publish something for you."),
    gettext_noop("Yes, notify me"),
    gettext_noop("Not now"),
)

# The service worker embeds the config JSON in its code; escaping <, > and & keeps it inert
# should the text ever end up inside HTML.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _translated(words: str) -> str:
    """The site's words, translated when a message catalog has them."""
    return gettext(words)


def _optional_url(name: str) -> str | None:
    """Reverse a URL that a later part of the plugin (or the site) may not provide yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def client_config(page: Any = None) -> dict[str, Any]:
    """The settings ``pushseg.js`` reads from the ``#pushseg-config`` JSON element."""
    return {
        "vapidPublicKey": pushseg_settings.VAPID_PUBLIC_KEY,
        "subscribeUrl": reverse("wagtail_pushseg:subscribe"),
        "unsubscribeUrl": reverse("wagtail_pushseg:unsubscribe"),
        "vapidPublicKeyUrl": reverse("wagtail_pushseg:vapid_public_key"),
        "trackUrl": _optional_url("wagtail_pushseg:track"),
        "serviceWorkerUrl": pushseg_settings.SERVICE_WORKER_URL,
        "serviceWorkerScope": "/",
        "promptAfterPageViews": pushseg_settings.PROMPT_AFTER_PAGE_VIEWS,
        "promptSnoozeDays": pushseg_settings.PROMPT_SNOOZE_DAYS,
        # With server-side view tracking off (full-page caches), the script reports the view.
        "pageId": page.pk if isinstance(page, AbstractPage) else None,
        "reportPageViews": not pushseg_settings.TRACK_PAGE_VIEWS,
    }


def service_worker_config() -> dict[str, Any]:
    """What the service worker needs: where to re-subscribe and what to show as a fallback."""
    return {
        "subscribeUrl": reverse("wagtail_pushseg:subscribe"),
        "vapidPublicKeyUrl": reverse("wagtail_pushseg:vapid_public_key"),
        "defaultIcon": pushseg_settings.DEFAULT_ICON,
        "fallbackTitle": gettext("New notification"),
        "fallbackBody": gettext("Open the site to see what's new."),
    }


@register.inclusion_tag("wagtail_pushseg/tags/scripts.html", takes_context=True)
def pushseg_scripts(
    context: template.Context, page: Any = None, css: bool = True
) -> dict[str, Any]:
    """The config element, the prompt's stylesheet (skip with ``css=False``) and the script.

    ``page`` defaults to the template's ``page`` variable (Wagtail's page templates have one).
    """
    page = page if page is not None else context.get("page")
    return {"config": client_config(page), "include_css": css}


@register.inclusion_tag("wagtail_pushseg/tags/prompt.html")
def pushseg_prompt(
    title: str | None = None,
    text: str | None = None,
    accept: str | None = None,
    decline: str | None = None,
) -> dict[str, Any]:
    """The soft prompt, in the site's words (settings), each overridable per template."""
    return {
        "title": title if title is not None else _translated(pushseg_settings.PROMPT_TITLE),
        "text": text if text is not None else _translated(pushseg_settings.PROMPT_TEXT),
        "accept": accept if accept is not None else _translated(pushseg_settings.PROMPT_ACCEPT),
        "decline": (
            decline if decline is not None else _translated(pushseg_settings.PROMPT_DECLINE)
        ),
    }


@register.inclusion_tag("wagtail_pushseg/tags/button.html")
def pushseg_button(
    subscribe_label: str | None = None,
    unsubscribe_label: str | None = None,
    css_class: str = "",
) -> dict[str, Any]:
    """A toggle button; the script shows it only where push works and keeps its label current."""
    return {
        "subscribe_label": subscribe_label or _("Get notifications"),
        "unsubscribe_label": unsubscribe_label or _("Stop notifications"),
        "css_class": css_class,
    }


@register.simple_tag
def pushseg_sw_config() -> SafeString:
    """The service worker's config as a JS object literal (used by ``service_worker.js``)."""
    # Safe: JSON of our own settings, with <, > and & escaped so no </script> can close the tag.
    return mark_safe(json.dumps(service_worker_config()).translate(_JSON_ESCAPES))  # noqa: S308
