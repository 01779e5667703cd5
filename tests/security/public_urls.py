"""The plugin's public (non-admin) URLs, found by walking the resolver, so endpoints added later
are checked by the same tests."""

from django.apps import apps
from django.urls import reverse

from .admin_urls import _walk


def public_urls() -> list[str]:
    """Paths in the ``wagtail_pushseg`` namespace outside the admin; path arguments get a
    harmless placeholder (a bad token must be refused like any other bad input)."""
    from django.urls import get_resolver

    admin_prefix = reverse("wagtailadmin_home").lstrip("/")
    found = []
    for route, namespaces, pattern in _walk(get_resolver()):
        if "wagtail_pushseg" not in namespaces or route.startswith(admin_prefix):
            continue
        kwargs = {name: ("1" if converter.regex == "[0-9]+" else "x")
                  for name, converter in pattern.pattern.converters.items()}
        found.append(reverse(f"wagtail_pushseg:{pattern.name}", kwargs=kwargs))
    return found


def row_counts() -> dict[str, int]:
    """Rows of every model of the plugin (and Wagtail's audit log), to prove nothing was
    stored."""
    from wagtail.models import ModelLogEntry

    counts = {m.__name__: m.objects.count() for m in apps.get_app_config("wagtail_pushseg")
              .get_models()}
    counts["ModelLogEntry"] = ModelLogEntry.objects.count()
    return counts
