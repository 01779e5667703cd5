"""Everything stored about one subscriber as a JSON download (the right of access)."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.generic import View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...models import Subscriber
from ...tracking.export import export_subscriber
from ..permissions import RegisteredPolicy


class ExportDataView(PermissionCheckedMixin, View):
    """Everything stored about one subscriber as a JSON download (the right of access)."""

    permission_policy = RegisteredPolicy(Subscriber)
    permission_required = "view"

    def get(self, request, pk):
        subscriber = get_object_or_404(Subscriber, pk=pk)
        response = JsonResponse(export_subscriber(subscriber), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="subscriber-{pk}.json"'
        return response
