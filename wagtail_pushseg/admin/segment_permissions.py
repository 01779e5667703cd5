"""Who may do what with segments: the snippet permissions (add, change, delete, view), checked
in every segment view of ours, not only in the menu.

- listing, members, explanations, overlaps, CSV export: any of the four;
- live preview: add or change (it is part of editing);
- refresh on demand: change.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from wagtail.permission_policies import ModelPermissionPolicy

from ..compat import permission_policy_for
from ..models import Segment


ANY = ("add", "change", "delete", "view")


def segment_policy() -> ModelPermissionPolicy:
    """The policy registered for ``Segment``, or the model default."""
    return permission_policy_for(Segment)


def can_view_segments(user) -> bool:
    return segment_policy().user_has_any_permission(user, ANY)


def can_edit_segments(user) -> bool:
    return segment_policy().user_has_any_permission(user, ("add", "change"))


def can_refresh_segments(user) -> bool:
    return segment_policy().user_has_permission(user, "change")


class SegmentPermissionMixin:
    """Refuses (403) users without ``allowed(user)``, whatever the HTTP method."""

    #: The check a user must pass; every view sets its own.
    allowed = staticmethod(can_view_segments)

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not self.allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
