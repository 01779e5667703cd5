"""A refused permission check as a JSON 403, for the endpoints the admin's scripts fetch."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise


class JSONRefusalMixin:
    """Put before ``PermissionCheckedMixin``: its ``PermissionDenied`` becomes a 403 with
    ``{"error": refusal}``. Wagtail's admin would redirect a non-XHR refusal to the dashboard,
    which ``fetch()`` follows into HTML."""

    #: The ``error`` of the 403.
    refusal: str | Promise = "permission denied"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            # A mixin: dispatch comes from the view it is mixed into.
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except PermissionDenied:
            return JsonResponse({"error": str(self.refusal)}, status=403)
