"""Every admin URL the plugin registers, found by walking Django's URL resolver, so views added
later (by viewsets or ``register_admin_urls`` hooks) are covered without editing the tests."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class AdminURL:
    route: str           # e.g. "admin/pushseg/segments/members/<int:pk>/"
    namespace: str       # e.g. "wagtail_pushseg_segments"
    name: str
    kwargs: tuple[str, ...]

    def fill(self, objects: dict[str, object]) -> str:
        """The URL with its arguments taken from real objects (``objects`` by model name)."""
        values = {}
        for kwarg in self.kwargs:
            obj = objects.get(_model_for(kwarg, self.namespace))
            if obj is None:
                raise LookupError(
                    f"the walker does not know which object fills <{kwarg}> in {self.route} "
                    f"(namespace {self.namespace}); teach tests/security/admin_urls.py"
                )
            values[kwarg] = obj.pk
        name = f"{self.namespace}:{self.name}" if self.namespace else self.name
        return reverse(name, kwargs=values)


_MODELS = ("suggestion", "subscriber", "segment", "campaign", "delivery", "page")


def _model_for(kwarg: str, namespace: str) -> str | None:
    """``subscriber_pk`` names its model; a bare ``pk``/``id`` is the namespace's model."""
    for model in _MODELS:
        if model in kwarg:
            return model
    if kwarg in ("pk", "id", "object_id"):
        for model in _MODELS:
            if model in namespace:
                return model
    return None


def _view_module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    return getattr(view, "__module__", "") or ""


def _walk(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()
          ) -> Iterator[tuple[str, tuple[str, ...], URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            spaces = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, prefix + str(entry.pattern), spaces)
        else:
            yield prefix + str(entry.pattern), namespaces, entry


def plugin_admin_urls() -> list[AdminURL]:
    """Admin routes whose namespace or view belongs to ``wagtail_pushseg``."""
    admin_prefix = reverse("wagtailadmin_home").lstrip("/")
    found = []
    for route, namespaces, pattern in _walk(get_resolver()):
        if not route.startswith(admin_prefix) or pattern.name is None:
            continue
        namespace = ":".join(namespaces)
        if "pushseg" not in namespace and not _view_module(pattern).startswith("wagtail_pushseg"):
            continue
        found.append(AdminURL(route, namespace, pattern.name,
                              tuple(pattern.pattern.converters)))
    return found


def make_suggestion(name: str, explanation: str = "", **fields):
    """A stored segment suggestion, so the suggestion views' ``<pk>`` can be filled."""
    from django.utils import timezone

    from wagtail_pushseg.models import SegmentSuggestion

    now = timezone.now()
    defaults = {"key": f"tag:{name}"[:250], "kind": SegmentSuggestion.Kind.TAG, "tags": [name],
                "size": 30, "uncovered": 30, "first_found_at": now, "refreshed_at": now}
    return SegmentSuggestion.objects.create(name=name, explanation=explanation,
                                            **{**defaults, **fields})
